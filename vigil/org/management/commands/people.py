"""`vigil org people list|show ... --as USER`: people and their memberships, read through the
same selectors (and so the same access layer) as the pages and the API.

    vigil org people list [--unit CODE] [--subtree CODE] [--role ROLE] [--q TEXT] [--all] --as USER [--json]
    vigil org people show ID --as USER [--json]

`--as` may be replaced by the environment variable VIGIL_USER.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import VigilCommand
from vigil.org.api.people import PersonDetailOut
from vigil.org.selectors import people as people_sel


class Command(VigilCommand):
    help = "List and show people and their memberships (through the access layer)."

    def add_arguments(self, parser):
        sub = self.subcommands(parser)
        listing = self.subcommand(sub, "list", help="people you may see")
        listing.add_argument("--unit", default=None, help="code of a unit: its staff and members")
        listing.add_argument("--subtree", default=None, help="code of a unit: it and its descendants")
        listing.add_argument("--role", default=None, help="role code held now")
        listing.add_argument("--q", default=None, help="words in the name, position, e-mail, phone")
        listing.add_argument("--all", action="store_true", help="include people no longer in post")
        show = self.subcommand(sub, "show", help="one person and their membership history")
        show.add_argument("person_id")

    def do_list(self, user, options):
        unit, subtree = None, True
        if options["unit"]:
            unit, subtree = self.unit(user, options["unit"], field="unit"), False
        elif options["subtree"]:
            unit = self.unit(user, options["subtree"], field="subtree")
        people = people_sel.with_current_memberships(
            people_sel.person_list(
                user=user, q=options["q"], unit=unit, subtree=subtree, role=options["role"],
                active=None if options["all"] else True,
            ),
            user=user,
        )
        if options["json"]:
            people = list(people)
            for p in people:  # the API's person with its current memberships
                p.memberships_list = p.current_memberships
            return self.emit_schema(PersonDetailOut, people, many=True)
        count = 0
        for p in people:
            count += 1
            roles = ", ".join(f"{m.role.code}@{m.unit.code}" for m in p.current_memberships)
            self.stdout.write(f"{p.pk:>6}  {p.full_name:<32} {p.home_unit.code:<20} {roles}")
        self.stdout.write(ngettext("%(n)s cán bộ.", "%(n)s cán bộ.", count) % {"n": count})

    def do_show(self, user, options):
        person = people_sel.person_get(user=user, person_id=options["person_id"])
        history = list(people_sel.person_memberships(user=user, person=person))
        if options["json"]:
            person.memberships_list = history
            return self.emit_schema(PersonDetailOut, person)
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
