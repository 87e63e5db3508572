"""Organisation: the unit tree, people, roles, memberships, membership decisions, constituency."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from vigil.core.access import (
    GlobalPolicy,
    TLPPolicy,
    UnitFieldPolicy,
    UnitPolicy,
    UnitsPolicy,
)
from vigil.core.concurrency import Versioned
from vigil.core.models import SharedObject
from vigil.core.notify.text import render_value

from .access import PersonPolicy

PATH_SEGMENT = 8  # digits per level of the materialised path: "00000001.00000042."


class BilingualName(models.Model):
    """Vietnamese name first (the default language), English second."""

    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class Sector(BilingualName):
    """A sector of the economy or the state (lĩnh vực), loaded as reference data: the
    sector of an incident decides which statutory reports are due and how fast (banking
    notifies faster), so it is chosen from this list, never typed."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")


class UnitKind(BilingualName):
    """A kind of unit, loaded as reference data: what its body requires to be complete."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    requires_body = models.BooleanField(
        _("phải kiện toàn"), default=False,
        help_text=_("Đơn vị loại này phải có ban/tổ được kiện toàn bằng quyết định."),
    )
    min_members = models.PositiveSmallIntegerField(_("số thành viên tối thiểu"), default=0)
    oversees_network = models.BooleanField(
        _("giám sát toàn mạng lưới"), default=False,
        help_text=_("Vai trò có phạm vi cấp dưới tại đơn vị loại này thấy toàn bộ cây đơn vị."),
    )
    sort_order = models.PositiveSmallIntegerField(default=100)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("loại đơn vị")
        verbose_name_plural = _("loại đơn vị")


class Unit(Versioned, BilingualName):
    """A node of the organisation tree, with a materialised path for cheap subtree queries."""

    code = models.SlugField(_("mã"), max_length=64, unique=True)
    short_name = models.CharField(_("tên viết tắt"), max_length=64, blank=True)
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, verbose_name=_("loại"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    # Zero-padded ids joined by dots, ending in a dot; a subtree is `path LIKE 'p%'`.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    admin_code = models.CharField(
        _("mã đơn vị hành chính"), max_length=16, blank=True,
        help_text=_("Mã tỉnh/thành theo danh mục của Tổng cục Thống kê."),
    )
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=40, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = UnitPolicy()

    class Meta:
        ordering = ["path"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        # core's foreign keys name settings.VIGIL_UNIT_MODEL, never this app (see core.directory).
        swappable = "VIGIL_UNIT_MODEL"

    def clean(self):
        if self.parent_id and self.pk:
            if self.parent_id == self.pk or (self.parent.path or "").startswith(self.path or "~"):
                raise ValidationError({"parent": _("Không thể đặt đơn vị dưới chính nó hoặc cấp dưới của nó.")})

    def compute_path(self) -> str:
        own = f"{self.pk:0{PATH_SEGMENT}d}."
        return (self.parent.path if self.parent_id else "") + own

    def ancestor_ids(self) -> list[int]:
        return [int(s) for s in self.path.split(".") if s][:-1]

    def subtree_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}path__startswith": self.path})


class Role(Versioned, BilingualName):
    """A role: which actions it grants on a unit, and whether it reaches the unit's descendants."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    actions = models.JSONField(_("quyền"), default=list)
    reaches_descendants = models.BooleanField(_("áp dụng cho đơn vị cấp dưới"), default=False)
    requires_2fa = models.BooleanField(_("bắt buộc xác thực hai yếu tố"), default=False)
    is_head = models.BooleanField(_("là trưởng"), default=False)
    is_focal_point = models.BooleanField(_("là đầu mối"), default=False)
    counts_as_member = models.BooleanField(_("tính là thành viên ban"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")


class Person(Versioned, models.Model):
    """A person of the network. May have a login account (`user`), or not (an appointed official)."""

    full_name = models.CharField(_("họ và tên"), max_length=200)
    position = models.CharField(_("chức vụ"), max_length=200, blank=True)
    home_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="staff", verbose_name=_("đơn vị công tác")
    )
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=40, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="person", verbose_name=_("tài khoản"),
    )
    is_active = models.BooleanField(_("đang công tác"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = PersonPolicy()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("cán bộ")
        verbose_name_plural = _("cán bộ")

    def __str__(self):
        return self.full_name


class MembershipDecision(Versioned, SharedObject):
    """A decision ("quyết định kiện toàn") that appoints or removes members of a unit's body."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("dự thảo")
        APPLIED = "applied", _("đã áp dụng")

    # The unit whose body the decision completes is `owner_unit` (from SharedObject).
    number = models.CharField(_("số quyết định"), max_length=64)
    date = models.DateField(_("ngày ký"))
    effective_date = models.DateField(_("ngày hiệu lực"))
    issuer = models.CharField(_("cơ quan/người ban hành"), max_length=255)
    title = models.CharField(_("trích yếu"), max_length=500)
    signed_file = models.FileField(_("tệp đã ký"), upload_to="decisions/%Y/", blank=True)
    signed_file_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    applied_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = TLPPolicy()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_unit", "number"], name="decision_number_unique_per_unit",
                violation_error_message=_("Đơn vị đã có quyết định mang số này."),
            )
        ]
        verbose_name = _("quyết định kiện toàn")
        verbose_name_plural = _("quyết định kiện toàn")

    def __str__(self):
        return f"{self.number} ({render_value(self.date)})"

    def clean(self):
        if self.date and self.effective_date and self.effective_date < self.date:
            raise ValidationError({"effective_date": _("Ngày hiệu lực không được trước ngày ký.")})


class DecisionItem(models.Model):
    """One line of a decision: appoint a person to a role, or remove them from it."""

    class Action(models.TextChoices):
        APPOINT = "appoint", _("bổ nhiệm")
        REMOVE = "remove", _("miễn nhiệm")

    decision = models.ForeignKey(MembershipDecision, on_delete=models.CASCADE, related_name="items")
    action = models.CharField(pgettext_lazy("decision", "nội dung"), max_length=16, choices=Action.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, verbose_name=_("cán bộ"))
    role = models.ForeignKey(Role, on_delete=models.PROTECT, verbose_name=_("vai trò"))
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("nội dung quyết định")
        verbose_name_plural = _("nội dung quyết định")

    def __str__(self):
        return f"{self.get_action_display()} {self.person} – {self.role}"


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(since__lte=on), Q(until__isnull=True) | Q(until__gt=on))


class Membership(Versioned, models.Model):
    """(person, unit, role, since, until): the source of every permission a user holds."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")
    since = models.DateField(_("từ ngày"))
    until = models.DateField(_("đến ngày"), null=True, blank=True)
    decision = models.ForeignKey(
        MembershipDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointed",
        verbose_name=_("theo quyết định"),
    )
    ended_by = models.ForeignKey(
        MembershipDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="removed",
        verbose_name=_("chấm dứt theo quyết định"),
    )
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()
    access_policy = UnitFieldPolicy("unit")

    class Meta:
        ordering = ["unit__path", "role__sort_order", "person__full_name"]
        indexes = [models.Index(fields=["unit", "role"], name="membership_unit_role_idx")]
        verbose_name = _("thành viên")
        verbose_name_plural = _("thành viên")

    def __str__(self):
        return f"{self.person} – {self.role} – {self.unit}"

    def clean(self):
        if self.until and self.since and self.until <= self.since:
            raise ValidationError({"until": _("Ngày kết thúc phải sau ngày bắt đầu.")})

    @property
    def is_active(self):
        today = timezone.localdate()
        return self.since <= today and (self.until is None or self.until > today)


class ConstituencyEntry(Versioned, models.Model):
    """An IP range, ASN or domain a unit answers for. IPs are stored as fixed-width hex so
    that containment and longest-prefix match are plain indexed string comparisons on
    SQLite and PostgreSQL alike; domains are stored reversed for suffix matching."""

    class Kind(models.TextChoices):
        IPV4 = "ipv4", "IPv4"
        IPV6 = "ipv6", "IPv6"
        ASN = "asn", "ASN"
        DOMAIN = "domain", _("tên miền")

    class Status(models.TextChoices):
        ACTIVE = "active", _("hiệu lực")
        PENDING = "pending", _("chờ chấp thuận")
        REFUSED = "refused", _("bị từ chối")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="constituency")
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("giá trị"), max_length=255)
    # Derived, for matching: hex bounds of the range, prefix length; reversed domain.
    range_start = models.CharField(max_length=32, blank=True, editable=False)
    range_end = models.CharField(max_length=32, blank=True, editable=False)
    prefix_len = models.PositiveSmallIntegerField(default=0, editable=False)
    match_key = models.CharField(max_length=255, blank=True, editable=False, db_index=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A claim inside or over another unit's claim is a request for delegation: it stays
    # pending (ignored by routing, who-owns and overlaps) until every unit it overlaps
    # (`consent_units`), or the committee office, accepts it; a refused one stays refused.
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    consent_units = models.ManyToManyField(Unit, blank=True, related_name="constituency_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("ý kiến"), max_length=300, blank=True)

    # The claimant's members, and the units asked to delegate (they must see what they decide).
    access_policy = UnitsPolicy(view=("unit", "consent_units"), write=("unit",))

    class Meta:
        ordering = ["unit__path", "kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "value"], name="constituency_unique_per_unit",
                violation_error_message=_("Đơn vị đã khai báo giá trị này."),
            )
        ]
        indexes = [models.Index(fields=["kind", "range_start", "range_end"], name="constituency_range_idx")]
        verbose_name = _("phạm vi quản lý")
        verbose_name_plural = _("phạm vi quản lý")

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"

    @staticmethod
    def ip_hex(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
        width = 8 if address.version == 4 else 32
        return f"{int(address):0{width}x}"


class CompletenessTarget(Versioned, models.Model):
    """The date by which the office wants every unit's body complete (one row per setting)."""

    target_date = models.DateField(_("hạn kiện toàn"))
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["-set_at"]
        verbose_name = _("hạn kiện toàn")
        verbose_name_plural = _("hạn kiện toàn")

    def __str__(self):
        return render_value(self.target_date)
