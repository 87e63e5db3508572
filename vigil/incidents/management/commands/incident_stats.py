"""`vigil incidents stats`: incident statistics per unit, class, severity and month (count,
open, closed, mean and 90th percentile hours to acknowledge and to resolve), through the
access layer, as the statistics page shows them.

    vigil incidents stats --as USER [--unit CODE] [--by owner|lead] [--from D] [--to D]
                         [--class CODE] [--severity S] [--json]
"""

from django.utils.translation import gettext as _

from vigil.core.commands import VigilCommand, add_identity_arguments
from vigil.core.notify.text import render_value

from ...api.documents import StatsOut
from ...selectors import stats as stats_sel


def _h(value) -> str:
    return "—" if value is None else f"{value:.1f}"


class Command(VigilCommand):
    help = "Incident statistics (counts, mean and p90 hours to acknowledge and resolve)."

    def add_arguments(self, parser):
        parser.add_argument("--unit", default=None, help="unit code or id: its subtree, per child unit")
        parser.add_argument("--by", default="owner", choices=list(stats_sel.BY))
        parser.add_argument("--from", dest="since", default=None, help="received on or after (YYYY-MM-DD)")
        parser.add_argument("--to", dest="until", default=None, help="received on or before (YYYY-MM-DD)")
        parser.add_argument("--class", dest="klass", default=None, help="incident class code")
        parser.add_argument("--severity", default=None)
        add_identity_arguments(parser)

    def handle(self, *args, **o):
        user = self.user(o)
        with self.language_of(user):
            self.report(user, o)

    def report(self, user, o):

        def produce():
            params = stats_sel.stats_params(user, unit=o["unit"], by=o["by"], since=o["since"], until=o["until"],
                                            klass=o["klass"], severity=o["severity"])
            return stats_sel.incident_stats(user, **params)

        stats = self.guarded(produce)
        if o["json"]:
            data = stats.as_dict()
            data["incident_class"] = data.pop("class")  # as GET /api/v1/incidents/stats names it
            return self.emit_schema(StatsOut, data)
        self.stdout.write(_("Kỳ thống kê: %(since)s – %(until)s") % {
            "since": render_value(stats.since), "until": render_value(stats.until)})
        head = f"{'':40} {_('Số sự cố'):>9} {_('Đang mở'):>8} {_('Đã đóng'):>8} " \
               f"{'ack TB':>8} {'ack P90':>8} {'res TB':>8} {'res P90':>8}"
        for title, rows in ((_("Theo đơn vị"), stats.by_unit), (_("Theo nhóm sự cố"), stats.by_class),
                            (_("Theo mức độ nghiêm trọng"), stats.by_severity),
                            (_("Theo tháng tiếp nhận"), stats.by_month), (_("Tổng số"), [stats.total])):
            self.stdout.write("")
            self.stdout.write(title)
            self.stdout.write(head)
            for r in rows:
                self.stdout.write(
                    f"{r.label[:40]:40} {r.count:9} {r.open:8} {r.closed:8} {_h(r.ack_mean):>8} "
                    f"{_h(r.ack_p90):>8} {_h(r.resolve_mean):>8} {_h(r.resolve_p90):>8}"
                )
