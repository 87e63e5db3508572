"""`vigil units list|show|tree|overlaps ... --as USER`: the unit tree and its constituency,
read through the same selectors (and so the same access layer) as the pages and the API.

    vigil units list [--kind K] [--subtree CODE] [--q TEXT] --as USER [--json]
    vigil units show CODE --as USER [--json]
    vigil units tree [--q TEXT] [--kind K] --as USER
    vigil units overlaps [--kind K] [--relation conflict|delegation] --as USER [--json]
    vigil units claim CODE VALUE [--note TEXT] --as USER [--json]
    vigil units requests [--status pending|active|refused|all] --as USER [--json]
    vigil units decide ENTRY_ID accept|refuse [--note TEXT] --as USER [--json]

A claim inside or over another unit's claim waits for that unit (or the office) to
accept it (`requests`, `decide`).

`--as` may be replaced by the environment variable VIGIL_USER.
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.management.commands._cli import (
    acting_user,
    add_identity_arguments,
    as_command_error,
)
from vigil.org.selectors import constituency as constituency_selectors
from vigil.org.selectors import units as unit_selectors
from vigil.org.services import constituency as constituency_services


def unit_dict(unit) -> dict:
    return {
        "id": unit.pk, "code": unit.code, "name": unit.name, "name_en": unit.name_en,
        "short_name": unit.short_name, "kind": unit.kind.code,
        "parent": unit.parent.code if unit.parent_id else None,
        "admin_code": unit.admin_code, "depth": unit.depth, "is_active": unit.is_active,
    }


def entry_dict(entry) -> dict:
    return {"id": entry.pk, "kind": entry.kind, "value": entry.value, "note": entry.note, "status": entry.status}


def request_dict(entry, user) -> dict:
    return {
        **entry_dict(entry), "unit": entry.unit.code,
        "decision_note": entry.decision_note,
        "can_decide": constituency_selectors.may_decide(user=user, entry=entry),
    }


class Command(BaseCommand):
    help = "List, show and draw the unit tree, and report overlapping constituency claims."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="units you may see")
        listing.add_argument("--kind", default=None)
        listing.add_argument("--subtree", default=None, help="code of a unit: it and its descendants")
        listing.add_argument("--q", default=None, help="search code and names (diacritics ignored)")
        add_identity_arguments(listing)
        show = sub.add_parser("show", help="one unit: ancestors, children, constituency")
        show.add_argument("code")
        add_identity_arguments(show)
        tree = sub.add_parser("tree", help="the tree of units you may see")
        tree.add_argument("--q", default=None)
        tree.add_argument("--kind", default=None)
        add_identity_arguments(tree)
        overlaps = sub.add_parser("overlaps", help="overlapping constituency claims")
        overlaps.add_argument("--kind", default=None, choices=["ipv4", "ipv6", "asn", "domain"])
        overlaps.add_argument("--relation", default=None, choices=["conflict", "delegation"])
        add_identity_arguments(overlaps)
        claim = sub.add_parser("claim", help="declare an IP range, ASN or domain a unit answers for")
        claim.add_argument("code")
        claim.add_argument("value")
        claim.add_argument("--note", default="")
        add_identity_arguments(claim)
        requests = sub.add_parser("requests", help="delegation requests (claims inside or over another unit's)")
        requests.add_argument("--status", default="pending", choices=["pending", "active", "refused", "all"])
        add_identity_arguments(requests)
        decide = sub.add_parser("decide", help="accept or refuse a delegation request")
        decide.add_argument("entry_id", type=int)
        decide.add_argument("decision", choices=["accept", "refuse"])
        decide.add_argument("--note", default="")
        add_identity_arguments(decide)

    def handle(self, *args, action, **options):
        try:
            user = acting_user(options)
            getattr(self, f"_{action}")(user, options)
        except (DomainError, ValidationError) as exc:
            raise as_command_error(exc) from exc

    def _emit_json(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _unit_by_code(self, user, code):
        try:
            return unit_selectors.unit_get(user=user, code=code)
        except DomainError as exc:
            raise CommandError(
                _("Không tìm thấy đơn vị %(code)s (hoặc bạn không có quyền xem).") % {"code": code},
                returncode=1,
            ) from exc

    def _list(self, user, options):
        subtree = self._unit_by_code(user, options["subtree"]).pk if options["subtree"] else None
        units = list(
            unit_selectors.unit_list(user=user, kind=options["kind"], subtree_of=subtree, q=options["q"])
        )
        if options["json"]:
            return self._emit_json([unit_dict(u) for u in units])
        for u in units:
            self.stdout.write(f"{u.code:<34} {u.kind.code:<24} {u.name}")
        self.stdout.write(_("%(n)s đơn vị.") % {"n": len(units)})

    def _show(self, user, options):
        unit = self._unit_by_code(user, options["code"])
        ancestors = unit_selectors.unit_ancestors(user=user, unit=unit)
        children = list(unit_selectors.unit_children(user=user, unit=unit))
        entries = list(constituency_selectors.constituency_for_unit(user=user, unit=unit))
        if options["json"]:
            return self._emit_json({
                **unit_dict(unit),
                "email": unit.email, "phone": unit.phone, "address": unit.address,
                "ancestors": [a.code for a in ancestors],
                "children": [c.code for c in children],
                "constituency": [entry_dict(e) for e in entries],
            })
        w = self.stdout.write
        w(f"{unit.name} ({unit.code})")
        if unit.name_en:
            w(f"  {unit.name_en}")
        w(_("Loại: %(kind)s") % {"kind": unit.kind.name})
        if ancestors:
            w(_("Cấp trên: %(path)s") % {"path": " › ".join(a.name for a in ancestors)})
        for label, value in ((_("Mã hành chính"), unit.admin_code), (_("Thư điện tử"), unit.email),
                             (_("Điện thoại"), unit.phone), (_("Địa chỉ"), unit.address)):
            if value:
                w(f"{label}: {value}")
        if not unit.is_active:
            w(_("Đơn vị đã ngừng hoạt động."))
        w(_("Đơn vị trực thuộc (%(n)s):") % {"n": len(children)})
        for c in children:
            w(f"  {c.code:<34} {c.name}")
        w(_("Phạm vi quản lý (%(n)s):") % {"n": len(entries)})
        for e in entries:
            w(f"  {e.get_kind_display():<8} {e.value}" + (f"  ({e.note})" if e.note else ""))

    def _tree(self, user, options):
        tree = unit_selectors.unit_tree(user=user, q=options["q"], kind=options["kind"])
        if options["json"]:
            def node(n):
                return {**unit_dict(n.unit), "matched": n.matched, "children": [node(c) for c in n.children]}
            return self._emit_json([node(r) for r in tree.roots])

        def draw(n, prefix="", last=True, root=False):
            mark = "" if root else ("└─ " if last else "├─ ")
            hint = "" if n.matched else " …"
            self.stdout.write(f"{prefix}{mark}{n.unit.name} [{n.unit.code}]{hint}")
            child_prefix = prefix if root else prefix + ("   " if last else "│  ")
            for i, c in enumerate(n.children):
                draw(c, child_prefix, i == len(n.children) - 1)

        for r in tree.roots:
            draw(r, root=True)
        self.stdout.write(_("%(shown)s/%(total)s đơn vị.") % {"shown": tree.shown, "total": tree.total})

    def _overlaps(self, user, options):
        found = constituency_selectors.overlaps(user=user, kind=options["kind"], relation=options["relation"])
        hidden = _("(đơn vị ngoài phạm vi của bạn)")

        def side(entry, visible):
            unit = entry.unit.code if visible else None
            return {"entry_id": entry.pk if visible else None, "value": entry.value, "unit": unit}

        if options["json"]:
            return self._emit_json([
                {"kind": o.kind, "relation": o.relation,
                 "wider": side(o.wider, o.wider_visible), "narrower": side(o.narrower, o.narrower_visible)}
                for o in found
            ])
        labels = {"conflict": _("xung đột"), "delegation": _("phân cấp")}
        for o in found:
            a = o.wider.unit.code if o.wider_visible else hidden
            b = o.narrower.unit.code if o.narrower_visible else hidden
            self.stdout.write(f"{labels[o.relation]:<10} {o.wider.value} [{a}] ⊇ {o.narrower.value} [{b}]")
        self.stdout.write(_("%(n)s cặp chồng lấn.") % {"n": len(found)})

    def _claim(self, user, options):
        unit = self._unit_by_code(user, options["code"])
        entry = constituency_services.constituency_add(
            actor=Actor(user=user, channel="cli"), unit=unit, value=options["value"], note=options["note"]
        )
        if options["json"]:
            return self._emit_json(entry_dict(entry))
        if entry.status == entry.Status.PENDING:
            self.stdout.write(_(
                "%(value)s nằm trong hoặc bao trùm phạm vi của đơn vị khác: đang chờ đơn vị đó hoặc "
                "Văn phòng Ban Chỉ đạo chấp thuận (mã yêu cầu %(id)s)."
            ) % {"value": entry.value, "id": entry.pk})
        else:
            self.stdout.write(_("Đã thêm %(value)s vào phạm vi quản lý của %(unit)s.") % {
                "value": entry.value, "unit": unit.code})

    def _requests(self, user, options):
        status = None if options["status"] == "all" else options["status"]
        rows = list(constituency_selectors.constituency_requests(user=user, status=status))
        if options["json"]:
            return self._emit_json([request_dict(e, user) for e in rows])
        for e in rows:
            mark = "*" if constituency_selectors.may_decide(user=user, entry=e) else " "
            self.stdout.write(f"{mark} {e.pk:>6} {e.status:<8} {e.unit.code:<24} {e.value}")
        self.stdout.write(_("%(n)s yêu cầu (* bạn có thể chấp thuận hoặc từ chối).") % {"n": len(rows)})

    def _decide(self, user, options):
        entry = constituency_selectors.constituency_request_get(user=user, entry_id=options["entry_id"])
        entry = constituency_services.constituency_decide(
            actor=Actor(user=user, channel="cli"), entry=entry,
            accept=options["decision"] == "accept", note=options["note"],
        )
        if options["json"]:
            return self._emit_json(request_dict(entry, user))
        self.stdout.write(_("Yêu cầu %(id)s: %(status)s.") % {"id": entry.pk, "status": entry.get_status_display()})
