"""`vigil program tasks …`: tasks, progress reports and the completion workflow, through the same
selectors and services (and so the same access rules) as the pages and the API.

    vigil program tasks list [--status S] [--source S] [--unit CODE [--relation lead|assigned|supporting] [--unit-only]]
                     [--q TEXT] [--due-from D] [--due-to D] [--top-level] [--mine] --as USER [--json]
    vigil program tasks show ID --as USER [--json]
    vigil program tasks create --title T --assigning-unit CODE (--lead-unit CODE ... | --lead-kind KIND) --due D
                       [--start D] [--description T] [--source S] [--source-reference R]
                       [--supporting-unit CODE ...] [--recurrence R] [--product P]
                       [--product-description T] [--target N] [--priority 1-4] --as USER [--json]
    vigil program tasks report ID --percent N --text T [--file PATH ...] [--achieved N] [--period D] --as USER
    vigil program tasks confirm ID [--note T] --as USER            (the lead unit's head)
    vigil program tasks accept ID [--note T] --as USER             (the assigning unit)
    vigil program tasks return ID --reason T --as USER             (the assigning unit)
    vigil program tasks extend ID --new-due D --reason T --as USER (the lead unit asks)
    vigil program tasks decide EXTENSION_ID (--approve | --refuse) [--note T] --as USER
    vigil program tasks cancel ID --reason T --as USER
    vigil program tasks cascade ID --lead-unit CODE ... [--due D] --as USER

Dates are YYYY-MM-DD. `--as` may be replaced by the environment variable VIGIL_USER.
"""

from pathlib import Path

from django.core.files import File
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import (
    VigilCommand,
    add_identity_arguments,
    parse_date,
    schema_data,
    usage_error,
)
from vigil.program.api.tasks import (
    CommitteeTaskOut,
    EventOut,
    ExtensionOut,
    ProgressReportOut,
    TaskDetailOut,
    _detail,
)
from vigil.program.models import Task
from vigil.program.selectors import tasks as sel
from vigil.program.services import tasks as svc
from vigil.program.status import STATUS_LABELS


class Command(VigilCommand):
    help = "Tasks: list, show, assign, report progress, confirm, accept, return, extend, cancel, cascade."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        p = sub.add_parser("list", help="tasks you may see")
        p.add_argument("--status", default=None, choices=list(STATUS_LABELS), help="computed status")
        p.add_argument("--source", default=None, choices=list(Task.Source.values))
        p.add_argument("--unit", default=None, help="code of a unit (with its sub-units unless --unit-only)")
        p.add_argument("--unit-only", action="store_true", help="the unit itself, not its sub-units")
        p.add_argument("--relation", default="any", choices=list(sel.RELATIONS), help="how --unit relates to the task")
        p.add_argument("--q", default=None, help="words in the title")
        p.add_argument("--due-from", default=None, help="due on or after (YYYY-MM-DD)")
        p.add_argument("--due-to", default=None, help="due on or before (YYYY-MM-DD)")
        p.add_argument("--top-level", action="store_true", help="only tasks without a parent")
        p.add_argument("--mine", action="store_true", help="tasks so related (--relation) to my own units")
        add_identity_arguments(p)

        p = sub.add_parser("show", help="one task: fields, children, reports, extensions, timeline")
        p.add_argument("task_id")
        add_identity_arguments(p)

        p = sub.add_parser("create", help="assign a task (to one unit, several, or all units of a kind)")
        p.add_argument("--title", required=True)
        p.add_argument("--assigning-unit", required=True, help="code of the unit that assigns")
        p.add_argument("--lead-unit", action="append", default=[], help="code of a lead unit (repeat for several)")
        p.add_argument("--lead-kind", default=None, help="every unit of this kind (e.g. province) instead")
        p.add_argument("--due", required=True, help="due date (YYYY-MM-DD)")
        p.add_argument("--start", default=None, help="start date (YYYY-MM-DD; today by default)")
        p.add_argument("--description", default="")
        p.add_argument("--source", default="other", choices=list(Task.Source.values))
        p.add_argument("--source-reference", default="")
        p.add_argument("--supporting-unit", action="append", default=[], help="code of a supporting unit (repeat)")
        p.add_argument("--recurrence", default="none", choices=list(Task.Recurrence.values))
        p.add_argument("--product", default="document", choices=list(Task.Product.values))
        p.add_argument("--product-description", default="")
        p.add_argument("--target", type=int, default=None, help="target value")
        p.add_argument("--priority", type=int, default=2, choices=[1, 2, 3, 4])
        add_identity_arguments(p)

        p = sub.add_parser("report", help="report progress (the lead unit)")
        p.add_argument("task_id")
        p.add_argument("--percent", required=True, help="0 to 100")
        p.add_argument("--text", required=True)
        p.add_argument("--file", action="append", default=[], help="evidence file (repeat for several)")
        p.add_argument("--achieved", type=int, default=None, help="value achieved")
        p.add_argument("--period", default=None, help="recurring tasks: a day of the period (YYYY-MM-DD)")
        add_identity_arguments(p)

        for name, help_text in (("confirm", "confirm completion (the lead unit's head)"),
                                ("accept", "accept a completed task (the assigning unit)")):
            p = sub.add_parser(name, help=help_text)
            p.add_argument("task_id")
            p.add_argument("--note", default="")
            add_identity_arguments(p)

        for name, help_text in (("return", "return a completed task (the assigning unit)"),
                                ("cancel", "cancel a task (the assigning unit)")):
            p = sub.add_parser(name, help=help_text)
            p.add_argument("task_id")
            p.add_argument("--reason", required=True)
            add_identity_arguments(p)

        p = sub.add_parser("extend", help="request a later due date (the lead unit)")
        p.add_argument("task_id")
        p.add_argument("--new-due", required=True, help="the date asked for (YYYY-MM-DD)")
        p.add_argument("--reason", required=True)
        add_identity_arguments(p)

        p = sub.add_parser("decide", help="approve or refuse an extension request (the assigning unit)")
        p.add_argument("extension_id")
        choice = p.add_mutually_exclusive_group(required=True)
        choice.add_argument("--approve", action="store_true")
        choice.add_argument("--refuse", action="store_true")
        p.add_argument("--note", default="", help="required when refusing")
        add_identity_arguments(p)

        p = sub.add_parser("cascade", help="hand a task on to sub-units of its lead unit")
        p.add_argument("task_id")
        p.add_argument("--lead-unit", action="append", default=[], required=True, help="code of a sub-unit (repeat)")
        p.add_argument("--due", default=None, help="the children's due date (YYYY-MM-DD)")
        add_identity_arguments(p)

    # ------------------------------------------------------------------ output

    def _line(self, t) -> str:
        return (
            f"{t.pk:>6}  {t.due_date:%d/%m/%Y}  {str(STATUS_LABELS[t.status]):<20} {t.progress:>3}%  "
            f"{t.lead_unit.code:<18} {t.title}"
        )

    def _done(self, message: str, user, task_id: int, options) -> None:
        """The message, or with --json the task as the API answers the same step."""
        if options.get("json"):
            return self.emit_schema(TaskDetailOut, _detail(user, task_id))
        self.stdout.write(self.style.SUCCESS(message))

    # ------------------------------------------------------------------ reads

    def do_list(self, user, options):
        rows = list(sel.filtered(user, sel.TaskFilters.parse(user, {
            "unit": options["unit"], "relation": options["relation"], "subtree": not options["unit_only"],
            "status": options["status"], "source": options["source"], "q": options["q"],
            "due_from": parse_date(options["due_from"], "--due-from"), "due_to": parse_date(options["due_to"], "--due-to"),
            "top_level": options["top_level"], "mine": options["mine"],
        })))
        if options["json"]:
            return self.emit_schema(CommitteeTaskOut, rows, many=True)
        for t in rows:
            self.stdout.write(self._line(t))
        self.stdout.write(ngettext("%(n)s nhiệm vụ.", "%(n)s nhiệm vụ.", len(rows)) % {"n": len(rows)})

    def do_show(self, user, options):
        t = _detail(user, options["task_id"])
        children = t.children_list
        reports = list(sel.task_reports(user, t))
        extensions = list(sel.task_extensions(user, t))
        events = list(sel.task_events(user, t))
        if options["json"]:
            # the API's task, with what the API lists under /reports, /extensions, /events
            return self.emit_schema(
                TaskDetailOut, t,
                reports=schema_data(ProgressReportOut, reports, many=True),
                extensions=schema_data(ExtensionOut, extensions, many=True),
                events=schema_data(EventOut, events, many=True),
            )
        out = self.stdout.write
        out(f"{t.title} — {STATUS_LABELS[t.status]} ({t.get_state_display()}), {t.progress}%")
        for label, value in (
            (_("Nguồn giao"), t.get_source_display() + (f" · {t.source_reference}" if t.source_reference else "")),
            (_("Đơn vị giao"), f"{t.assigning_unit.display_name} ({t.assigning_unit.code})"),
            (_("Đơn vị chủ trì"), f"{t.lead_unit.display_name} ({t.lead_unit.code})"),
            (_("Ngày bắt đầu"), t.start_date.strftime("%d/%m/%Y")),
            (_("Hạn hoàn thành"), t.due_date.strftime("%d/%m/%Y")),
            (_("Sản phẩm"), t.get_product_display() + (f": {t.product_description}" if t.product_description else "")),
        ):
            out(f"  {label}: {value}")
        if children:
            out(_("Các đơn vị thực hiện:"))
            for c in children:
                out(f"  {c.lead_unit.code:<18} {c.progress:>3}%  {STATUS_LABELS[c.status]}  (#{c.pk})")
        if reports:
            out(_("Báo cáo tiến độ:"))
            for r in reports:
                files = ", ".join(e.name for e in r.evidence.all())
                out(f"  {r.reported_at:%d/%m/%Y} {r.percent:>3}%  {r.text}" + (f"  [{files}]" if files else ""))
        if extensions:
            out(_("Đề nghị gia hạn:"))
            for e in extensions:
                out(f"  #{e.pk} {e.old_due_date:%d/%m/%Y} → {e.new_due_date:%d/%m/%Y}  {e.get_status_display()}  {e.reason}")
        if events:
            out(_("Diễn biến:"))
            for e in events:
                out(f"  {e.at:%d/%m/%Y %H:%M}  {e.get_kind_display()}  {e.actor_name}  {e.display_note}".rstrip())

    # ------------------------------------------------------------------ writes

    def do_create(self, user, options):
        actor = self.actor(user)
        assigning = self.unit(user, options["assigning_unit"], field="assigning_unit", active_only=True)
        if options["lead_kind"] and options["lead_unit"]:
            raise usage_error(_("Chọn đơn vị cụ thể hoặc một loại đơn vị, không chọn cả hai."))
        leads = list(options["lead_unit"])
        if options["lead_kind"]:
            leads = svc.lead_units_of_kind(actor, options["lead_kind"])
            if not leads:
                raise CommandError(_("Không có đơn vị nào thuộc loại này mà bạn được giao nhiệm vụ."), returncode=1)
        task = svc.task_create(
            actor=actor, title=options["title"], assigning_unit=assigning, lead_units=leads,
            due_date=options["due"], start_date=options["start"], description=options["description"],
            source=options["source"], source_reference=options["source_reference"],
            supporting_units=options["supporting_unit"], recurrence=options["recurrence"],
            product=options["product"], product_description=options["product_description"],
            target_value=options["target"], priority=options["priority"],
        )
        task = sel.task_get(user, task.pk)
        n = task.children.count()
        message = (
            ngettext("Đã giao nhiệm vụ #%(id)s cho %(n)s đơn vị.", "Đã giao nhiệm vụ #%(id)s cho %(n)s đơn vị.", n)
            % {"id": task.pk, "n": n} if n
            else _("Đã giao nhiệm vụ #%(id)s cho %(u)s.") % {"id": task.pk, "u": task.lead_unit.code}
        )
        self._done(message, user, task.pk, options)

    def do_report(self, user, options):
        task = sel.task_get(user, options["task_id"])
        handles = []
        try:
            for name in options["file"]:
                path = Path(name)
                if not path.is_file():
                    raise usage_error(_("--file: không tìm thấy tệp %(p)s.") % {"p": name})
                handles.append(File(path.open("rb"), name=path.name))
            report = svc.report_create(
                actor=self.actor(user), task=task, percent=options["percent"], text=options["text"], files=handles,
                achieved_value=options["achieved"], period_start=parse_date(options["period"], "--period"),
            )
        finally:
            for handle in handles:
                handle.close()
        if options["json"]:
            return self.emit_schema(ProgressReportOut, sel.report_get(user, report.pk))
        self.stdout.write(self.style.SUCCESS(
            ngettext("Đã báo cáo tiến độ %(p)s%% cho nhiệm vụ #%(id)s (%(n)s tệp).",
                     "Đã báo cáo tiến độ %(p)s%% cho nhiệm vụ #%(id)s (%(n)s tệp).", len(handles))
            % {"p": report.percent, "id": task.pk, "n": len(handles)}
        ))

    def do_confirm(self, user, options):
        task = sel.task_get(user, options["task_id"])
        svc.task_confirm_completion(actor=self.actor(user), task=task, note=options["note"])
        self._done(_("Đã xác nhận hoàn thành nhiệm vụ #%(id)s.") % {"id": task.pk}, user, task.pk, options)

    def do_accept(self, user, options):
        task = sel.task_get(user, options["task_id"])
        svc.task_accept(actor=self.actor(user), task=task, note=options["note"])
        self._done(_("Đã nghiệm thu nhiệm vụ #%(id)s.") % {"id": task.pk}, user, task.pk, options)

    def do_return(self, user, options):
        task = sel.task_get(user, options["task_id"])
        svc.task_return(actor=self.actor(user), task=task, reason=options["reason"])
        self._done(_("Đã trả lại nhiệm vụ #%(id)s.") % {"id": task.pk}, user, task.pk, options)

    def do_cancel(self, user, options):
        task = sel.task_get(user, options["task_id"])
        svc.task_cancel(actor=self.actor(user), task=task, reason=options["reason"])
        self._done(_("Đã huỷ nhiệm vụ #%(id)s.") % {"id": task.pk}, user, task.pk, options)

    def do_extend(self, user, options):
        task = sel.task_get(user, options["task_id"])
        ext = svc.extension_request(
            actor=self.actor(user), task=task, new_due_date=parse_date(options["new_due"], "--new-due"),
            reason=options["reason"],
        )
        if options["json"]:
            return self.emit_schema(ExtensionOut, sel.extension_get(user, ext.pk))
        self.stdout.write(self.style.SUCCESS(
            _("Đã gửi đề nghị gia hạn #%(id)s: %(old)s → %(new)s.")
            % {"id": ext.pk, "old": ext.old_due_date.strftime("%d/%m/%Y"), "new": ext.new_due_date.strftime("%d/%m/%Y")}
        ))

    def do_decide(self, user, options):
        ext = sel.extension_get(user, options["extension_id"])
        ext = svc.extension_decide(actor=self.actor(user), extension=ext, approve=options["approve"], note=options["note"])
        if options["json"]:
            return self.emit_schema(ExtensionOut, sel.extension_get(user, ext.pk))
        if options["approve"]:
            message = _("Đã đồng ý gia hạn; hạn mới: %(d)s.") % {"d": ext.new_due_date.strftime("%d/%m/%Y")}
        else:
            message = _("Đã không đồng ý gia hạn; hạn giữ nguyên: %(d)s.") % {"d": ext.old_due_date.strftime("%d/%m/%Y")}
        self.stdout.write(self.style.SUCCESS(message))

    def do_cascade(self, user, options):
        task = sel.task_get(user, options["task_id"])
        children = svc.task_cascade(
            actor=self.actor(user), task=task, lead_units=options["lead_unit"],
            due_date=parse_date(options["due"], "--due"),
        )
        self._done(
            ngettext("Đã giao tiếp nhiệm vụ #%(id)s cho %(n)s đơn vị cấp dưới.",
                     "Đã giao tiếp nhiệm vụ #%(id)s cho %(n)s đơn vị cấp dưới.", len(children))
            % {"id": task.pk, "n": len(children)},
            user, task.pk, options,
        )
