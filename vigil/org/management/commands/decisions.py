"""`vigil org decisions list|show|apply|completeness ... --as USER`: membership decisions and
the completeness of unit bodies, through the same selectors and services as the pages.

    vigil org decisions list [--unit CODE] [--subtree CODE] [--status draft|applied] --as USER [--json]
    vigil org decisions show ID --as USER [--json]
    vigil org decisions apply ID --as USER
    vigil org decisions completeness [--on YYYY-MM-DD] [--subtree CODE] [--incomplete] --as USER [--json]

`--as` may be replaced by the environment variable VIGIL_USER. Showing a TLP:RED
decision is written to the audit log, as on the pages.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import VigilCommand, parse_date, schema_data
from vigil.core.notify.text import render_value
from vigil.org.api.people import (
    CompletenessOut,
    CompletenessTargetOut,
    DecisionDetailOut,
    DecisionOut,
)
from vigil.org.selectors import completeness as completeness_sel
from vigil.org.selectors import decisions as decision_sel
from vigil.org.services import decisions as decision_svc


class Command(VigilCommand):
    help = "Membership decisions: list, show, apply; and the completeness of unit bodies."

    def add_arguments(self, parser):
        sub = self.subcommands(parser)
        listing = self.subcommand(sub, "list", help="decisions you may see")
        listing.add_argument("--unit", default=None, help="code of the unit whose body it completes")
        listing.add_argument("--subtree", default=None, help="code of a unit: it and its descendants")
        listing.add_argument("--status", default=None, choices=["draft", "applied"])
        show = self.subcommand(sub, "show", help="one decision and its items")
        show.add_argument("decision_id")
        apply = self.subcommand(sub, "apply", help="apply a draft decision (all its items at once)")
        apply.add_argument("decision_id")
        comp = self.subcommand(sub, "completeness", help="which unit bodies are complete")
        comp.add_argument("--on", default=None, help="as of this date (YYYY-MM-DD; today by default)")
        comp.add_argument("--subtree", default=None, help="code of a unit: it and its descendants")
        comp.add_argument("--incomplete", action="store_true", help="only the incomplete ones")

    def do_list(self, user, options):
        unit = self.unit(user, options["unit"], field="unit")
        subtree = self.unit(user, options["subtree"], field="subtree")
        rows = list(decision_sel.decision_list(user=user, unit=unit, subtree_of=subtree, status=options["status"]))
        decision_sel.record_red_views(self.actor(user), rows)
        if options["json"]:
            return self.emit_schema(DecisionOut, rows, many=True)
        for d in rows:
            self.stdout.write(
                f"{d.pk:>6}  {d.number:<18} {d.date:%d/%m/%Y}  {d.get_tlp_display():<16} "
                f"{d.get_status_display():<12} {d.owner_unit.code:<18} {d.title}"
            )
        self.stdout.write(ngettext("%(n)s quyết định.", "%(n)s quyết định.", len(rows)) % {"n": len(rows)})

    def do_show(self, user, options):
        d = decision_sel.decision_get(user=user, decision_id=options["decision_id"])
        decision_sel.record_red_views(self.actor(user), [d])
        items = list(decision_sel.decision_items(decision=d))
        if options["json"]:
            return self.emit_schema(DecisionDetailOut, d)
        self.stdout.write(f"{d.number} – {d.title} ({d.get_tlp_display()}, {d.get_status_display()})")
        rows = [
            (_("Đơn vị"), f"{d.owner_unit.display_name} ({d.owner_unit.code})"),
            (_("Ngày ký"), d.date.strftime("%d/%m/%Y")),
            (_("Ngày hiệu lực"), d.effective_date.strftime("%d/%m/%Y")),
            (_("Cơ quan/người ban hành"), d.issuer),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label}: {value}")
        if d.signed_file_sha256:
            self.stdout.write(f"  SHA-256: {d.signed_file_sha256}")
        for n, i in enumerate(items, start=1):
            self.stdout.write(f"  {n}. {i.get_action_display()} {i.person.full_name} – {i.role.display_name}")

    def do_apply(self, user, options):
        d = decision_sel.decision_get(user=user, decision_id=options["decision_id"])
        d = decision_svc.decision_apply(actor=self.actor(user), decision=d)
        n = d.items.count()
        self.stdout.write(
            self.style.SUCCESS(
                ngettext("Đã áp dụng quyết định %(number)s (%(n)s nội dung), hiệu lực từ %(d)s.",
                         "Đã áp dụng quyết định %(number)s (%(n)s nội dung), hiệu lực từ %(d)s.", n)
                % {"number": d.number, "n": n, "d": render_value(d.effective_date)}
            )
        )

    def do_completeness(self, user, options):
        on = parse_date(options["on"], "--on") or timezone.localdate()
        subtree = self.unit(user, options["subtree"], field="subtree")
        rows = completeness_sel.completeness_list(
            user=user, on=on, subtree_of=subtree, incomplete_only=options["incomplete"]
        )
        target = completeness_sel.current_target(user=user)
        if options["json"]:
            return self.emit_json({
                "on": on.isoformat(),
                "target": schema_data(CompletenessTargetOut, target) if target else None,
                "units": schema_data(CompletenessOut, rows, many=True),
            })
        if target:
            self.stdout.write(_("Hạn kiện toàn: %(d)s") % {"d": render_value(target.target_date)})
        for s in rows:
            state = _("đã kiện toàn") if s.complete else "; ".join(s.missing)
            self.stdout.write(f"{s.unit.code:<24} {s.members}/{s.min_members:<4} {state}")
        incomplete = sum(1 for s in rows if not s.complete)
        self.stdout.write(
            ngettext(
                "%(total)s đơn vị, %(incomplete)s chưa kiện toàn.",
                "%(total)s đơn vị, %(incomplete)s chưa kiện toàn.", len(rows),
            ) % {"total": len(rows), "incomplete": incomplete}
        )
