"""`vigil program meetings …`: meetings of unit bodies, their conclusion notices and conclusions,
through the same selectors and services (and so the same access rules) as the pages
and the API.

    vigil program meetings list [--body CODE] [--subtree CODE] [--year Y] [--status S] [--q TEXT] --as USER [--json]
    vigil program meetings show ID --as USER [--json]
    vigil program meetings create --body CODE --title T --date YYYY-MM-DD [--kind K] [--time HH:MM]
                          [--location L] [--online] [--chair PERSON_ID] [--agenda T] --as USER [--json]
    vigil program meetings conclusion ID --text T [--number N] --as USER      (add an item to the notice)
    vigil program meetings conclude ID [--notice-number N] [--notice-date YYYY-MM-DD] --as USER [--json]

`conclude` records the notice's number and date, marks a planned meeting held, then
concluded. `--as` may be replaced by the environment variable VIGIL_USER.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import VigilCommand, add_identity_arguments, parse_date
from vigil.program.api.meetings import MeetingDetailOut, MeetingOut
from vigil.program.models import Meeting
from vigil.program.selectors import meetings as sel
from vigil.program.services import meetings as svc


def _detail(user, meeting):
    """The meeting with the rows `MeetingDetailOut` shows (as the API's GET of a meeting)."""
    meeting.attendee_rows = list(sel.attendees(meeting=meeting))
    meeting.site_rows = list(sel.sites(meeting=meeting))
    meeting.document_rows = list(sel.documents(meeting=meeting))
    meeting.conclusion_rows = sel.conclusions_with_tasks(user=user, meeting=meeting)
    return meeting


class Command(VigilCommand):
    help = "Meetings: list, show, create, add conclusions, conclude (issue the notice)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="meetings you may see")
        listing.add_argument("--body", default=None, help="code of the body unit")
        listing.add_argument("--subtree", default=None, help="code of a unit: bodies in its subtree")
        listing.add_argument("--year", type=int, default=None)
        listing.add_argument("--status", default=None, choices=Meeting.Status.values)
        listing.add_argument("--q", default=None, help="words in the title, notice number or location")
        add_identity_arguments(listing)
        show = sub.add_parser("show", help="one meeting, with attendees, sites, documents and conclusions")
        show.add_argument("meeting_id")
        add_identity_arguments(show)
        create = sub.add_parser("create", help="record a meeting")
        create.add_argument("--body", required=True, help="code of the unit whose body meets")
        create.add_argument("--title", required=True)
        create.add_argument("--date", required=True, help="YYYY-MM-DD")
        create.add_argument("--kind", default="regular", choices=Meeting.Kind.values)
        create.add_argument("--time", default=None, help="HH:MM")
        create.add_argument("--location", default="")
        create.add_argument("--online", action="store_true", help="an online meeting with connected sites")
        create.add_argument("--chair", default=None, help="id of the person chairing")
        create.add_argument("--agenda", default="")
        add_identity_arguments(create)
        conclusion = sub.add_parser("conclusion", help="add a conclusion to the notice")
        conclusion.add_argument("meeting_id")
        conclusion.add_argument("--text", required=True)
        conclusion.add_argument("--number", type=int, default=None)
        add_identity_arguments(conclusion)
        conclude = sub.add_parser("conclude", help="issue the conclusion notice (number, date)")
        conclude.add_argument("meeting_id")
        conclude.add_argument("--notice-number", default=None)
        conclude.add_argument("--notice-date", default=None, help="YYYY-MM-DD")
        add_identity_arguments(conclude)

    def do_list(self, user, options):
        rows = list(sel.meeting_list(
            user=user, body_unit=self.unit(user, options["body"], field="body"),
            subtree_of=self.unit(user, options["subtree"], field="subtree"), year=options["year"],
            status=options["status"], q=options["q"],
        ))
        if options["json"]:
            return self.emit_schema(MeetingOut, rows, many=True)
        for m in rows:
            notice = m.notice_number or "—"
            self.stdout.write(
                f"{m.pk:>6}  {m.held_on:%d/%m/%Y}  {m.get_status_display():<32} {m.body_unit.code:<14} "
                f"{notice:<16} {m.title}"
            )
        self.stdout.write(ngettext("%(n)s phiên họp.", "%(n)s phiên họp.", len(rows)) % {"n": len(rows)})

    def do_show(self, user, options):
        m = _detail(user, sel.meeting_get(user=user, meeting_id=options["meeting_id"]))
        attendees, sites, documents, conclusions = m.attendee_rows, m.site_rows, m.document_rows, m.conclusion_rows
        if options["json"]:
            return self.emit_schema(MeetingDetailOut, m)
        self.stdout.write(f"{m.title} ({m.get_status_display()})")
        rows = [
            (_("Cơ quan họp"), f"{m.body_unit.display_name} ({m.body_unit.code})"),
            (_("Ngày họp"), m.held_on.strftime("%d/%m/%Y") + (f" {m.start_time:%H:%M}" if m.start_time else "")),
            (_("Chủ trì"), m.chair.full_name if m.chair_id else "—"),
            (_("Thông báo kết luận"), (m.notice_number or "—") + (f" ({m.notice_date:%d/%m/%Y})" if m.notice_date else "")),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label}: {value}")
        if attendees:
            self.stdout.write(_("Thành phần tham dự:"))
            for a in attendees:
                extra = f" → {a.delegate_name}" if a.delegate_name else ""
                self.stdout.write(f"  - {a.person.full_name}: {a.get_presence_display()}{extra}")
        if sites:
            attended = sum(1 for s in sites if s.attended)
            self.stdout.write(_("Điểm cầu: %(a)s/%(n)s đã kết nối.") % {"a": attended, "n": len(sites)})
        for d in documents:
            self.stdout.write(f"  [{d.get_kind_display()}] {d.title}  SHA-256 {d.sha256[:16]}…")
        for c in conclusions:
            self.stdout.write(f"  {c.number}. {c.text}")
            for t in c.task_rows:
                children = ", ".join(f"{b['label']}: {b['count']}" for b in t.breakdown)
                self.stdout.write(
                    f"       #{t.pk} {t.title} – {t.lead_unit.code}, {t.due_date:%d/%m/%Y}, {t.status_label}"
                    + (f" ({children})" if children else "")
                )

    def do_create(self, user, options):
        body = self.unit(user, options["body"], field="body")
        m = svc.meeting_create(
            actor=self.actor(user), body_unit=body, title=options["title"],
            held_on=parse_date(options["date"], "--date"), kind=options["kind"], start_time=options["time"],
            location=options["location"], is_online=options["online"], chair=options["chair"],
            agenda=options["agenda"],
        )
        if options["json"]:
            return self.emit_schema(MeetingDetailOut, _detail(user, sel.meeting_get(user=user, meeting_id=m.pk)))
        self.stdout.write(self.style.SUCCESS(_("Đã tạo phiên họp #%(id)s “%(t)s”.") % {"id": m.pk, "t": m.title}))

    def do_conclusion(self, user, options):
        m = sel.meeting_get(user=user, meeting_id=options["meeting_id"])
        c = svc.conclusion_add(actor=self.actor(user), meeting=m, text=options["text"], number=options["number"])
        self.stdout.write(self.style.SUCCESS(_("Đã thêm kết luận mục %(n)s (#%(id)s).") % {"n": c.number, "id": c.pk}))

    def do_conclude(self, user, options):
        m = sel.meeting_get(user=user, meeting_id=options["meeting_id"])
        m = svc.meeting_conclude(
            actor=self.actor(user), meeting=m, notice_number=options["notice_number"],
            notice_date=parse_date(options["notice_date"], "--notice-date"),
        )
        if options["json"]:
            return self.emit_schema(MeetingDetailOut, _detail(user, sel.meeting_get(user=user, meeting_id=m.pk)))
        self.stdout.write(self.style.SUCCESS(
            _("Đã ban hành thông báo kết luận số %(n)s ngày %(d)s cho phiên họp “%(t)s”.")
            % {"n": m.notice_number, "d": m.notice_date.strftime("%d/%m/%Y"), "t": m.title}
        ))
