"""`vigil incidents …`: the incident workflow from the shell, through the same selectors and
services (and so the same access rules) as the pages and the API.

    vigil incidents list [--unit CODE [--unit-only]] [--relation owned|assigned|waiting] [--mine]
                         [--state S ...] [--severity S] [--tlp T] [--q TEXT] [--from D] [--to D]
                         [--limit N] [--cursor C] --as USER [--json]
    vigil incidents show ID|REFERENCE --as USER [--json]
    vigil incidents assign ID --lead UNIT [--support UNIT ...] [--note T] --as USER
    vigil incidents answer ID --unit UNIT (--accept | --decline --reason T) --as USER
    vigil incidents transition ID --to in_progress|contained|resolved [--note T] [--resolution T] --as USER
    vigil incidents close ID --root-cause T --lessons T --as USER
    vigil incidents reopen ID --reason T --as USER
    vigil incidents comment ID --body T --as USER
    vigil incidents task-add ID --unit UNIT [--title T] [--template CODE] [--item T ...] [--assignee USER] --as USER
    vigil incidents observable-add ID --value V [--kind K] [--note T] --as USER
    vigil incidents timeline ID --as USER [--json]

Dates are YYYY-MM-DD. `--as` may be replaced by the environment variable VIGIL_USER.
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vigil.core import selectors as core_selectors
from vigil.core.errors import DomainError, NotFound
from vigil.core.management.commands._cli import acting_user, add_identity_arguments
from vigil.core.refs import is_pk
from vigil.incidents import observables as obs_kinds
from vigil.incidents.models import Incident
from vigil.incidents.selectors import incidents as sel
from vigil.incidents.selectors import lists
from vigil.incidents.services import comments as comment_svc
from vigil.incidents.services import observables as obs_svc
from vigil.incidents.services import tasks as task_svc
from vigil.incidents.services import workflow as wf
from vigil.org.management.commands.people import cli_actor, run_guarded
from vigil.org.selectors import people as people_sel


def _date(value, option):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(opt)s: ngày không hợp lệ (YYYY-MM-DD): %(v)s") % {"opt": option, "v": value},
                           returncode=2) from None


def _iso(value):
    return value.isoformat() if value else None


def incident_dict(i) -> dict:
    return {
        "id": i.pk, "reference": i.reference, "title": i.title, "state": i.state, "severity": i.severity,
        "tlp": i.tlp, "pap": i.pap, "owner_unit": i.owner_unit.code,
        "lead_unit": i.lead_unit.code if i.lead_unit_id else None, "received_at": _iso(i.received_at),
        "first_response_at": _iso(i.first_response_at), "resolved_at": _iso(i.resolved_at),
        "closed_at": _iso(i.closed_at),
    }


def event_dict(e) -> dict:
    return {"at": _iso(e.at), "kind": e.kind, "actor": e.actor_name, "text": e.text, "data": e.data}


class Command(BaseCommand):
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

    def handle(self, *args, action, **options):
        user = run_guarded(lambda: acting_user(options))
        return run_guarded(lambda: getattr(self, "do_" + action.replace("-", "_"))(user, options))

    # ------------------------------------------------------------------ helpers

    def _json(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _incident(self, user, ref):
        ref = str(ref).strip()
        if is_pk(ref):
            return sel.incident_get(user=user, pk=int(ref))
        return sel.incident_by_reference(user=user, reference=ref)

    def _unit(self, user, code, field):
        try:
            return people_sel.unit_ref(user=user, ref=code, field=field, active_only=True)
        except NotFound as exc:
            raise DomainError(exc.message, field=field) from None

    def _done(self, message, incident, options):
        if options.get("json"):
            self._json(incident_dict(sel.incident_get(user=incident._user, pk=incident.pk)))
        else:
            self.stdout.write(self.style.SUCCESS(message))

    def _reload(self, user, incident):
        incident = sel.incident_get(user=user, pk=incident.pk)
        incident._user = user
        return incident

    # ------------------------------------------------------------------ reads

    def do_list(self, user, options):
        unit = self._unit(user, options["unit"], "unit") if options["unit"] else None
        qs = lists.incident_list(
            user, unit=unit, subtree=not options["unit_only"], relation=options["relation"], mine=options["mine"],
            states=options["state"] or None, severity=options["severity"], tlp=options["tlp"], q=options["q"],
            received_from=_date(options["received_from"], "--from"), received_to=_date(options["received_to"], "--to"),
        )
        page = lists.page_of(qs, cursor=options["cursor"], size=options["limit"], with_count=False)
        if options["json"]:
            self._json({"items": [incident_dict(i) for i in page.items], "next_cursor": page.next_cursor})
            return
        for i in page.items:
            self.stdout.write(f"{i.pk:>7}  {i.reference:<18} {i.received_at:%d/%m/%Y %H:%M}  "
                              f"{str(i.get_state_display()):<16} {i.severity or '-':<8} {i.owner_unit.code:<16} {i.title}")
        self.stdout.write(_("%(n)s sự cố.") % {"n": len(page.items)})
        if page.next_cursor:
            self.stdout.write(_("Trang sau: --cursor %(c)s") % {"c": page.next_cursor})

    def do_show(self, user, options):
        i = self._incident(user, options["incident"])
        units = list(sel.incident_units(user, i))
        tasks = list(sel.tasks(user, i))
        observables = list(sel.observables(user, i))
        if options["json"]:
            data = incident_dict(i)
            data.update({
                "description": i.description, "resolution": i.resolution, "root_cause": i.root_cause,
                "lessons_learned": i.lessons_learned,
                "units": [{"id": r.pk, "unit": r.unit.code, "role": r.role, "answer": r.answer, "reason": r.reason,
                           "active": r.active} for r in units],
                "tasks": [{"id": t.pk, "title": t.title, "unit": t.unit.code, "status": t.status,
                           "items": [{"id": it.pk, "text": it.text, "done": it.done} for it in t.items.all()]}
                          for t in tasks],
                "observables": [{"id": o.pk, "kind": o.kind, "value": o.value,
                                 "value_defanged": obs_kinds.defang(o.kind, o.value)} for o in observables],
            })
            self._json(data)
            return
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
            self._json([event_dict(e) for e in events])
            return
        for e in events:
            self.stdout.write(f"{e.at:%d/%m/%Y %H:%M}  {e.kind:<18} {e.actor_name}  {e.text}".rstrip())

    # ------------------------------------------------------------------ writes

    def do_assign(self, user, options):
        i = self._incident(user, options["incident"])
        lead = self._unit(user, options["lead"], "lead_unit")
        supports = [self._unit(user, c, "supporting_units") for c in options["support"]]
        wf.incident_assign(actor=cli_actor(user), incident=i, lead_unit=lead, supporting_units=supports,
                           note=options["note"])
        self._done(_("Đã giao xử lý sự cố %(r)s.") % {"r": i.reference}, self._reload(user, i), options)

    def do_answer(self, user, options):
        i = self._incident(user, options["incident"])
        unit = self._unit(user, options["unit"], "unit")
        row = next((r for r in sel.incident_units(user, i, active_only=True) if r.unit_id == unit.pk), None)
        if row is None:
            raise DomainError(_("Đơn vị này không được giao xử lý sự cố."), field="unit")
        wf.incident_unit_answer(actor=cli_actor(user), incident_unit=row, accept=options["accept"],
                                reason=options["reason"])
        msg = _("Đã nhận xử lý sự cố.") if options["accept"] else _("Đã từ chối xử lý sự cố.")
        self._done(msg, self._reload(user, i), options)

    def do_transition(self, user, options):
        i = self._incident(user, options["incident"])
        wf.incident_transition(actor=cli_actor(user), incident=i, to_state=options["to_state"], note=options["note"],
                               resolution=options["resolution"])
        self._done(_("Đã chuyển trạng thái sự cố."), self._reload(user, i), options)

    def do_close(self, user, options):
        i = self._incident(user, options["incident"])
        wf.incident_close(actor=cli_actor(user), incident=i, root_cause=options["root_cause"],
                          lessons_learned=options["lessons"])
        self._done(_("Đã đóng sự cố."), self._reload(user, i), options)

    def do_reopen(self, user, options):
        i = self._incident(user, options["incident"])
        wf.incident_reopen(actor=cli_actor(user), incident=i, reason=options["reason"])
        self._done(_("Đã mở lại sự cố."), self._reload(user, i), options)

    def do_comment(self, user, options):
        i = self._incident(user, options["incident"])
        c = comment_svc.comment_add(actor=cli_actor(user), incident=i, body=options["body"])
        if options["json"]:
            self._json({"id": c.pk, "body": c.body, "mentions": [u.username for u in c.mentions.all()]})
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
        task = task_svc.task_create(actor=cli_actor(user), incident=i, unit=unit, title=options["title"],
                                    description=options["description"], template=template, items=options["item"],
                                    assignee=assignee)
        if options["json"]:
            task = sel.task_get(user, i, task.pk)
            self._json({"id": task.pk, "title": task.title, "unit": task.unit.code,
                        "items": [it.text for it in task.items.all()]})
        else:
            self.stdout.write(self.style.SUCCESS(_("Đã thêm công việc #%(n)s.") % {"n": task.pk}))

    def do_observable_add(self, user, options):
        i = self._incident(user, options["incident"])
        o = obs_svc.observable_add(actor=cli_actor(user), incident=i, value=options["value"], kind=options["kind"],
                                   note=options["note"])
        if options["json"]:
            self._json({"id": o.pk, "kind": o.kind, "value": o.value, "value_defanged": obs_kinds.defang(o.kind, o.value)})
        else:
            self.stdout.write(self.style.SUCCESS(f"{o.kind}: {obs_kinds.defang(o.kind, o.value)}"))
