"""`vigil people list|show ... --as USER`: people and their memberships, read through the
same selectors (and so the same access layer) as the pages and the API.

    vigil people list [--unit CODE] [--subtree CODE] [--role ROLE] [--q TEXT] [--all] --as USER [--json]
    vigil people show ID --as USER [--json]

`--as` may be replaced by the environment variable VIGIL_USER.
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.management.commands._cli import (
    acting_user,
    add_identity_arguments,
    as_command_error,
)
from vigil.org.selectors import people as people_sel


def cli_actor(user) -> Actor:
    return Actor(user=user, channel="cli")


def run_guarded(handler):
    """Run `handler()`; domain and validation errors become a CommandError (exit 1)."""
    try:
        return handler()
    except (DomainError, ValidationError) as exc:
        raise as_command_error(exc) from exc


def membership_dict(m) -> dict:
    return {
        "id": m.pk, "unit": m.unit.code, "role": m.role.code, "since": m.since.isoformat(),
        "until": m.until.isoformat() if m.until else None, "active": m.is_active,
        "decision": m.decision_id, "ended_by": m.ended_by_id,
    }


def person_dict(p) -> dict:
    return {
        "id": p.pk, "full_name": p.full_name, "position": p.position, "home_unit": p.home_unit.code,
        "email": p.email, "phone": p.phone, "is_active": p.is_active,
        "username": p.user.username if p.user_id else None,
    }


class Command(BaseCommand):
    help = "List and show people and their memberships (through the access layer)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="people you may see")
        listing.add_argument("--unit", default=None, help="code of a unit: its staff and members")
        listing.add_argument("--subtree", default=None, help="code of a unit: it and its descendants")
        listing.add_argument("--role", default=None, help="role code held now")
        listing.add_argument("--q", default=None, help="words in the name, position, e-mail, phone")
        listing.add_argument("--all", action="store_true", help="include people no longer in post")
        add_identity_arguments(listing)
        show = sub.add_parser("show", help="one person and their membership history")
        show.add_argument("person_id")
        add_identity_arguments(show)

    def handle(self, *args, action, **options):
        user = run_guarded(lambda: acting_user(options))
        return run_guarded(lambda: getattr(self, f"do_{action}")(user, options))

    def do_list(self, user, options):
        unit, subtree = None, True
        if options["unit"]:
            unit, subtree = people_sel.unit_ref(user=user, ref=options["unit"], field="unit"), False
        elif options["subtree"]:
            unit = people_sel.unit_ref(user=user, ref=options["subtree"], field="subtree")
        people = people_sel.with_current_memberships(
            people_sel.person_list(
                user=user, q=options["q"], unit=unit, subtree=subtree, role=options["role"],
                active=None if options["all"] else True,
            ),
            user=user,
        )
        if options["json"]:
            rows = [
                {**person_dict(p), "memberships": [membership_dict(m) for m in p.current_memberships]}
                for p in people
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        count = 0
        for p in people:
            count += 1
            roles = ", ".join(f"{m.role.code}@{m.unit.code}" for m in p.current_memberships)
            self.stdout.write(f"{p.pk:>6}  {p.full_name:<32} {p.home_unit.code:<20} {roles}")
        self.stdout.write(_("%(n)s cán bộ.") % {"n": count})

    def do_show(self, user, options):
        person = people_sel.person_get(user=user, person_id=options["person_id"])
        history = list(people_sel.person_memberships(user=user, person=person))
        if options["json"]:
            data = {**person_dict(person), "memberships": [membership_dict(m) for m in history]}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{person.full_name} (#{person.pk})")
        status = _("đang công tác") if person.is_active else _("đã thôi công tác")
        rows = [
            (_("Chức vụ"), person.position or "—"),
            (_("Đơn vị công tác"), f"{person.home_unit.display_name} ({person.home_unit.code})"),
            (_("Thư điện tử"), person.email or "—"),
            (_("Điện thoại"), person.phone or "—"),
            (_("Trạng thái"), status),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label}: {value}")
        self.stdout.write(_("Quá trình tham gia:"))
        for m in history:
            until = m.until.strftime("%d/%m/%Y") if m.until else "…"
            mark = "*" if m.is_active else " "
            self.stdout.write(
                f" {mark} {m.since:%d/%m/%Y} – {until:<10} {m.role.display_name:<28} {m.unit.display_name}"
            )
        if not history:
            self.stdout.write("  —")
