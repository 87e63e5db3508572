"""`vigil program office matrix|late|ontime|bodies|mine|calendar ... --as USER [--json]`:
the office's views of the committee's work, through the same selectors (and so the same
access layer) as the pages and the API.

    vigil program office matrix [--under CODE] [--kind KIND] [--source S] [--meeting ID]
                                [--year Y] [--assigning CODE] [--page N] [--per-page N] --as USER [--json]
    vigil program office late [--under CODE] [--kind KIND] [--rollup] [--source S] --as USER [--json]
    vigil program office ontime [--year Y] [--under CODE] [--kind KIND] [--rollup] [--source S] --as USER [--json]
    vigil program office bodies [--on YYYY-MM-DD] [--subtree CODE] --as USER [--json]
    vigil program office mine [--unit CODE] [--relation lead|assigned|overdue|supporting|any]
                              [--subtree] [--status S] [--source S] [--page N] --as USER [--json]
    vigil program office calendar [--unit CODE] [--year Y] [--month M] [--status S] --as USER [--json]

`--as` may be replaced by the environment variable VIGIL_USER. Units are named by code or id.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import VigilCommand, add_identity_arguments, parse_date, schema_data
from vigil.core.errors import DomainError
from vigil.program.api.office import (
    BodyOut,
    CalendarOut,
    LateOut,
    MatrixOut,
    RatesOut,
    SummaryOut,
    UnitTasksOut,
    bodies_data,
    calendar_data,
    late_data,
    matrix_data,
    rates_data,
    summary_data,
    unit_tasks_data,
)
from vigil.program.selectors import calendar as cal_sel
from vigil.program.selectors import office as sel
from vigil.program.status import STATUS_LABELS, today

# One sign per computed status, for the text matrix.
SIGNS = {
    "not_started": "○", "in_progress": "◐", "done_on_time": "✓", "done_late": "✓!", "overdue": "‼", "cancelled": "×",
}


def rate_text(c) -> str:
    return "—" if not c.due else f"{c.rate:.1f}% ({c.on_time}/{c.due})"


class Command(VigilCommand):
    help = "The office's views: task matrix, late work, on-time rates, incomplete bodies, a unit's lists."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        def rows(p):
            p.add_argument("--under", default=None, help="code of the unit whose children are the rows")
            p.add_argument("--kind", default=None, help="only rows of this unit kind (e.g. province)")

        matrix = sub.add_parser("matrix", help="units x tasks assigned to many units, by status")
        rows(matrix)
        matrix.add_argument("--source", default=None)
        matrix.add_argument("--meeting", type=int, default=None, help="tasks from this meeting's conclusions")
        matrix.add_argument("--conclusion", type=int, default=None)
        matrix.add_argument(
            "--year", default=None,
            help="year of the tasks' due date, or 'current' (this year's and open ones due within the next quarter);"
            " every year by default",
        )
        matrix.add_argument("--assigning", default=None, help="code of the assigning unit")
        matrix.add_argument("--page", type=int, default=1)
        matrix.add_argument("--per-page", type=int, default=20)
        add_identity_arguments(matrix)
        late = sub.add_parser("late", help="overdue tasks per lead unit")
        rows(late)
        late.add_argument("--rollup", action="store_true", help="count each row's whole subtree")
        late.add_argument("--source", default=None)
        add_identity_arguments(late)
        ontime = sub.add_parser("ontime", help="completion on time per unit and quarter")
        rows(ontime)
        ontime.add_argument("--year", type=int, default=None, help="this year by default")
        ontime.add_argument("--rollup", action="store_true")
        ontime.add_argument("--source", default=None)
        add_identity_arguments(ontime)
        bodies = sub.add_parser("bodies", help="units whose body is not complete, with their tasks")
        bodies.add_argument("--on", default=None, help="as of this date (YYYY-MM-DD)")
        bodies.add_argument("--subtree", default=None, help="code of a unit: it and its descendants")
        add_identity_arguments(bodies)
        mine = sub.add_parser("mine", help="a unit's lists (your unit by default)")
        mine.add_argument("--unit", default=None)
        mine.add_argument("--relation", default="lead", choices=sel.RELATIONS)
        mine.add_argument("--subtree", action="store_true")
        mine.add_argument("--status", default="open", help="open (default), all, or a computed status")
        mine.add_argument("--source", default=None)
        mine.add_argument("--page", type=int, default=1)
        mine.add_argument("--per-page", type=int, default=50)
        add_identity_arguments(mine)
        calendar = sub.add_parser("calendar", help="a month of due dates")
        calendar.add_argument("--unit", default=None)
        calendar.add_argument("--year", type=int, default=None)
        calendar.add_argument("--month", type=int, default=None)
        calendar.add_argument("--status", default=None)
        calendar.add_argument("--relation", default="any", choices=sel.RELATIONS)
        add_identity_arguments(calendar)

    def _unit(self, user, value, field):
        return self.unit(user, value, field=field)

    # ----------------------------------------------------------------------- matrix

    def do_matrix(self, user, o):
        m = sel.office_matrix(
            user, under=self._unit(user, o["under"], "under"), unit_kind=o["kind"], source=o["source"],
            meeting=o["meeting"], conclusion=o["conclusion"], year=o["year"],
            assigning_unit=self._unit(user, o["assigning"], "assigning"), page=o["page"], per_page=o["per_page"],
        )
        if o["json"]:
            return self.emit_schema(MatrixOut, matrix_data(m))
        head = _("Ma trận nhiệm vụ")
        if m.under:
            head += " — " + _("các đơn vị trực thuộc %(u)s") % {"u": m.under.display_name}
        head += " — " + _("hạn hoàn thành: %(p)s") % {"p": m.period}
        self.stdout.write(head)
        self.stdout.write(ngettext(
            "Trang %(n)s/%(total)s, %(c)s nhiệm vụ giao cho nhiều đơn vị.",
            "Trang %(n)s/%(total)s, %(c)s nhiệm vụ giao cho nhiều đơn vị.", m.page.total,
        ) % {
            "n": m.page.number, "total": m.page.num_pages, "c": m.page.total})
        for i, c in enumerate(m.columns, start=1):
            self.stdout.write(
                f"  [{i}] #{c.id} {c.task.title} — {_('hạn')} {c.task.due_date:%d/%m/%Y} — {c.label} {c.task.progress}%"
            )
        if not m.columns:
            return
        width = max(len(r.unit.code) for r in m.rows) + 2
        self.stdout.write(" " * width + "".join(f"{'[' + str(i) + ']':>9}" for i in range(1, len(m.columns) + 1)))
        for r in m.rows:
            cells = "".join(
                f"{'·':>9}" if cell is None else f"{SIGNS[cell.status] + ' ' + str(cell.progress) + '%':>9}"
                for cell in r.cells
            )
            self.stdout.write(f"{r.unit.code:<{width}}{cells}")
        self.stdout.write("  ".join(f"{sign} {STATUS_LABELS[code]}" for code, sign in SIGNS.items()))

    # ----------------------------------------------------------------------- late work, rates, bodies

    def do_late(self, user, o):
        late = sel.late_by_unit(
            user, under=self._unit(user, o["under"], "under"), unit_kind=o["kind"], rollup=o["rollup"],
            source=o["source"],
        )
        if o["json"]:
            return self.emit_schema(LateOut, late_data(late))
        width = max([len(r.unit.code) for r in late.rows] or [10]) + 2
        for r in late.rows:
            oldest = ngettext(
                "quá hạn lâu nhất %(n)s ngày (hạn %(d)s)", "quá hạn lâu nhất %(n)s ngày (hạn %(d)s)", r.oldest_days,
            ) % {
                "n": r.oldest_days, "d": f"{r.oldest_due:%d/%m/%Y}"} if r.oldest_due else ""
            self.stdout.write(f"{r.unit.code:<{width}}{r.overdue:>6}  {oldest}")
        self.stdout.write(ngettext("%(n)s nhiệm vụ quá hạn.", "%(n)s nhiệm vụ quá hạn.", late.total) % {"n": late.total})

    def do_ontime(self, user, o):
        rates = sel.on_time_rates(
            user, year=o["year"] or today().year, under=self._unit(user, o["under"], "under"),
            unit_kind=o["kind"], rollup=o["rollup"], source=o["source"],
        )
        if o["json"]:
            return self.emit_schema(RatesOut, rates_data(rates))
        width = max([len(r.unit.code) for r in rates.rows] or [10]) + 2
        self.stdout.write(_("Tỷ lệ hoàn thành đúng hạn năm %(y)s") % {"y": rates.year})
        self.stdout.write(" " * width + "".join(f"{'Q' + str(i):>20}" for i in range(1, 5)) + f"{_('Cả năm'):>20}")
        for r in rates.rows:
            self.stdout.write(f"{r.unit.code:<{width}}" + "".join(f"{rate_text(q):>20}" for q in [*r.quarters, r.year]))
        self.stdout.write(f"{_('Tổng'):<{width}}" + "".join(f"{rate_text(q):>20}" for q in [*rates.totals, rates.total]))

    def do_bodies(self, user, o):
        rows = sel.incomplete_bodies_with_tasks(
            user, on=parse_date(o["on"], "--on"), subtree_of=self._unit(user, o["subtree"], "subtree"),
        )
        if o["json"]:
            return self.emit_schema(BodyOut, bodies_data(rows), many=True)
        for r in rows:
            self.stdout.write(
                f"{r.unit.code:<24} {r.owner.code:<20} "
                + _("%(open)s chưa hoàn thành, %(late)s quá hạn") % {"open": r.open, "late": r.overdue}
                + f" — {'; '.join(r.completeness.missing)}"
            )
        self.stdout.write(ngettext("%(n)s ban, tổ chưa kiện toàn.", "%(n)s ban, tổ chưa kiện toàn.", len(rows)) % {"n": len(rows)})

    # ----------------------------------------------------------------------- a unit's lists, calendar

    def do_mine(self, user, o):
        unit = self._unit(user, o["unit"], "unit") or sel.home_unit(user)
        if unit is None:
            raise DomainError(_("Tài khoản của bạn chưa là thành viên của đơn vị nào."))
        listing = sel.unit_task_lists(
            user, unit, relation=o["relation"], subtree=o["subtree"], status=o["status"], source=o["source"],
            page=o["page"], per_page=o["per_page"],
        )
        summary = sel.unit_task_summary(user, unit, subtree=o["subtree"], source=o["source"])
        if o["json"]:
            # the API's unit list, with the unit's counts (GET .../summary) beside it
            return self.emit_schema(
                UnitTasksOut, unit_tasks_data(unit, listing),
                summary=schema_data(SummaryOut, summary_data(unit, summary)),
            )
        self.stdout.write(f"{unit.display_name} ({unit.code}) — {sel.relation_labels()[listing.relation]}")
        self.stdout.write(_("Phải thực hiện %(a)s, quá hạn %(b)s, đã giao chưa xong %(c)s, phối hợp %(d)s.") % {
            "a": summary.lead_open, "b": summary.overdue, "c": summary.assigned_open, "d": summary.supporting_open})
        for t in listing.tasks:
            self.stdout.write(
                f"{t.due_date:%d/%m/%Y}  #{t.pk:<7} {t.status_label:<20} {t.progress:>3}%  "
                f"{t.lead_unit.code:<18} {t.title}"
            )
        self.stdout.write(ngettext(
            "Trang %(n)s/%(total)s, %(c)s nhiệm vụ.", "Trang %(n)s/%(total)s, %(c)s nhiệm vụ.", listing.page.total,
        ) % {
            "n": listing.page.number, "total": listing.page.num_pages, "c": listing.page.total})

    def do_calendar(self, user, o):
        month = cal_sel.task_calendar(
            user, year=o["year"], month=o["month"], unit=self._unit(user, o["unit"], "unit"),
            relation=o["relation"], status=o["status"],
        )
        if o["json"]:
            data = calendar_data(month)
            data["days"] = [d for d in data["days"] if d["total"]]  # the days with something due
            return self.emit_schema(CalendarOut, data)
        self.stdout.write(_("Lịch nhiệm vụ tháng %(m)s/%(y)s") % {"m": month.month, "y": month.year})
        for d in month.days:
            if not d.total:
                continue
            counts = ", ".join(f"{b['label']}: {b['count']}" for b in d.badges)
            self.stdout.write(f"{d.date:%d/%m/%Y}  {counts}")
            for t in d.tasks:
                self.stdout.write(f"    #{t.pk} {t.title} ({t.lead_unit.code})")
            if d.more:
                self.stdout.write("    " + _("và %(n)s nhiệm vụ khác") % {"n": d.more})
