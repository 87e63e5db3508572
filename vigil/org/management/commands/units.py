"""`vigil org units list|show|tree|overlaps ... --as USER`: the unit tree and its constituency,
read through the same selectors (and so the same access layer) as the pages and the API.

    vigil org units list [--kind K] [--subtree CODE] [--q TEXT] --as USER [--json]
    vigil org units show CODE --as USER [--json]
    vigil org units tree [--q TEXT] [--kind K] --as USER
    vigil org units overlaps [--kind K] [--relation conflict|delegation] --as USER [--json]
    vigil org units claim CODE VALUE [--note TEXT] --as USER [--json]
    vigil org units requests [--status pending|active|refused|all] --as USER [--json]
    vigil org units decide ENTRY_ID accept|refuse [--note TEXT] --as USER [--json]

A claim inside or over another unit's claim waits for that unit (or the office) to
accept it (`requests`, `decide`).

`--as` may be replaced by the environment variable VIGIL_USER.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import VigilCommand, schema_data
from vigil.org.api.units import (
    ClaimRequestOut,
    EntryOut,
    OverlapOut,
    UnitDetailOut,
    UnitOut,
    UnitRef,
    _request_out,
    _side,
)
from vigil.org.selectors import constituency as constituency_selectors
from vigil.org.selectors import units as unit_selectors
from vigil.org.services import constituency as constituency_services


class Command(VigilCommand):
    help = "List, show and draw the unit tree, and report overlapping constituency claims."

    def add_arguments(self, parser):
        sub = self.subcommands(parser)
        listing = self.subcommand(sub, "list", help="units you may see")
        listing.add_argument("--kind", default=None)
        listing.add_argument("--subtree", default=None, help="code of a unit: it and its descendants")
        listing.add_argument("--q", default=None, help="search code and names (diacritics ignored)")
        show = self.subcommand(sub, "show", help="one unit: ancestors, children, constituency")
        show.add_argument("code")
        tree = self.subcommand(sub, "tree", help="the tree of units you may see")
        tree.add_argument("--q", default=None)
        tree.add_argument("--kind", default=None)
        overlaps = self.subcommand(sub, "overlaps", help="overlapping constituency claims")
        overlaps.add_argument("--kind", default=None, choices=["ipv4", "ipv6", "asn", "domain"])
        overlaps.add_argument("--relation", default=None, choices=["conflict", "delegation"])
        claim = self.subcommand(sub, "claim", help="declare an IP range, ASN or domain a unit answers for")
        claim.add_argument("code")
        claim.add_argument("value")
        claim.add_argument("--note", default="")
        requests = self.subcommand(sub, "requests", help="delegation requests (claims inside or over another unit's)")
        requests.add_argument("--status", default="pending", choices=["pending", "active", "refused", "all"])
        decide = self.subcommand(sub, "decide", help="accept or refuse a delegation request")
        decide.add_argument("entry_id", type=int)
        decide.add_argument("decision", choices=["accept", "refuse"])
        decide.add_argument("--note", default="")

    def do_list(self, user, options):
        subtree = self.unit(user, options["subtree"], field="subtree").pk if options["subtree"] else None
        units = list(
            unit_selectors.unit_list(user=user, kind=options["kind"], subtree_of=subtree, q=options["q"])
        )
        if options["json"]:
            return self.emit_schema(UnitOut, units, many=True)
        for u in units:
            self.stdout.write(f"{u.code:<34} {u.kind.code:<24} {u.name}")
        self.stdout.write(ngettext("%(n)s đơn vị.", "%(n)s đơn vị.", len(units)) % {"n": len(units)})

    def do_show(self, user, options):
        unit = self.unit(user, options["code"], field="code", bad_input=False)
        ancestors = unit_selectors.unit_ancestors(user=user, unit=unit)
        children = list(unit_selectors.unit_children(user=user, unit=unit))
        entries = list(constituency_selectors.constituency_for_unit(user=user, unit=unit))
        if options["json"]:
            unit.ancestors = ancestors
            unit.stats = unit_selectors.unit_stats(user=user, unit=unit)
            return self.emit_schema(
                UnitDetailOut, unit,
                children=schema_data(UnitRef, children, many=True),
                constituency=schema_data(EntryOut, entries, many=True),
            )
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

    def do_tree(self, user, options):
        tree = unit_selectors.unit_tree(user=user, q=options["q"], kind=options["kind"])
        if options["json"]:
            def node(n):
                return {**schema_data(UnitOut, n.unit), "matched": n.matched,
                        "children": [node(c) for c in n.children]}
            return self.emit_json([node(r) for r in tree.roots])

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

    def do_overlaps(self, user, options):
        found = constituency_selectors.overlaps(user=user, kind=options["kind"], relation=options["relation"])
        hidden = _("(đơn vị ngoài phạm vi của bạn)")
        if options["json"]:
            return self.emit_schema(OverlapOut, [
                {"kind": o.kind, "relation": o.relation,
                 "wider": _side(o.wider, o.wider_visible), "narrower": _side(o.narrower, o.narrower_visible)}
                for o in found
            ], many=True)
        labels = {"conflict": _("xung đột"), "delegation": _("phân cấp")}
        for o in found:
            a = o.wider.unit.code if o.wider_visible else hidden
            b = o.narrower.unit.code if o.narrower_visible else hidden
            self.stdout.write(f"{labels[o.relation]:<10} {o.wider.value} [{a}] ⊇ {o.narrower.value} [{b}]")
        self.stdout.write(ngettext("%(n)s cặp chồng lấn.", "%(n)s cặp chồng lấn.", len(found)) % {"n": len(found)})

    def do_claim(self, user, options):
        unit = self.unit(user, options["code"], field="code", bad_input=False)
        entry = constituency_services.constituency_add(
            actor=self.actor(user), unit=unit, value=options["value"], note=options["note"]
        )
        if options["json"]:
            return self.emit_schema(EntryOut, entry)
        if entry.status == entry.Status.PENDING:
            self.stdout.write(_(
                "%(value)s nằm trong hoặc bao trùm phạm vi của đơn vị khác: đang chờ đơn vị đó hoặc "
                "Văn phòng Ban Chỉ đạo chấp thuận (mã yêu cầu %(id)s)."
            ) % {"value": entry.value, "id": entry.pk})
        else:
            self.stdout.write(_("Đã thêm %(value)s vào phạm vi quản lý của %(unit)s.") % {
                "value": entry.value, "unit": unit.code})

    def do_requests(self, user, options):
        status = None if options["status"] == "all" else options["status"]
        rows = list(constituency_selectors.constituency_requests(user=user, status=status))
        if options["json"]:
            return self.emit_schema(ClaimRequestOut, [_request_out(e, user) for e in rows], many=True)
        for e in rows:
            mark = "*" if constituency_selectors.may_decide(user=user, entry=e) else " "
            self.stdout.write(f"{mark} {e.pk:>6} {e.status:<8} {e.unit.code:<24} {e.value}")
        self.stdout.write(ngettext(
            "%(n)s yêu cầu (* bạn có thể chấp thuận hoặc từ chối).",
            "%(n)s yêu cầu (* bạn có thể chấp thuận hoặc từ chối).", len(rows),
        ) % {"n": len(rows)})

    def do_decide(self, user, options):
        entry = constituency_selectors.constituency_request_get(user=user, entry_id=options["entry_id"])
        entry = constituency_services.constituency_decide(
            actor=self.actor(user), entry=entry,
            accept=options["decision"] == "accept", note=options["note"],
        )
        if options["json"]:
            return self.emit_schema(ClaimRequestOut, _request_out(entry, user))
        self.stdout.write(_("Yêu cầu %(id)s: %(status)s.") % {"id": entry.pk, "status": entry.get_status_display()})
