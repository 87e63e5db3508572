"""The committee's work: meetings and their conclusions, annual work programmes, tasks
assigned to units (cascading down the tree), progress reports with evidence, extension
requests, inspections with findings, and the reminders sent about them.

A task's status is never stored: it is computed from its workflow state, progress and
dates (`program.status`), so it cannot drift from the data it summarises.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vigil.core.access import UnitsPolicy
from vigil.core.concurrency import Versioned

USER = settings.AUTH_USER_MODEL


# --------------------------------------------------------------------------- meetings


class Meeting(Versioned, models.Model):
    """A meeting of a unit's body (the national committee, a provincial subcommittee, a
    working group). Connected sites of an online meeting see it too."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Phiên họp định kỳ")
        EXTRAORDINARY = "extraordinary", _("Phiên họp bất thường")
        THEMATIC = "thematic", _("Phiên họp chuyên đề")
        WORKING = "working", _("Họp tổ công tác")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Dự kiến")
        HELD = "held", _("Đã họp")
        CONCLUDED = "concluded", _("Đã ban hành thông báo kết luận")

    body_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("cơ quan họp")
    )
    title = models.CharField(_("tiêu đề"), max_length=300)
    kind = models.CharField(_("loại phiên họp"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    held_on = models.DateField(_("ngày họp"))
    start_time = models.TimeField(_("giờ bắt đầu"), null=True, blank=True)
    location = models.CharField(_("địa điểm"), max_length=300, blank=True)
    is_online = models.BooleanField(_("họp trực tuyến nhiều điểm cầu"), default=False)
    chair = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("chủ trì"),
    )
    agenda = models.TextField(_("chương trình họp"), blank=True)
    minutes = models.TextField(_("biên bản"), blank=True)
    notice_number = models.CharField(_("số thông báo kết luận"), max_length=64, blank=True)
    notice_date = models.DateField(_("ngày thông báo kết luận"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = UnitsPolicy(view=("body_unit", "sites__unit"), write=("body_unit",))

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("phiên họp")
        verbose_name_plural = _("phiên họp")
        indexes = [models.Index(fields=["body_unit", "held_on"], name="program_meeting_unit_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["body_unit", "notice_number"], condition=~Q(notice_number=""),
                name="program_meeting_notice_unique",
                violation_error_message=_("Đơn vị đã có thông báo kết luận mang số này."),
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.held_on:%d/%m/%Y})"

    def clean(self):
        if self.notice_date and self.held_on and self.notice_date < self.held_on:
            raise ValidationError({"notice_date": _("Ngày thông báo không thể trước ngày họp.")})


class MeetingAttendee(Versioned, models.Model):
    """A member of the body and whether they attended, were absent, or sent a delegate."""

    class Presence(models.TextChoices):
        PRESENT = "present", _("Có mặt")
        ABSENT = "absent", _("Vắng mặt")
        DELEGATED = "delegated", _("Cử người dự thay")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("thành viên"))
    presence = models.CharField(_("tham dự"), max_length=16, choices=Presence.choices, default=Presence.PRESENT)
    delegate_name = models.CharField(_("người dự thay"), max_length=200, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    access_policy = UnitsPolicy(view=("meeting__body_unit", "meeting__sites__unit"), write=("meeting__body_unit",))

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"], name="program_attendee_unique",
                violation_error_message=_("Người này đã có trong danh sách tham dự."),
            )
        ]

    def __str__(self):
        return f"{self.person} — {self.get_presence_display()}"

    def clean(self):
        if self.presence == self.Presence.DELEGATED and not self.delegate_name.strip():
            raise ValidationError({"delegate_name": _("Hãy ghi tên người dự thay.")})


class MeetingSite(Versioned, models.Model):
    """A connected site (điểm cầu) of an online meeting, and whether it attended."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="sites")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("điểm cầu"))
    attended = models.BooleanField(_("đã kết nối"), default=False)
    participants = models.PositiveIntegerField(_("số người dự"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    access_policy = UnitsPolicy(view=("meeting__body_unit", "unit"), write=("meeting__body_unit",))

    class Meta:
        ordering = ["unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "unit"], name="program_site_unique",
                violation_error_message=_("Điểm cầu này đã có trong danh sách."),
            )
        ]

    def __str__(self):
        return str(self.unit)


class MeetingDocument(models.Model):
    """A file of a meeting: agenda, slides, minutes, the signed conclusion notice."""

    class Kind(models.TextChoices):
        AGENDA = "agenda", _("Chương trình")
        MATERIAL = "material", _("Tài liệu họp")
        MINUTES = "minutes", _("Biên bản")
        NOTICE = "notice", _("Thông báo kết luận")
        OTHER = "other", _("Khác")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("loại tài liệu"), max_length=16, choices=Kind.choices, default=Kind.MATERIAL)
    title = models.CharField(_("tên tài liệu"), max_length=300)
    file = models.FileField(_("tệp"), upload_to="program/meetings/%Y/")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=120, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    access_policy = UnitsPolicy(view=("meeting__body_unit", "meeting__sites__unit"), write=("meeting__body_unit",))

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self):
        return self.title


class Conclusion(Versioned, models.Model):
    """One item of a meeting's conclusion notice; it may produce one or more tasks."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="conclusions")
    number = models.PositiveSmallIntegerField(_("mục số"))
    text = models.TextField(_("nội dung kết luận"))
    created_at = models.DateTimeField(auto_now_add=True)

    access_policy = UnitsPolicy(view=("meeting__body_unit", "meeting__sites__unit"), write=("meeting__body_unit",))

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("kết luận")
        verbose_name_plural = _("kết luận")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"], name="program_conclusion_number_unique",
                violation_error_message=_("Thông báo đã có mục kết luận mang số này."),
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.text[:80]}"


# --------------------------------------------------------------------------- work programmes


class WorkProgramme(Versioned, models.Model):
    """A unit's annual work programme: its tasks, approved by the unit's head."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        APPROVED = "approved", _("Đã phê duyệt")

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="programmes", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    title = models.CharField(_("tên chương trình"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    access_policy = UnitsPolicy(view=("unit",), write=("unit",))

    class Meta:
        ordering = ["-year", "unit__path"]
        verbose_name = _("chương trình công tác")
        verbose_name_plural = _("chương trình công tác")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"], name="program_programme_unit_year",
                violation_error_message=_("Đơn vị đã có chương trình công tác năm này."),
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.year})"


# --------------------------------------------------------------------------- inspections


class Inspection(Versioned, models.Model):
    """An inspection planned and conducted by a unit over some units it oversees."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Theo kế hoạch")
        IN_PROGRESS = "in_progress", _("Đang kiểm tra")
        REPORTED = "reported", _("Đã có kết luận kiểm tra")
        CLOSED = "closed", _("Đã đóng")

    # The only moves of an inspection's status; reopening (reported → in progress) needs a reason.
    TRANSITIONS = {
        Status.PLANNED: (Status.IN_PROGRESS,),
        Status.IN_PROGRESS: (Status.REPORTED,),
        Status.REPORTED: (Status.CLOSED, Status.IN_PROGRESS),
        Status.CLOSED: (),
    }

    inspecting_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("đơn vị kiểm tra")
    )
    title = models.CharField(_("tên đợt kiểm tra"), max_length=300)
    year = models.PositiveSmallIntegerField(_("năm kế hoạch"))
    planned_start = models.DateField(_("bắt đầu dự kiến"))
    planned_end = models.DateField(_("kết thúc dự kiến"))
    scope = models.TextField(_("nội dung kiểm tra"), blank=True)
    lead_inspector = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("trưởng đoàn"),
    )
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    summary = models.TextField(_("kết luận kiểm tra"), blank=True)
    targets = models.ManyToManyField(
        "org.Unit", through="InspectionTarget", related_name="+", verbose_name=_("đơn vị được kiểm tra")
    )
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    access_policy = UnitsPolicy(view=("inspecting_unit", "targets"), write=("inspecting_unit",))

    class Meta:
        ordering = ["-planned_start", "-pk"]
        verbose_name = _("đợt kiểm tra")
        verbose_name_plural = _("đợt kiểm tra")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")), name="program_inspection_dates",
                violation_error_message=_("Ngày kết thúc không thể trước ngày bắt đầu."),
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError({"planned_end": _("Ngày kết thúc không thể trước ngày bắt đầu.")})

    def may_target(self, unit) -> bool:
        """Whether the inspecting unit may inspect `unit`: one of its descendants, or any
        other unit when its kind oversees the whole network (the committee office, the agency)."""
        inspecting = self.inspecting_unit
        if unit.pk == inspecting.pk:
            return False
        if inspecting.kind.oversees_network:
            return True
        return unit.path.startswith(inspecting.path)


class InspectionTarget(Versioned, models.Model):
    """A unit inspected in an inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="target_rows")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("ngày kiểm tra"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    access_policy = UnitsPolicy(view=("inspection__inspecting_unit", "unit"), write=("inspection__inspecting_unit",))

    class Meta:
        ordering = ["unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "unit"], name="program_inspection_target_unique",
                violation_error_message=_("Đơn vị này đã có trong đợt kiểm tra."),
            )
        ]

    def __str__(self):
        return str(self.unit)


class Finding(Versioned, models.Model):
    """A finding of an inspection at one unit, with its recommendation. The recommendation
    becomes a task; the finding stays open until it is closed after follow-up."""

    class Severity(models.IntegerChoices):
        LOW = 1, _("Thấp")
        MEDIUM = 2, _("Trung bình")
        HIGH = 3, _("Cao")
        CRITICAL = 4, _("Nghiêm trọng")

    class Status(models.TextChoices):
        OPEN = "open", _("Đang theo dõi")
        CLOSED = "closed", _("Đã khắc phục, đã đóng")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    text = models.TextField(_("phát hiện"))
    severity = models.PositiveSmallIntegerField(_("mức độ"), choices=Severity.choices, default=Severity.MEDIUM)
    recommendation = models.TextField(_("kiến nghị"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    close_note = models.TextField(_("ghi chú khi đóng"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    access_policy = UnitsPolicy(view=("inspection__inspecting_unit", "unit"), write=("inspection__inspecting_unit",))

    class Meta:
        ordering = ["inspection", "number"]
        verbose_name = _("phát hiện")
        verbose_name_plural = _("phát hiện")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "number"], name="program_finding_number_unique",
                violation_error_message=_("Đợt kiểm tra đã có phát hiện mang số này."),
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.text[:80]}"


# --------------------------------------------------------------------------- tasks


class TaskQuerySet(models.QuerySet):
    def with_status(self, today=None):
        """Annotate `status` (see program.status) computed in SQL for `today`."""
        from .status import status_expression

        return self.annotate(status=status_expression(today))


class Task(Versioned, models.Model):
    """A task assigned by one unit to a lead unit (with supporting units), with a deadline
    and an expected product. A task assigned to many units is a parent whose children
    (one per lead unit) carry the work; the parent's progress is derived from them."""

    class Source(models.TextChoices):
        CONCLUSION = "conclusion", _("Kết luận phiên họp")
        PROGRAMME = "programme", pgettext_lazy("task source", "Chương trình công tác")
        DIRECTIVE = "directive", _("Chỉ thị, chỉ đạo")
        LAW = "law", _("Văn bản quy phạm pháp luật")
        INSPECTION = "inspection", _("Kiến nghị sau kiểm tra")
        OTHER = "other", _("Khác")

    class Recurrence(models.TextChoices):
        NONE = "none", _("Một lần")
        MONTHLY = "monthly", _("Báo cáo hằng tháng")
        QUARTERLY = "quarterly", _("Báo cáo hằng quý")
        YEARLY = "yearly", _("Báo cáo hằng năm")

    class Product(models.TextChoices):
        DOCUMENT = "document", _("Văn bản")
        SYSTEM = "system", _("Hệ thống")
        DRILL = "drill", _("Diễn tập")
        NUMBER = "number", _("Số liệu, chỉ tiêu")
        REPORT = "report", _("Báo cáo")
        OTHER = "other", _("Khác")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Thấp")
        NORMAL = 2, _("Bình thường")
        HIGH = 3, _("Cao")
        URGENT = 4, _("Khẩn")

    class State(models.TextChoices):
        """The workflow; `program.status` turns it plus dates into what people see."""

        OPEN = "open", _("Đang thực hiện")
        SUBMITTED = "submitted", _("Đơn vị chủ trì đã xác nhận hoàn thành, chờ nghiệm thu")
        ACCEPTED = "accepted", _("Đã nghiệm thu")
        CANCELLED = "cancelled", _("Đã huỷ")

    title = models.CharField(_("tên nhiệm vụ"), max_length=300)
    description = models.TextField(_("nội dung"), blank=True)
    source = models.CharField(_("nguồn giao"), max_length=16, choices=Source.choices, default=Source.OTHER)
    conclusion = models.ForeignKey(
        Conclusion, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks",
        verbose_name=_("kết luận"),
    )
    programme = models.ForeignKey(
        WorkProgramme, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks",
        verbose_name=_("chương trình công tác"),
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks",
        verbose_name=_("phát hiện kiểm tra"),
    )
    source_reference = models.CharField(
        _("văn bản giao"), max_length=300, blank=True,
        help_text=_("Số, ký hiệu văn bản giao nhiệm vụ (chỉ thị, luật, công văn)."),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("nhiệm vụ cha"),
    )
    assigning_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="assigned_tasks", verbose_name=_("đơn vị giao")
    )
    lead_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("đơn vị chủ trì")
    )
    supporting_units = models.ManyToManyField(
        "org.Unit", blank=True, related_name="supported_tasks", verbose_name=_("đơn vị phối hợp")
    )
    assignee = models.ForeignKey(
        "org.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("người được giao"),
    )
    start_date = models.DateField(_("ngày bắt đầu"))
    due_date = models.DateField(_("hạn hoàn thành"))
    original_due_date = models.DateField(_("hạn ban đầu"))
    recurrence = models.CharField(_("định kỳ báo cáo"), max_length=16, choices=Recurrence.choices, default=Recurrence.NONE)
    product = models.CharField(_("sản phẩm"), max_length=16, choices=Product.choices, default=Product.DOCUMENT)
    product_description = models.CharField(_("mô tả sản phẩm"), max_length=500, blank=True)
    target_value = models.PositiveIntegerField(_("chỉ tiêu"), null=True, blank=True)
    achieved_value = models.PositiveIntegerField(_("kết quả đạt được"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(_("mức ưu tiên"), choices=Priority.choices, default=Priority.NORMAL)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    state = models.CharField(_("bước xử lý"), max_length=16, choices=State.choices, default=State.OPEN)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    accepted_on = models.DateField(_("ngày nghiệm thu"), null=True, blank=True)
    cancel_reason = models.TextField(_("lý do huỷ"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    access_policy = UnitsPolicy(
        view=("lead_unit", "assigning_unit", "supporting_units"), write=("lead_unit", "assigning_unit")
    )

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        indexes = [
            models.Index(fields=["lead_unit", "due_date"], name="program_task_lead_due"),
            models.Index(fields=["assigning_unit", "due_date"], name="program_task_assigning_due"),
            models.Index(fields=["state", "due_date"], name="program_task_state_due"),
            models.Index(fields=["due_date"], name="program_task_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="program_task_progress_range",
                violation_error_message=_("Tiến độ phải từ 0 đến 100%."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("start_date")), name="program_task_due_after_start",
                violation_error_message=_("Hạn hoàn thành không thể trước ngày bắt đầu."),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise ValidationError({"due_date": _("Hạn hoàn thành không thể trước ngày bắt đầu.")})
        if self.progress is not None and not 0 <= self.progress <= 100:
            raise ValidationError({"progress": _("Tiến độ phải từ 0 đến 100%.")})

    @property
    def status(self):
        """The computed status: as annotated by the queryset (`with_status`), else for today."""
        annotated = self.__dict__.get("_status")
        if annotated is not None:
            return annotated
        from .status import compute_status

        return compute_status(self)

    @status.setter
    def status(self, value):
        self.__dict__["_status"] = value


class TaskEvent(models.Model):
    """The task's own timeline, shown on its page: every step, who took it and why.
    (The audit log records the same writes for auditors; this is for the people doing the work.)"""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("event", "Giao nhiệm vụ")
        CASCADED = "cascaded", _("Giao tiếp cho cấp dưới")
        EDITED = "edited", pgettext_lazy("event", "Sửa thông tin")
        PROGRESS = "progress", _("Báo cáo tiến độ")
        CONFIRMED = "confirmed", _("Xác nhận hoàn thành")
        ACCEPTED = "accepted", _("Nghiệm thu")
        RETURNED = "returned", _("Trả lại")
        EXTENSION_REQUESTED = "extension_requested", _("Đề nghị gia hạn")
        EXTENSION_APPROVED = "extension_approved", _("Đồng ý gia hạn")
        EXTENSION_REFUSED = "extension_refused", _("Không đồng ý gia hạn")
        CANCELLED = "cancelled", _("Huỷ nhiệm vụ")
        REMINDED = "reminded", _("Nhắc hạn")
        ESCALATED = "escalated", _("Báo cáo cấp trên do quá hạn")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    access_policy = UnitsPolicy(
        view=("task__lead_unit", "task__assigning_unit", "task__supporting_units"),
        write=("task__lead_unit", "task__assigning_unit"),
    )

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["task", "at"], name="program_event_task_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%d/%m/%Y}"

    @property
    def display_note(self) -> str:
        """The note in the reader's language where the platform wrote it (a reminder); what
        a person typed stays as typed."""
        from vigil.core.texts import render_stored

        return render_stored((self.data or {}).get("message")) or self.note


class ProgressReport(models.Model):
    """A progress report on a task: percentage, what was done, evidence files. For a
    recurring task `period_start` names the period (month, quarter, year) it covers."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    percent = models.PositiveSmallIntegerField(_("tiến độ (%)"))
    text = models.TextField(_("nội dung báo cáo"))
    achieved_value = models.PositiveIntegerField(_("kết quả đạt được"), null=True, blank=True)
    period_start = models.DateField(_("kỳ báo cáo"), null=True, blank=True)
    reported_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)

    access_policy = UnitsPolicy(
        view=("task__lead_unit", "task__assigning_unit", "task__supporting_units"),
        write=("task__lead_unit",),
    )

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        indexes = [models.Index(fields=["task", "reported_at"], name="program_report_task_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__lte=100), name="program_report_percent_range",
                violation_error_message=_("Tiến độ phải từ 0 đến 100%."),
            )
        ]

    def __str__(self):
        return f"{self.task} — {self.percent}%"


class EvidenceFile(models.Model):
    """A file attached to a progress report: the product, or proof of it."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("tệp"), upload_to="program/evidence/%Y/%m/")
    name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=120, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    access_policy = UnitsPolicy(
        view=("report__task__lead_unit", "report__task__assigning_unit", "report__task__supporting_units"),
        write=("report__task__lead_unit",),
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class ExtensionRequest(models.Model):
    """A request by the lead unit to move a deadline; the assigning unit decides.
    Approved requests are the only way a due date moves after assignment."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ quyết định")
        APPROVED = "approved", _("Đồng ý")
        REFUSED = "refused", _("Không đồng ý")
        WITHDRAWN = "withdrawn", _("Đã rút")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="extensions")
    old_due_date = models.DateField(_("hạn hiện tại"))
    new_due_date = models.DateField(_("hạn đề nghị"))
    reason = models.TextField(_("lý do"))
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("ý kiến"), blank=True)

    access_policy = UnitsPolicy(
        view=("task__lead_unit", "task__assigning_unit", "task__supporting_units"),
        write=("task__lead_unit", "task__assigning_unit"),
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("đề nghị gia hạn")
        verbose_name_plural = _("đề nghị gia hạn")
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=Q(status="pending"), name="program_extension_one_pending",
                violation_error_message=_("Nhiệm vụ đã có một đề nghị gia hạn đang chờ quyết định."),
            )
        ]

    def __str__(self):
        return f"{self.task}: {self.old_due_date} → {self.new_due_date}"


class ReminderLog(models.Model):
    """One reminder or escalation sent about a task, so the daily job never sends it twice."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=32, help_text="the due date (or period) it was about")
    sent_at = models.DateTimeField(default=timezone.now)

    access_policy = UnitsPolicy(view=("task__lead_unit", "task__assigning_unit"), write=())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "key"], name="program_reminder_once")
        ]

    def __str__(self):
        return f"{self.task_id} {self.kind} {self.key}"
