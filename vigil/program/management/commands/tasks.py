"""`vigil tasks …`: tasks, progress reports and the completion workflow, through the same
selectors and services (and so the same access rules) as the pages and the API.

    vigil tasks list [--status S] [--source S] [--unit CODE [--relation lead|assigned|supporting] [--unit-only]]
                     [--q TEXT] [--due-from D] [--due-to D] [--top-level] --as USER [--json]
    vigil tasks show ID --as USER [--json]
    vigil tasks create --title T --assigning-unit CODE (--lead-unit CODE ... | --lead-kind KIND) --due D
                       [--start D] [--description T] [--source S] [--source-reference R]
                       [--supporting-unit CODE ...] [--recurrence R] [--product P]
                       [--product-description T] [--target N] [--priority 1-4] --as USER [--json]
    vigil tasks report ID --percent N --text T [--file PATH ...] [--achieved N] [--period D] --as USER
    vigil tasks confirm ID [--note T] --as USER            (the lead unit's head)
    vigil tasks accept ID [--note T] --as USER             (the assigning unit)
    vigil tasks return ID --reason T --as USER             (the assigning unit)
    vigil tasks extend ID --new-due D --reason T --as USER (the lead unit asks)
    vigil tasks decide EXTENSION_ID (--approve | --refuse) [--note T] --as USER
    vigil tasks cancel ID --reason T --as USER
    vigil tasks cascade ID --lead-unit CODE ... [--due D] --as USER

Dates are YYYY-MM-DD. `--as` may be replaced by the environment variable VIGIL_USER.
"""

import datetime as dt
import json
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vigil.core.management.commands._cli import acting_user, add_identity_arguments
from vigil.org.management.commands.people import cli_actor, run_guarded
from vigil.org.selectors import people as people_sel
from vigil.program.forms_tasks import task_actions
from vigil.program.models import Task
from vigil.program.selectors import tasks as sel
from vigil.program.services import tasks as svc
from vigil.program.status import STATUS_LABELS


def parse_date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(opt)s: ngày không hợp lệ (YYYY-MM-DD): %(v)s") % {"opt": option, "v": value}, returncode=2
        ) from None


def _date(d) -> str | None:
    return d.isoformat() if d else None


def task_dict(t) -> dict:
    return {
        "id": t.pk, "title": t.title, "source": t.source, "source_reference": t.source_reference,
        "parent": t.parent_id, "assigning_unit": t.assigning_unit.code, "lead_unit": t.lead_unit.code,
        "assignee": t.assignee.full_name if t.assignee_id else None, "start_date": _date(t.start_date),
        "due_date": _date(t.due_date), "original_due_date": _date(t.original_due_date),
        "recurrence": t.recurrence, "product": t.product, "product_description": t.product_description,
        "target_value": t.target_value, "achieved_value": t.achieved_value, "priority": t.priority,
        "progress": t.progress, "state": t.state, "status": t.status, "completed_on": _date(t.completed_on),
        "accepted_on": _date(t.accepted_on), "cancel_reason": t.cancel_reason,
    }


def report_dict(r) -> dict:
    return {
        "id": r.pk, "percent": r.percent, "text": r.text, "achieved_value": r.achieved_value,
        "period_start": _date(r.period_start), "reported_at": r.reported_at.isoformat(),
        "reported_by": r.reported_by.username if r.reported_by_id else None,
        "evidence": [{"id": e.pk, "name": e.name, "size": e.size, "sha256": e.sha256} for e in r.evidence.all()],
    }


def extension_dict(e) -> dict:
    return {
        "id": e.pk, "task": e.task_id, "old_due_date": _date(e.old_due_date), "new_due_date": _date(e.new_due_date),
        "reason": e.reason, "status": e.status, "decision_note": e.decision_note,
        "requested_by": e.requested_by.username if e.requested_by_id else None,
        "decided_by": e.decided_by.username if e.decided_by_id else None,
    }


class Command(BaseCommand):
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

    def handle(self, *args, action, **options):
        user = run_guarded(lambda: acting_user(options))
        return run_guarded(lambda: getattr(self, f"do_{action}")(user, options))

    # ------------------------------------------------------------------ output

    def _json(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _line(self, t) -> str:
        return (
            f"{t.pk:>6}  {t.due_date:%d/%m/%Y}  {str(STATUS_LABELS[t.status]):<20} {t.progress:>3}%  "
            f"{t.lead_unit.code:<18} {t.title}"
        )

    def _done(self, message: str, task=None, options=None) -> None:
        if options and options.get("json") and task is not None:
            self._json(task_dict(task))
            return
        self.stdout.write(self.style.SUCCESS(message))

    # ------------------------------------------------------------------ reads

    def do_list(self, user, options):
        unit = people_sel.unit_ref(user=user, ref=options["unit"], field="unit") if options["unit"] else None
        rows = list(sel.task_list(
            user, unit=unit, relation=options["relation"], subtree=not options["unit_only"],
            status=options["status"], source=options["source"], q=options["q"],
            due_from=parse_date(options["due_from"], "--due-from"), due_to=parse_date(options["due_to"], "--due-to"),
            top_level=options["top_level"],
        ))
        if options["json"]:
            self._json([task_dict(t) for t in rows])
            return
        for t in rows:
            self.stdout.write(self._line(t))
        self.stdout.write(_("%(n)s nhiệm vụ.") % {"n": len(rows)})

    def do_show(self, user, options):
        t = sel.task_get(user, options["task_id"])
        children = list(sel.task_children(user, t))
        reports = list(sel.task_reports(user, t))
        extensions = list(sel.task_extensions(user, t))
        events = list(sel.task_events(user, t))
        pending = next((e for e in extensions if e.status == "pending"), None)
        actions = [k for k, v in task_actions(user, t, pending=pending).items() if v]
        if options["json"]:
            data = task_dict(t)
            data.update({
                "description": t.description,
                "supporting_units": [u.code for u in t.supporting_units.order_by("path")],
                "children": [task_dict(c) for c in children],
                "reports": [report_dict(r) for r in reports],
                "extensions": [extension_dict(e) for e in extensions],
                "events": [{"kind": e.kind, "at": e.at.isoformat(), "actor": e.actor_name, "note": e.note} for e in events],
                "actions": actions,
            })
            self._json(data)
            return
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
                out(f"  {e.at:%d/%m/%Y %H:%M}  {e.get_kind_display()}  {e.actor_name}  {e.note}".rstrip())

    # ------------------------------------------------------------------ writes

    def do_create(self, user, options):
        actor = cli_actor(user)
        assigning = people_sel.unit_ref(user=user, ref=options["assigning_unit"], field="assigning_unit", active_only=True)
        if options["lead_kind"] and options["lead_unit"]:
            raise CommandError(_("Chọn đơn vị cụ thể hoặc một loại đơn vị, không chọn cả hai."), returncode=2)
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
            _("Đã giao nhiệm vụ #%(id)s cho %(n)s đơn vị.") % {"id": task.pk, "n": n} if n
            else _("Đã giao nhiệm vụ #%(id)s cho %(u)s.") % {"id": task.pk, "u": task.lead_unit.code}
        )
        self._done(message, task, options)

    def do_report(self, user, options):
        task = sel.task_get(user, options["task_id"])
        handles = []
        try:
            for name in options["file"]:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(_("--file: không tìm thấy tệp %(p)s.") % {"p": name}, returncode=2)
                handles.append(File(path.open("rb"), name=path.name))
            report = svc.report_create(
                actor=cli_actor(user), task=task, percent=options["percent"], text=options["text"], files=handles,
                achieved_value=options["achieved"], period_start=parse_date(options["period"], "--period"),
            )
        finally:
            for handle in handles:
                handle.close()
        if options["json"]:
            self._json(report_dict(sel.report_get(user, report.pk)))
            return
        self.stdout.write(self.style.SUCCESS(
            _("Đã báo cáo tiến độ %(p)s%% cho nhiệm vụ #%(id)s (%(n)s tệp).")
            % {"p": report.percent, "id": task.pk, "n": len(handles)}
        ))

    def do_confirm(self, user, options):
        task = sel.task_get(user, options["task_id"])
        svc.task_confirm_completion(actor=cli_actor(user), task=task, note=options["note"])
        self._done(_("Đã xác nhận hoàn thành nhiệm vụ #%(id)s.") % {"id": task.pk}, sel.task_get(user, task.pk), options)

    def do_accept(self, user, options):
        task = sel.task_get(user, options["task_id"])
        svc.task_accept(actor=cli_actor(user), task=task, note=options["note"])
        self._done(_("Đã nghiệm thu nhiệm vụ #%(id)s.") % {"id": task.pk}, sel.task_get(user, task.pk), options)

    def do_return(self, user, options):
        task = sel.task_get(user, options["task_id"])
        svc.task_return(actor=cli_actor(user), task=task, reason=options["reason"])
        self._done(_("Đã trả lại nhiệm vụ #%(id)s.") % {"id": task.pk}, sel.task_get(user, task.pk), options)

    def do_cancel(self, user, options):
        task = sel.task_get(user, options["task_id"])
        svc.task_cancel(actor=cli_actor(user), task=task, reason=options["reason"])
        self._done(_("Đã huỷ nhiệm vụ #%(id)s.") % {"id": task.pk}, sel.task_get(user, task.pk), options)

    def do_extend(self, user, options):
        task = sel.task_get(user, options["task_id"])
        ext = svc.extension_request(
            actor=cli_actor(user), task=task, new_due_date=parse_date(options["new_due"], "--new-due"),
            reason=options["reason"],
        )
        if options["json"]:
            self._json(extension_dict(sel.extension_get(user, ext.pk)))
            return
        self.stdout.write(self.style.SUCCESS(
            _("Đã gửi đề nghị gia hạn #%(id)s: %(old)s → %(new)s.")
            % {"id": ext.pk, "old": ext.old_due_date.strftime("%d/%m/%Y"), "new": ext.new_due_date.strftime("%d/%m/%Y")}
        ))

    def do_decide(self, user, options):
        ext = sel.extension_get(user, options["extension_id"])
        ext = svc.extension_decide(actor=cli_actor(user), extension=ext, approve=options["approve"], note=options["note"])
        if options["json"]:
            self._json(extension_dict(sel.extension_get(user, ext.pk)))
            return
        if options["approve"]:
            message = _("Đã đồng ý gia hạn; hạn mới: %(d)s.") % {"d": ext.new_due_date.strftime("%d/%m/%Y")}
        else:
            message = _("Đã không đồng ý gia hạn; hạn giữ nguyên: %(d)s.") % {"d": ext.old_due_date.strftime("%d/%m/%Y")}
        self.stdout.write(self.style.SUCCESS(message))

    def do_cascade(self, user, options):
        task = sel.task_get(user, options["task_id"])
        children = svc.task_cascade(
            actor=cli_actor(user), task=task, lead_units=options["lead_unit"],
            due_date=parse_date(options["due"], "--due"),
        )
        self._done(
            _("Đã giao tiếp nhiệm vụ #%(id)s cho %(n)s đơn vị cấp dưới.") % {"id": task.pk, "n": len(children)},
            sel.task_get(user, task.pk), options,
        )
