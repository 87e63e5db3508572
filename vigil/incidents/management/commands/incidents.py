"""`vigil incidents workflow …`: the incident workflow from the shell, through the same selectors and
services (and so the same access rules) as the pages and the API.

    vigil incidents workflow list [--unit CODE [--unit-only]] [--relation owned|assigned|waiting] [--mine]
                         [--state S ...] [--severity S] [--tlp T] [--q TEXT] [--from D] [--to D]
                         [--limit N] [--cursor C] --as USER [--json]
    vigil incidents workflow show ID|REFERENCE --as USER [--json]
    vigil incidents workflow assign ID --lead UNIT [--support UNIT ...] [--note T] --as USER
    vigil incidents workflow answer ID --unit UNIT (--accept | --decline --reason T) --as USER
    vigil incidents workflow transition ID --to in_progress|contained|resolved [--note T] [--resolution T] --as USER
    vigil incidents workflow close ID --root-cause T --lessons T --as USER
    vigil incidents workflow reopen ID --reason T --as USER
    vigil incidents workflow comment ID --body T --as USER
    vigil incidents workflow task-add ID --unit UNIT [--title T] [--template CODE] [--item T ...] [--assignee USER] --as USER
    vigil incidents workflow observable-add ID --value V [--kind K] [--note T] --as USER
    vigil incidents workflow timeline ID --as USER [--json]

Dates are YYYY-MM-DD. `--as` may be replaced by the environment variable VIGIL_USER.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import observables as obs_kinds
from vigil.core import selectors as core_selectors
from vigil.core.commands import VigilCommand, add_identity_arguments, parse_date
from vigil.core.errors import DomainError, NotFound
from vigil.core.refs import is_pk
from vigil.incidents.api.workflow import (
    CommentOut,
    IncidentDetailOut,
    IncidentPageOut,
    IncidentTaskOut,
    IncidentTimelineOut,
    ObservableOut,
)
from vigil.incidents.models import Incident
from vigil.incidents.selectors import incidents as sel
from vigil.incidents.selectors import lists
from vigil.incidents.services import comments as comment_svc
from vigil.incidents.services import observables as obs_svc
from vigil.incidents.services import tasks as task_svc
from vigil.incidents.services import workflow as wf


def _detail(user, actor, incident_id, *, opened: bool = False):
    return sel.incident_detail(user, incident_id, actor=actor, opened=opened)


class Command(VigilCommand):
    help = "Incidents: list, show, assign, answer, transition, close, reopen, comment, tasks, observables, timeline."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        p = sub.add_parser("list", help="incidents you may see, newest first")
        p.add_argument("--unit", default=None, help="code of a unit (with its sub-units unless --unit-only)")
        p.add_argument("--unit-only", action="store_true")
        p.add_argument("--relation", default="any", choices=list(lists.RELATIONS))
        p.add_argument("--mine", action="store_true", help="incidents of the units you are a member of")
        p.add_argument("--state", action="append", default=[], choices=list(Incident.State.values))
        p.add_argument("--severity", default=None)
        p.add_argument("--tlp", default=None)
        p.add_argument("--q", default=None, help="tracking number or words of the title")
        p.add_argument("--from", dest="received_from", default=None)
        p.add_argument("--to", dest="received_to", default=None)
        p.add_argument("--limit", type=int, default=50)
        p.add_argument("--cursor", default=None, help="next page (printed by the previous call)")
        add_identity_arguments(p)

        for name, help_text in (("show", "one incident"), ("timeline", "an incident's timeline")):
            p = sub.add_parser(name, help=help_text)
            p.add_argument("incident", help="id or tracking number")
            add_identity_arguments(p)

        p = sub.add_parser("assign", help="assign a lead unit and supporting units")
        p.add_argument("incident")
        p.add_argument("--lead", required=True, help="code of the lead unit")
        p.add_argument("--support", action="append", default=[], help="code of a supporting unit (repeat)")
        p.add_argument("--note", default="")
        add_identity_arguments(p)

        p = sub.add_parser("answer", help="accept or decline for your unit")
        p.add_argument("incident")
        p.add_argument("--unit", required=True, help="code of the unit answering")
        choice = p.add_mutually_exclusive_group(required=True)
        choice.add_argument("--accept", action="store_true")
        choice.add_argument("--decline", action="store_true")
        p.add_argument("--reason", default="", help="required when declining")
        add_identity_arguments(p)

        p = sub.add_parser("transition", help="move to in_progress, contained or resolved")
        p.add_argument("incident")
        p.add_argument("--to", dest="to_state", required=True, choices=["in_progress", "contained", "resolved"])
        p.add_argument("--note", default="")
        p.add_argument("--resolution", default="")
        add_identity_arguments(p)

        p = sub.add_parser("close", help="close a resolved incident")
        p.add_argument("incident")
        p.add_argument("--root-cause", required=True)
        p.add_argument("--lessons", required=True)
        add_identity_arguments(p)

        p = sub.add_parser("reopen", help="reopen a resolved or closed incident")
        p.add_argument("incident")
        p.add_argument("--reason", required=True)
        add_identity_arguments(p)

        p = sub.add_parser("comment", help="add a comment (@username mentions)")
        p.add_argument("incident")
        p.add_argument("--body", required=True)
        add_identity_arguments(p)

        p = sub.add_parser("task-add", help="add a task for a handling unit")
        p.add_argument("incident")
        p.add_argument("--unit", required=True)
        p.add_argument("--title", default="")
        p.add_argument("--description", default="")
        p.add_argument("--template", default=None, help="checklist template code")
        p.add_argument("--item", action="append", default=[], help="a checklist step (repeat)")
        p.add_argument("--assignee", default=None, help="username of a member of the unit")
        add_identity_arguments(p)

        p = sub.add_parser("observable-add", help="add an observable (defanged input accepted)")
        p.add_argument("incident")
        p.add_argument("--value", required=True)
        p.add_argument("--kind", default=None, choices=list(obs_kinds.KINDS))
        p.add_argument("--note", default="")
        add_identity_arguments(p)

    # ------------------------------------------------------------------ helpers

    def _incident(self, user, ref):
        ref = str(ref).strip()
        if is_pk(ref):
            return sel.incident_get(user=user, pk=int(ref))
        return sel.incident_by_reference(user=user, reference=ref)

    def _unit(self, user, code, field):
        return self.unit(user, code, field=field, active_only=True)

    def _done(self, message, user, incident, options):
        """The message, or with --json the incident as the API answers the same step."""
        if options.get("json"):
            return self.emit_schema(IncidentDetailOut, _detail(user, self.actor(user), incident.pk))
        self.stdout.write(self.style.SUCCESS(message))

    # ------------------------------------------------------------------ reads

    def do_list(self, user, options):
        filters = lists.IncidentFilters.parse(user, {
            "unit": options["unit"], "subtree": not options["unit_only"], "relation": options["relation"],
            "mine": options["mine"], "state": options["state"], "severity": options["severity"], "tlp": options["tlp"],
            "q": options["q"], "received_from": parse_date(options["received_from"], "--from"),
            "received_to": parse_date(options["received_to"], "--to"),
        })
        qs = lists.filtered(user, filters)
        page = lists.page_of(qs, cursor=options["cursor"], size=options["limit"], with_count=False)
        if options["json"]:
            return self.emit_schema(IncidentPageOut, {
                "items": page.items, "next_cursor": page.next_cursor, "count": None, "count_capped": False,
            })
        for i in page.items:
            self.stdout.write(f"{i.pk:>7}  {i.reference:<18} {i.received_at:%d/%m/%Y %H:%M}  "
                              f"{str(i.get_state_display()):<16} {i.severity or '-':<8} {i.owner_unit.code:<16} {i.title}")
        self.stdout.write(ngettext("%(n)s sự cố.", "%(n)s sự cố.", len(page.items)) % {"n": len(page.items)})
        if page.next_cursor:
            self.stdout.write(_("Trang sau: --cursor %(c)s") % {"c": page.next_cursor})

    def do_show(self, user, options):
        i = _detail(user, self.actor(user), self._incident(user, options["incident"]).pk, opened=True)
        units, tasks, observables = i.detail["units"], i.detail["tasks"], i.detail["observables"]
        if options["json"]:
            return self.emit_schema(IncidentDetailOut, i)
        out = self.stdout.write
        out(f"{i.reference} — {i.title}")
        out(f"  {_('Trạng thái')}: {i.get_state_display()}  TLP: {i.tlp}  {_('Mức độ')}: {i.severity or '-'}")
        out(f"  {_('Đơn vị sở hữu')}: {i.owner_unit.code}  {_('Đơn vị chủ trì')}: "
            f"{i.lead_unit.code if i.lead_unit_id else '-'}")
        for r in units:
            out(f"  [{r.get_role_display()}] {r.unit.code}: {r.get_answer_display()}"
                + ("" if r.active else f" ({_('đã thay')})") + (f" — {r.reason}" if r.reason else ""))
        for t in tasks:
            done = sum(1 for it in t.items.all() if it.done)
            out(f"  #{t.pk} {t.title} [{t.get_status_display()}] {done}/{len(t.items.all())}")
        for o in observables:
            out(f"  {o.kind}: {obs_kinds.defang(o.kind, o.value)}")

    def do_timeline(self, user, options):
        i = self._incident(user, options["incident"])
        events = list(sel.timeline(user, i))
        if options["json"]:
            return self.emit_schema(IncidentTimelineOut, events, many=True)
        for e in events:
            self.stdout.write(f"{e.at:%d/%m/%Y %H:%M}  {e.kind:<18} {e.actor_name}  {e.text}".rstrip())

    # ------------------------------------------------------------------ writes

    def do_assign(self, user, options):
        i = self._incident(user, options["incident"])
        lead = self._unit(user, options["lead"], "lead_unit")
        supports = [self._unit(user, c, "supporting_units") for c in options["support"]]
        wf.incident_assign(actor=self.actor(user), incident=i, lead_unit=lead, supporting_units=supports,
                           note=options["note"])
        self._done(_("Đã giao xử lý sự cố %(r)s.") % {"r": i.reference}, user, i, options)

    def do_answer(self, user, options):
        i = self._incident(user, options["incident"])
        unit = self._unit(user, options["unit"], "unit")
        row = next((r for r in sel.incident_units(user, i, active_only=True) if r.unit_id == unit.pk), None)
        if row is None:
            raise DomainError(_("Đơn vị này không được giao xử lý sự cố."), field="unit")
        wf.incident_unit_answer(actor=self.actor(user), incident_unit=row, accept=options["accept"],
                                reason=options["reason"])
        msg = _("Đã nhận xử lý sự cố.") if options["accept"] else _("Đã từ chối xử lý sự cố.")
        self._done(msg, user, i, options)

    def do_transition(self, user, options):
        i = self._incident(user, options["incident"])
        wf.incident_transition(actor=self.actor(user), incident=i, to_state=options["to_state"], note=options["note"],
                               resolution=options["resolution"])
        self._done(_("Đã chuyển trạng thái sự cố."), user, i, options)

    def do_close(self, user, options):
        i = self._incident(user, options["incident"])
        wf.incident_close(actor=self.actor(user), incident=i, root_cause=options["root_cause"],
                          lessons_learned=options["lessons"])
        self._done(_("Đã đóng sự cố."), user, i, options)

    def do_reopen(self, user, options):
        i = self._incident(user, options["incident"])
        wf.incident_reopen(actor=self.actor(user), incident=i, reason=options["reason"])
        self._done(_("Đã mở lại sự cố."), user, i, options)

    def do_comment(self, user, options):
        i = self._incident(user, options["incident"])
        c = comment_svc.comment_add(actor=self.actor(user), incident=i, body=options["body"])
        if options["json"]:
            self.emit_schema(CommentOut, c)
        else:
            self.stdout.write(self.style.SUCCESS(_("Đã gửi bình luận.")))

    def do_task_add(self, user, options):
        i = self._incident(user, options["incident"])
        unit = self._unit(user, options["unit"], "unit")
        template = None
        if options["template"]:
            template = next((t for t in sel.checklist_templates(i) if t.code == options["template"]), None)
            if template is None:
                raise DomainError(_("Không tìm thấy mẫu danh mục kiểm tra phù hợp."), field="template")
        assignee = None
        if options["assignee"]:
            try:
                assignee = core_selectors.user_by_username(options["assignee"])
            except NotFound:
                raise DomainError(_("Không tìm thấy người thực hiện."), field="assignee") from None
        task = task_svc.task_create(actor=self.actor(user), incident=i, unit=unit, title=options["title"],
                                    description=options["description"], template=template, items=options["item"],
                                    assignee=assignee)
        if options["json"]:
            task = sel.task_get(user, i, task.pk)
            self.emit_schema(IncidentTaskOut, task)
        else:
            self.stdout.write(self.style.SUCCESS(_("Đã thêm công việc #%(n)s.") % {"n": task.pk}))

    def do_observable_add(self, user, options):
        i = self._incident(user, options["incident"])
        o = obs_svc.observable_add(actor=self.actor(user), incident=i, value=options["value"], kind=options["kind"],
                                   note=options["note"])
        if options["json"]:
            self.emit_schema(ObservableOut, o)
        else:
            self.stdout.write(self.style.SUCCESS(f"{o.kind}: {obs_kinds.defang(o.kind, o.value)}"))
