"""The demo dataset of program: the national committee's last meeting (online, broadcast
to the 34 provinces) with its attendance, documents, conclusion notice and four
conclusions; the tasks two of them produced (one for every province: most reported,
two late, one overdue; one for the standing agency); an upcoming meeting; and the
approved annual work programme of Hà Nội with tasks in every state.

Everything is written through the services with the actor `vigil demo` passes (the
same as the org demo), so permissions, validation and the audit log are real. Dates are
relative to the day the demo is loaded. The history of a task (assigned weeks ago,
confirmed before its deadline) is replayed with the task service's clock set to that
day (`_as_of`): the service refuses a deadline in the past when a task is assigned
today, rightly, so an overdue task can only come from an earlier assignment.

`load(actor=...)` runs after `vigil.org.demo` and is idempotent: the meeting is looked up
by its body and notice number, the upcoming one by body and title, the programme by unit
and year; what exists is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile

from vigil.core.actors import Actor
from vigil.org.demo import signed_pdf
from vigil.org.models import Person, Unit

from .models import Inspection, Meeting, WorkProgramme
from .services import inspections as inspection_svc
from .services import meetings as meeting_svc
from .services import programmes as programme_svc
from .services import tasks as task_svc
from .status import as_of, today

NOTICE_NUMBER = "125/TB-BCĐQG"
ABSENT = "Võ Thị Kim Oanh"
DELEGATED = ("Đặng Minh Châu", "Nghiêm Xuân Hoà, Cục trưởng Cục Công nghệ thông tin, Bộ Tài chính")
SITES_DOWN = {"lai-chau": "Mất kết nối đường truyền 20 phút đầu", "ca-mau": "Không kết nối được, dự qua điện thoại"}
OVERDUE = "da-nang"
LATE = ("cao-bang", "dien-bien")
IN_PROGRESS = {"ha-noi": 70, "ho-chi-minh": 55, "hai-phong": 40, "can-tho": 25, "quang-ninh": 10}

CONCLUSIONS = [
    "Ban Chỉ đạo ghi nhận kết quả triển khai nhiệm vụ bảo đảm an ninh mạng 6 tháng đầu năm; các bộ, ngành, "
    "địa phương tiếp tục quán triệt, thực hiện nghiêm các chỉ đạo của Ban Chỉ đạo, chủ động phát hiện, "
    "xử lý sớm các nguy cơ mất an ninh mạng.",
    "Uỷ ban nhân dân các tỉnh, thành phố trực thuộc trung ương hoàn thành rà soát, phân loại hệ thống thông "
    "tin theo cấp độ; báo cáo kết quả về Văn phòng Ban Chỉ đạo.",
    "Uỷ ban nhân dân các tỉnh, thành phố trực thuộc trung ương xây dựng và tổ chức diễn tập ứng cứu sự cố "
    "an ninh mạng cấp tỉnh trong năm; báo cáo kết quả diễn tập.",
    "Cơ quan thường trực chủ trì, phối hợp với Bộ Quốc phòng, Bộ Khoa học và Công nghệ tổ chức diễn tập thực "
    "chiến an ninh mạng quốc gia; báo cáo Ban Chỉ đạo tại phiên họp tiếp theo.",
]
AGENDA = (
    "1. Báo cáo kết quả thực hiện nhiệm vụ bảo đảm an ninh mạng 6 tháng đầu năm.\n"
    "2. Báo cáo tình hình kiện toàn Tiểu ban An ninh mạng cấp tỉnh.\n"
    "3. Ý kiến của các thành viên Ban Chỉ đạo và các điểm cầu.\n"
    "4. Kết luận của Trưởng Ban Chỉ đạo."
)
MINUTES = (
    "Phiên họp được tổ chức trực tiếp tại Trụ sở Chính phủ, kết nối trực tuyến đến 34 tỉnh, thành phố. "
    "Các thành viên Ban Chỉ đạo thống nhất đánh giá kết quả 6 tháng đầu năm và các nhiệm vụ trọng tâm "
    "6 tháng cuối năm. Trưởng Ban Chỉ đạo kết luận (Thông báo số " + NOTICE_NUMBER + ")."
)


def _unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise RuntimeError(f"demo: unit {code!r} not found; run `vigil load-reference` first")
    return unit


def _pdf(name: str, title: str) -> ContentFile:
    return ContentFile(signed_pdf(name, title), name=f"{name}.pdf")


class _Loader:
    def __init__(self, actor: Actor):
        self.actor = actor
        self.today = today()
        self.national = _unit("bcd-qg")

    # ------------------------------------------------------------------ the last meeting

    def meeting(self) -> None:
        if Meeting.objects.filter(body_unit=self.national, notice_number=NOTICE_NUMBER).exists():
            return
        held_on = self.today - dt.timedelta(days=45)
        notice_date = held_on + dt.timedelta(days=5)
        chair = Person.objects.filter(full_name="Nguyễn Văn Khải", home_unit=self.national).first()
        meeting = meeting_svc.meeting_create(
            actor=self.actor, body_unit=self.national, title="Phiên họp sơ kết 6 tháng của Ban Chỉ đạo quốc gia",
            kind=Meeting.Kind.REGULAR, held_on=held_on, start_time="08:30",
            location="Trụ sở Chính phủ, Hà Nội", is_online=True, chair=chair, agenda=AGENDA,
        )
        self._attendance(meeting)
        self._sites(meeting)
        meeting_svc.document_add(
            actor=self.actor, meeting=meeting, upload=_pdf("chuong-trinh-phien-hop", "Chuong trinh phien hop"),
            title="Chương trình phiên họp", kind="agenda",
        )
        meeting_svc.document_add(
            actor=self.actor, meeting=meeting, upload=_pdf("bao-cao-so-ket", "Bao cao so ket 6 thang"),
            title="Báo cáo sơ kết 6 tháng", kind="material",
        )
        conclusions = [meeting_svc.conclusion_add(actor=self.actor, meeting=meeting, text=t) for t in CONCLUSIONS]
        meeting_svc.meeting_update(actor=self.actor, meeting=meeting, minutes=MINUTES)
        meeting = meeting_svc.meeting_conclude(
            actor=self.actor, meeting=meeting, notice_number=NOTICE_NUMBER, notice_date=notice_date
        )
        meeting_svc.document_add(
            actor=self.actor, meeting=meeting, upload=_pdf("thong-bao-ket-luan", "Thong bao ket luan 125"),
            title=f"Thông báo kết luận số {NOTICE_NUMBER}", kind="notice",
        )
        self._review_task(conclusions[1], notice_date)
        self._drill_task(conclusions[2], notice_date)
        self._national_drill(conclusions[3], notice_date)

    def _attendance(self, meeting: Meeting) -> None:
        for attendee in meeting_svc.attendees_add_members(actor=self.actor, meeting=meeting):
            name = attendee.person.full_name
            if name == ABSENT:
                meeting_svc.attendee_update(actor=self.actor, attendee=attendee, presence="absent",
                                            note="Đi công tác nước ngoài")
            elif name == DELEGATED[0]:
                meeting_svc.attendee_update(actor=self.actor, attendee=attendee, presence="delegated",
                                            delegate_name=DELEGATED[1])

    def _sites(self, meeting: Meeting) -> None:
        for site in meeting_svc.sites_add_all(actor=self.actor, meeting=meeting, kind="province"):
            code = site.unit.code
            if code in SITES_DOWN:
                meeting_svc.site_update(actor=self.actor, site=site, attended=False, note=SITES_DOWN[code])
            elif code in ("ha-noi", "ho-chi-minh", "da-nang"):
                meeting_svc.site_update(actor=self.actor, site=site, attended=True, participants=35)

    def _review_task(self, conclusion, notice_date: dt.date) -> None:
        """Every province reviews its systems within a month: most finished on time, two
        late, one (Đà Nẵng) is overdue."""
        due = self.today - dt.timedelta(days=5)
        with as_of(notice_date):
            parent = meeting_svc.conclusion_task_create(
                actor=self.actor, conclusion=conclusion, all_of_kind="province", due_date=due,
                title="Rà soát, phân loại hệ thống thông tin theo cấp độ", product="report",
                product_description="Báo cáo kết quả rà soát kèm danh mục hệ thống thông tin", priority=3,
            )
        for child in parent.children.select_related("lead_unit").order_by("lead_unit__path"):
            code = child.lead_unit.code
            if code == OVERDUE:
                task_svc.report_create(
                    actor=self.actor, task=child, percent=60,
                    text="Đã rà soát 18/30 hệ thống; còn các hệ thống của khối y tế, giáo dục.",
                )
                continue
            task_svc.report_create(
                actor=self.actor, task=child, percent=100,
                text="Đã hoàn thành rà soát, phân loại; gửi báo cáo về Văn phòng Ban Chỉ đạo.",
            )
            finished = self.today - dt.timedelta(days=2) if code in LATE else due - dt.timedelta(days=3)
            with as_of(finished):
                task_svc.task_confirm_completion(actor=self.actor, task=child, note="Lãnh đạo UBND tỉnh xác nhận")
                if code == "ha-noi":
                    task_svc.task_accept(actor=self.actor, task=child, note="Báo cáo đạt yêu cầu")

    def _drill_task(self, conclusion, notice_date: dt.date) -> None:
        """Every province prepares a provincial drill this year: a few have started."""
        with as_of(notice_date):
            parent = meeting_svc.conclusion_task_create(
                actor=self.actor, conclusion=conclusion, all_of_kind="province",
                due_date=self.today + dt.timedelta(days=40), title="Tổ chức diễn tập ứng cứu sự cố an ninh mạng cấp tỉnh",
                product="drill", recurrence="yearly", priority=2,
            )
        for child in parent.children.select_related("lead_unit"):
            percent = IN_PROGRESS.get(child.lead_unit.code)
            if percent:
                task_svc.report_create(
                    actor=self.actor, task=child, percent=percent,
                    text="Đã xây dựng kịch bản diễn tập; đang chuẩn bị hạ tầng và lực lượng tham gia.",
                )

    def _national_drill(self, conclusion, notice_date: dt.date) -> None:
        with as_of(notice_date):
            task = meeting_svc.conclusion_task_create(
                actor=self.actor, conclusion=conclusion, lead_units=[_unit("cqtt")],
                supporting_units=[_unit("bo-quoc-phong"), _unit("bo-khoa-hoc-va-cong-nghe")],
                due_date=self.today + dt.timedelta(days=60), title="Diễn tập thực chiến an ninh mạng quốc gia",
                product="drill", priority=4,
            )
        task_svc.report_create(
            actor=self.actor, task=task, percent=40,
            text="Đã phê duyệt kế hoạch; lựa chọn 12 hệ thống thông tin tham gia diễn tập.",
        )

    # ------------------------------------------------------------------ the next meeting

    def next_meeting(self) -> None:
        title = "Phiên họp tổng kết năm của Ban Chỉ đạo quốc gia"
        if Meeting.objects.filter(body_unit=self.national, title=title).exists():
            return
        meeting_svc.meeting_create(
            actor=self.actor, body_unit=self.national, title=title, held_on=self.today + dt.timedelta(days=21),
            start_time="08:00", location="Trụ sở Chính phủ, Hà Nội", is_online=True,
            agenda="1. Báo cáo tổng kết năm.\n2. Kết quả thực hiện các kết luận tại phiên họp trước.\n"
                   "3. Phương hướng, nhiệm vụ năm tới.",
        )

    # ------------------------------------------------------------------ an inspection

    def inspection(self) -> None:
        _inspection(self)

    # ------------------------------------------------------------------ Hà Nội's programme

    def programme(self) -> None:
        hanoi = _unit("ha-noi")
        start = self.today - dt.timedelta(days=120)
        if WorkProgramme.objects.filter(unit=hanoi, year=start.year).exists():
            return
        programme = programme_svc.programme_create(
            actor=self.actor, unit=hanoi, year=start.year,
            title=f"Chương trình công tác bảo đảm an ninh mạng năm {start.year} của thành phố Hà Nội",
            description="Các nhiệm vụ trọng tâm của Tiểu ban An ninh mạng thành phố và các sở, ngành.",
        )
        sub = _unit("ha-noi-tb")
        with as_of(start):
            done = programme_svc.programme_task_create(
                actor=self.actor, programme=programme, title="Ban hành quy chế hoạt động của Tiểu ban An ninh mạng",
                lead_units=[sub], due_date=self.today - dt.timedelta(days=60), product="document",
            )
            drill = programme_svc.programme_task_create(
                actor=self.actor, programme=programme, title="Diễn tập ứng cứu sự cố an ninh mạng cấp thành phố",
                due_date=self.today + dt.timedelta(days=25), product="drill", priority=3,
            )
            programme_svc.programme_task_create(
                actor=self.actor, programme=programme, title="Báo cáo định kỳ tình hình an ninh mạng",
                lead_units=[sub], due_date=self.today + dt.timedelta(days=50), product="report", recurrence="quarterly",
            )
            programme_svc.programme_task_create(
                actor=self.actor, programme=programme, title="Tuyên truyền, nâng cao nhận thức an ninh mạng cho cán bộ",
                due_date=self.today + dt.timedelta(days=40), product="number", target_value=5000,
                product_description="Số cán bộ, công chức được tập huấn",
            )
        programme_svc.programme_approve(actor=self.actor, programme=programme)
        task_svc.report_create(actor=self.actor, task=done, percent=100, text="Quy chế đã được ký ban hành.")
        with as_of(self.today - dt.timedelta(days=64)):
            task_svc.task_confirm_completion(actor=self.actor, task=done)
        task_svc.report_create(actor=self.actor, task=drill, percent=70, text="Đã hoàn thành kịch bản; đang tập dượt.")


def _inspection(loader) -> None:
    """The office's inspection of two cities this year: findings, one already a task."""
    office = _unit("vp-bcd")
    title = "Kiểm tra công tác bảo đảm an ninh mạng tại Hà Nội và TP. Hồ Chí Minh"
    if Inspection.objects.filter(inspecting_unit=office, title=title).exists():
        return
    actor, today_ = loader.actor, loader.today
    hanoi, hcm = _unit("ha-noi"), _unit("ho-chi-minh")
    start = today_ - dt.timedelta(days=20)
    with as_of(start - dt.timedelta(days=30)):
        inspection = inspection_svc.inspection_create(
            actor=actor, inspecting_unit=office, title=title, year=start.year, planned_start=start,
            planned_end=start + dt.timedelta(days=4), targets=[hanoi, hcm],
            scope="Việc triển khai kết luận của Ban Chỉ đạo; bảo đảm an toàn hệ thống thông tin theo cấp độ; "
                  "năng lực ứng cứu sự cố.",
        )
    with as_of(start):
        inspection = inspection_svc.inspection_transition(actor=actor, inspection=inspection, status="in_progress")
        weak = inspection_svc.finding_create(
            actor=actor, inspection=inspection, unit=hanoi, severity=3,
            text="4/11 hệ thống thông tin cấp độ 3 chưa được phê duyệt hồ sơ đề xuất cấp độ.",
            recommendation="Hoàn thành phê duyệt hồ sơ cấp độ cho 4 hệ thống còn lại.",
        )
        inspection_svc.finding_create(
            actor=actor, inspection=inspection, unit=hcm, severity=2,
            text="Chưa tổ chức diễn tập phương án ứng cứu sự cố trong năm.",
            recommendation="Tổ chức diễn tập trước ngày 31/12.",
        )
        inspection_svc.finding_to_task(
            actor=actor, finding=weak, due_date=today_ + dt.timedelta(days=40), priority=3,
            product="document", product_description="Quyết định phê duyệt cấp độ của 4 hệ thống",
        )


def load(*, actor: Actor) -> list:
    """Load the program demo dataset; it adds no login of its own."""
    loader = _Loader(actor)
    loader.meeting()
    loader.next_meeting()
    loader.programme()
    loader.inspection()
    return []
