"""Incident handling across the network: reports received from any channel, triage with
the ENISA reference incident taxonomy and an impact x urgency matrix, lead and
supporting units, tasks with checklists, a timeline of every action, comments,
observables, evidence, statutory reporting stages and SLA clocks that escalate up the
unit tree.

Reference data (incident types, the severity matrix, SLA targets, reporting rules and
checklist templates) lives in `incidents/reference/*.toml`, loaded by `vigil
load-reference`; administrators adjust SLA targets and reporting rules afterwards.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from vigil.core.access import GlobalPolicy, SharedUnitsPolicy
from vigil.core.concurrency import Versioned
from vigil.core.models import SharedObject

USER = settings.AUTH_USER_MODEL
# The units handling an incident: its owner, its lead and the supporting (or lead)
# requests still live: active and not declined. TLP decides who else reads it.
HANDLING_UNITS = ("owner_unit", "lead_unit")
LIVE_REQUEST = Q(active=True) & ~Q(answer="declined")


def incident_policy(through: str = "") -> SharedUnitsPolicy:
    """The access policy of an incident (`through=""`) or of a row reached from one."""
    return SharedUnitsPolicy(units=HANDLING_UNITS, links="units", live=LIVE_REQUEST, through=through)


class Severity(models.TextChoices):
    LOW = "low", _("Thấp")
    MEDIUM = "medium", _("Trung bình")
    HIGH = "high", _("Cao")
    CRITICAL = "critical", _("Nghiêm trọng")


class Level(models.IntegerChoices):
    """Impact and urgency, the two axes of the severity matrix."""

    LOW = 1, _("Thấp")
    MEDIUM = 2, _("Trung bình")
    HIGH = 3, _("Cao")
    CRITICAL = 4, _("Rất cao")


class PAP(models.TextChoices):
    """Permissible Actions Protocol: what recipients may do with the information."""

    CLEAR = "clear", "PAP:CLEAR"
    GREEN = "green", "PAP:GREEN"
    AMBER = "amber", "PAP:AMBER"
    RED = "red", "PAP:RED"


# --------------------------------------------------------------------------- reference data


class BilingualReference:
    """Reference data kept with both names: shown in the reader's language."""

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name

    def __str__(self):
        return self.display_name


class IncidentClass(BilingualReference, models.Model):
    """A class of the ENISA reference security incident taxonomy (RSIT)."""

    code = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("nhóm sự cố")
        verbose_name_plural = _("nhóm sự cố")


class IncidentType(BilingualReference, models.Model):
    """A type of the taxonomy (`class:type`, e.g. `malicious-code:infected-system`).
    `is_active` False keeps a type out of triage (see reference/taxonomy.toml)."""

    klass = models.ForeignKey(IncidentClass, on_delete=models.PROTECT, related_name="types",
                              verbose_name=_("nhóm sự cố"))
    code = models.CharField(_("mã"), max_length=128, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    is_active = models.BooleanField(_("dùng khi phân loại"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["klass__sort_order", "sort_order", "code"]
        verbose_name = _("loại sự cố")
        verbose_name_plural = _("loại sự cố")


class SeverityRule(models.Model):
    """One cell of the impact x urgency matrix."""

    impact = models.PositiveSmallIntegerField(_("mức ảnh hưởng"), choices=Level.choices)
    urgency = models.PositiveSmallIntegerField(_("mức khẩn cấp"), choices=Level.choices)
    severity = models.CharField(_("mức độ nghiêm trọng"), max_length=10, choices=Severity.choices)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["-impact", "-urgency"]
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="incidents_severity_cell")]

    def __str__(self):
        return f"{self.impact}x{self.urgency}={self.severity}"


class SlaTarget(models.Model):
    """Time allowed per severity to acknowledge, to respond first and to resolve (minutes)."""

    severity = models.CharField(_("mức độ nghiêm trọng"), max_length=10, choices=Severity.choices, unique=True)
    acknowledge_minutes = models.PositiveIntegerField(_("thời hạn tiếp nhận (phút)"))
    respond_minutes = models.PositiveIntegerField(_("thời hạn phản hồi đầu tiên (phút)"))
    resolve_minutes = models.PositiveIntegerField(_("thời hạn xử lý xong (phút)"))

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["acknowledge_minutes"]
        verbose_name = _("chỉ tiêu SLA")
        verbose_name_plural = _("chỉ tiêu SLA")

    def __str__(self):
        return self.get_severity_display()


class ReportingStage(BilingualReference, models.Model):
    """A statutory report due for incidents of a type (or class) and sector: an initial
    notification within hours of detection, updates, a final report within days. `fields`
    lists the mandatory fields of the stage's form: [{"name", "label", "label_en",
    "type": text|textarea|datetime|number|choice, "choices": [...]}]."""

    code = models.SlugField(_("mã"), max_length=64)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200)
    klass = models.ForeignKey(IncidentClass, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                              verbose_name=_("nhóm sự cố (để trống: mọi nhóm)"))
    incident_type = models.ForeignKey(IncidentType, on_delete=models.CASCADE, null=True, blank=True,
                                      related_name="+", verbose_name=_("loại sự cố (để trống: mọi loại)"))
    sector = models.CharField(_("lĩnh vực (để trống: mọi lĩnh vực)"), max_length=64, blank=True)
    min_severity = models.CharField(_("áp dụng từ mức"), max_length=10, choices=Severity.choices,
                                    default=Severity.LOW)
    due_hours = models.PositiveIntegerField(_("hạn (giờ sau khi phát hiện)"))
    repeat_hours = models.PositiveIntegerField(_("lặp lại sau (giờ)"), null=True, blank=True)
    fields = models.JSONField(_("các trường bắt buộc"), default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["sort_order", "due_hours", "code"]
        verbose_name = _("giai đoạn báo cáo")
        verbose_name_plural = _("giai đoạn báo cáo")
        constraints = [
            models.UniqueConstraint(fields=["code", "sector"], name="incidents_stage_code_sector"),
        ]


class ChecklistTemplate(BilingualReference, models.Model):
    """Tasks (with checklist items) proposed for incidents of a class or type."""

    code = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200)
    klass = models.ForeignKey(IncidentClass, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    incident_type = models.ForeignKey(IncidentType, on_delete=models.CASCADE, null=True, blank=True,
                                      related_name="+")
    items = models.JSONField(_("các bước"), default=list)  # [{"text", "text_en"}]

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["code"]
        verbose_name = _("mẫu danh mục kiểm tra")
        verbose_name_plural = _("mẫu danh mục kiểm tra")


# --------------------------------------------------------------------------- incidents


class Incident(Versioned, SharedObject):
    """One incident, from the first report to closure. `owner_unit` is the unit that owns
    the affected system or network (found at intake, corrected at triage); `lead_unit`
    handles it, with supporting units (`units`). Each report received creates one; a
    duplicate is merged into another and keeps its tracking number, which then leads to
    the incident it was merged into."""

    class State(models.TextChoices):
        NEW = "new", _("Mới tiếp nhận")
        TRIAGED = "triaged", _("Đã phân loại")
        ASSIGNED = "assigned", _("Đã giao xử lý")
        IN_PROGRESS = "in_progress", _("Đang xử lý")
        CONTAINED = "contained", _("Đã ngăn chặn")
        RESOLVED = "resolved", _("Đã khắc phục")
        CLOSED = "closed", _("Đã đóng")
        MERGED = "merged", _("Đã gộp")

    class Channel(models.TextChoices):
        WEB = "web", _("Biểu mẫu web")
        API = "api", "API"
        EMAIL = "email", _("Thư điện tử")
        DETECTION = "detection", _("Cảnh báo sớm")
        DRILL = "drill", _("Diễn tập")

    reference = models.CharField(_("mã theo dõi"), max_length=32, unique=True)
    title = models.CharField(_("tiêu đề"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    channel = models.CharField(_("kênh tiếp nhận"), max_length=12, choices=Channel.choices, default=Channel.WEB)
    intake_key = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)
    # SHA-256 of the submission stored under `intake_key`: the key sent again with other
    # content is refused (422), not answered with this incident.
    intake_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)
    state = models.CharField(_("trạng thái"), max_length=12, choices=State.choices, default=State.NEW)
    incident_type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("loại sự cố"))
    impact = models.PositiveSmallIntegerField(_("mức ảnh hưởng"), choices=Level.choices, null=True, blank=True)
    urgency = models.PositiveSmallIntegerField(_("mức khẩn cấp"), choices=Level.choices, null=True, blank=True)
    severity = models.CharField(_("mức độ nghiêm trọng"), max_length=10, choices=Severity.choices, blank=True)
    pap = models.CharField("PAP", max_length=8, choices=PAP.choices, default=PAP.AMBER)
    sector = models.CharField(_("lĩnh vực"), max_length=64, blank=True)
    lead_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("đơn vị chủ trì xử lý"))
    systems = models.ManyToManyField("assets.InformationSystem", blank=True, related_name="incidents",
                                     verbose_name=_("hệ thống bị ảnh hưởng"))
    related = models.ManyToManyField("self", blank=True, verbose_name=_("sự cố liên quan"))
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged", verbose_name=_("gộp vào"))
    # Reporter (a logged-in member, or whoever wrote the e-mail).
    reported_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reporter_unit = models.ForeignKey("org.Unit", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("đơn vị báo cáo"))
    reporter_name = models.CharField(_("người báo cáo"), max_length=200, blank=True)
    reporter_email = models.EmailField(_("thư điện tử người báo cáo"), blank=True)
    reporter_phone = models.CharField(_("điện thoại người báo cáo"), max_length=32, blank=True)
    # Clocks.
    detected_at = models.DateTimeField(_("thời điểm phát hiện"), default=timezone.now)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(_("thời điểm xác nhận tiếp nhận"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("thời điểm phản hồi đầu tiên"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("thời điểm khắc phục"), null=True, blank=True)
    closed_at = models.DateTimeField(_("thời điểm đóng"), null=True, blank=True)
    acknowledge_due = models.DateTimeField(_("hạn tiếp nhận"), null=True, blank=True)
    respond_due = models.DateTimeField(_("hạn phản hồi"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("hạn xử lý xong"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("mức leo thang"), default=0)
    # Closure.
    resolution = models.TextField(_("kết quả xử lý"), blank=True)
    root_cause = models.TextField(_("nguyên nhân gốc"), blank=True)
    lessons_learned = models.TextField(_("bài học kinh nghiệm"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = incident_policy()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("sự cố")
        verbose_name_plural = _("sự cố")
        indexes = [
            models.Index(fields=["owner_unit", "state", "received_at"], name="incidents_owner_state_idx"),
            models.Index(fields=["lead_unit", "state", "received_at"], name="incidents_lead_state_idx"),
            models.Index(fields=["state", "received_at"], name="incidents_state_idx"),
            models.Index(fields=["tlp", "received_at"], name="incidents_tlp_idx"),
            models.Index(fields=["severity", "received_at"], name="incidents_severity_idx"),
            # The SLA job reads only clocks still running: partial indexes keep that small.
            models.Index(fields=["acknowledge_due"], condition=Q(acknowledged_at__isnull=True),
                         name="incidents_ack_due_idx"),
            models.Index(fields=["respond_due"], condition=Q(first_response_at__isnull=True),
                         name="incidents_respond_due_idx"),
            models.Index(fields=["resolve_due"], condition=Q(resolved_at__isnull=True),
                         name="incidents_resolve_due_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state not in (self.State.CLOSED, self.State.MERGED)


class IncidentUnit(models.Model):
    """A unit asked to handle an incident (lead or supporting) and its answer."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Chủ trì")
        SUPPORT = "support", _("Phối hợp")

    class Answer(models.TextChoices):
        PENDING = "pending", _("Chờ nhận")
        ACCEPTED = "accepted", _("Đã nhận")
        DECLINED = "declined", _("Từ chối")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    role = models.CharField(_("vai trò"), max_length=8, choices=Role.choices)
    answer = models.CharField(_("trả lời"), max_length=10, choices=Answer.choices, default=Answer.PENDING)
    reason = models.TextField(_("lý do"), blank=True)
    assigned_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)  # False once replaced or removed

    access_policy = incident_policy("incident")

    class Meta:
        ordering = ["role", "assigned_at"]
        # "Incidents this unit supports": answered from the index alone (unit, role, active,
        # incident), not from a million heap rows.
        indexes = [models.Index(fields=["unit", "role", "active", "incident"], name="incidents_unit_role_idx")]

    def __str__(self):
        return f"{self.unit} ({self.get_role_display()})"


class TimelineEvent(models.Model):
    """Everything that happened to an incident, in order; never edited."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=32)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    access_policy = incident_policy("incident")

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="incidents_timeline_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    @property
    def display_text(self) -> str:
        """The event's text in the reader's language: a sentence the platform wrote is kept
        as a message and its parameters (`core.texts`); what a person typed stays as typed."""
        from vigil.core.texts import render_stored

        return render_stored((self.data or {}).get("message")) or self.text


class Comment(models.Model):
    """A comment on an incident; @username mentions notify the people named."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("nội dung"))
    mentions = models.ManyToManyField(USER, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    access_policy = incident_policy("incident")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:60]


class IncidentTask(Versioned, models.Model):
    """A piece of work on an incident for a unit (and optionally a person), with a checklist."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang làm")
        DONE = "done", _("Đã xong")
        CANCELLED = "cancelled", _("Đã huỷ")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("tiêu đề"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị thực hiện"))
    assignee = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("người thực hiện"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN)
    due_at = models.DateTimeField(_("hạn"), null=True, blank=True)
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    access_policy = incident_policy("incident")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.title


class ChecklistItem(Versioned, models.Model):
    task = models.ForeignKey(IncidentTask, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("bước"), max_length=500)
    position = models.PositiveSmallIntegerField(default=0)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    access_policy = incident_policy("task__incident")

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class Observable(Versioned, models.Model):
    """A technical fact of an incident: an IP, domain, URL, hash, e-mail address or file
    name, stored normalised (refanged) and shown defanged."""

    class Kind(models.TextChoices):
        IPV4 = "ipv4", "IPv4"
        IPV6 = "ipv6", "IPv6"
        DOMAIN = "domain", _("tên miền")
        URL = "url", "URL"
        EMAIL = "email", _("thư điện tử")
        MD5 = "md5", "MD5"
        SHA1 = "sha1", "SHA-1"
        SHA256 = "sha256", "SHA-256"
        FILE = "file", _("tên tệp")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="observables")
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("giá trị"), max_length=2000)
    is_ioc = models.BooleanField(_("là dấu hiệu tấn công (IOC)"), default=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    added_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    access_policy = incident_policy("incident")

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind", "value"], name="incidents_observable_unique",
                violation_error_message=_("Sự cố đã có dấu hiệu này."),
            )
        ]
        indexes = [models.Index(fields=["kind", "value"], name="incidents_observable_value_idx")]

    def __str__(self):
        return f"{self.kind}:{self.value}"


def evidence_path(instance, filename):
    return f"incidents/{instance.incident_id}/{instance.sha256[:2]}/{instance.sha256}-{filename}"


class EvidenceFile(models.Model):
    """A file attached to an incident (an e-mail's attachments too): size, sniffed type and
    SHA-256 checked on upload (core.uploads)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=500)
    name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveBigIntegerField(_("dung lượng"))
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    description = models.CharField(_("mô tả"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    access_policy = incident_policy("incident")

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


class StageReport(models.Model):
    """One statutory report of an incident: due at `due_at`, submitted with the stage's
    mandatory fields filled in `data`."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="stage_reports")
    stage = models.ForeignKey(ReportingStage, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveSmallIntegerField(default=1)  # 2, 3 … for repeated updates
    due_at = models.DateTimeField(_("hạn nộp"))
    submitted_at = models.DateTimeField(_("đã nộp lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)

    access_policy = incident_policy("incident")

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "stage", "sequence"], name="incidents_stage_report_unique")
        ]
        indexes = [models.Index(fields=["submitted_at", "due_at"], name="incidents_stage_due_idx")]

    def __str__(self):
        return f"{self.stage} #{self.sequence}"


class SlaBreach(models.Model):
    """A missed SLA clock and each escalation step taken for it (1: the parent of the
    responsible unit; 2: the standing agency). Unique, so the job never escalates twice."""

    class Clock(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", pgettext_lazy("SLA clock", "Tiếp nhận")
        RESPOND = "respond", _("Phản hồi đầu tiên")
        RESOLVE = "resolve", _("Xử lý xong")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="breaches")
    clock = models.CharField(max_length=12, choices=Clock.choices)
    level = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    detected_at = models.DateTimeField(default=timezone.now)
    escalated_to = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, related_name="+")

    access_policy = incident_policy("incident")

    class Meta:
        ordering = ["detected_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "clock", "level"], name="incidents_breach_unique")
        ]

    def __str__(self):
        return f"{self.incident_id} {self.clock} L{self.level}"
