"""Information systems a unit operates: what they are for, where they are hosted, their
addresses, their security classification level (Decree 85/2016, levels 1-5) with the
approval decision, whether they are designated important to national security, and
their software inventory as CPE 2.3 names.

Addresses keep the same derived matching columns as the constituency (hex IP bounds,
reversed domains), so "which system is this IP or domain?" is an indexed look-up, the
way incidents find their owning unit.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.access import UnitFieldPolicy
from vigil.core.concurrency import Versioned

USER = settings.AUTH_USER_MODEL


class InformationSystem(Versioned, models.Model):
    """An information system registered by its owning unit."""

    class Hosting(models.TextChoices):
        ON_PREMISES = "on_premises", _("Tại chỗ (máy chủ của đơn vị)")
        GOV_DATACENTER = "gov_datacenter", _("Trung tâm dữ liệu nhà nước")
        COLOCATION = "colocation", _("Thuê chỗ đặt máy chủ")
        CLOUD = "cloud", _("Điện toán đám mây")
        HYBRID = "hybrid", _("Kết hợp")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Đang xây dựng")
        OPERATING = "operating", _("Đang vận hành")
        RETIRED = "retired", _("Đã dừng vận hành")

    owner_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="information_systems",
        verbose_name=_("đơn vị chủ quản"),
    )
    code = models.CharField(_("mã hệ thống"), max_length=64)
    name = models.CharField(_("tên hệ thống"), max_length=300)
    purpose = models.TextField(_("mục đích, chức năng"), blank=True)
    operator = models.CharField(_("đơn vị vận hành"), max_length=300, blank=True)
    hosting = models.CharField(_("hình thức triển khai"), max_length=20, choices=Hosting.choices,
                               default=Hosting.ON_PREMISES)
    hosting_detail = models.CharField(_("nơi đặt hệ thống"), max_length=300, blank=True)
    sector = models.CharField(_("lĩnh vực"), max_length=64, blank=True)
    status = models.CharField(_("tình trạng"), max_length=16, choices=Status.choices, default=Status.OPERATING)
    level = models.PositiveSmallIntegerField(
        _("cấp độ an toàn"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Cấp độ 1–5 theo Nghị định 85/2016/NĐ-CP; để trống nếu chưa xác định."),
    )
    level_decision_number = models.CharField(_("số quyết định phê duyệt cấp độ"), max_length=64, blank=True)
    level_decision_date = models.DateField(_("ngày phê duyệt cấp độ"), null=True, blank=True)
    national_security_important = models.BooleanField(_("quan trọng về an ninh quốc gia"), default=False)
    review_due = models.DateField(_("hạn rà soát"), null=True, blank=True)
    reapproval_due = models.DateField(_("hạn phê duyệt lại hồ sơ cấp độ"), null=True, blank=True)
    contact_name = models.CharField(_("người phụ trách"), max_length=200, blank=True)
    contact_email = models.EmailField(_("thư điện tử liên hệ"), blank=True)
    contact_phone = models.CharField(_("điện thoại liên hệ"), max_length=32, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = UnitFieldPolicy("owner_unit")

    class Meta:
        ordering = ["owner_unit__path", "name"]
        verbose_name = _("hệ thống thông tin")
        verbose_name_plural = _("hệ thống thông tin")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_unit", "code"], name="assets_system_code_unique",
                violation_error_message=_("Đơn vị đã có hệ thống mang mã này."),
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=5),
                name="assets_system_level_range",
                violation_error_message=_("Cấp độ phải từ 1 đến 5."),
            ),
        ]
        indexes = [
            models.Index(fields=["review_due"], name="assets_system_review_idx"),
            models.Index(fields=["reapproval_due"], name="assets_system_reapproval_idx"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.level and not self.level_decision_number.strip() and self.level_decision_date:
            errors["level_decision_number"] = _("Hãy ghi số quyết định phê duyệt cấp độ.")
        if self.level_decision_number.strip() and not self.level_decision_date:
            errors["level_decision_date"] = _("Hãy ghi ngày của quyết định phê duyệt cấp độ.")
        if self.level_decision_number.strip() and not self.level:
            errors["level"] = _("Quyết định phê duyệt phải gắn với một cấp độ.")
        if errors:
            raise ValidationError(errors)


class SystemAddress(Versioned, models.Model):
    """An IP address or range, a domain or a URL where a system is reached."""

    class Kind(models.TextChoices):
        IPV4 = "ipv4", "IPv4"
        IPV6 = "ipv6", "IPv6"
        DOMAIN = "domain", _("tên miền")
        URL = "url", "URL"

    system = models.ForeignKey(InformationSystem, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("địa chỉ"), max_length=500)
    # Derived, for matching (as org.ConstituencyEntry): hex bounds and prefix of an IP
    # range; the reversed host name of a domain or URL.
    range_start = models.CharField(max_length=32, blank=True, editable=False)
    range_end = models.CharField(max_length=32, blank=True, editable=False)
    prefix_len = models.PositiveSmallIntegerField(default=0, editable=False)
    match_key = models.CharField(max_length=255, blank=True, editable=False, db_index=True)

    access_policy = UnitFieldPolicy("system__owner_unit")

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("địa chỉ của hệ thống")
        verbose_name_plural = _("địa chỉ của hệ thống")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "kind", "value"], name="assets_address_unique",
                violation_error_message=_("Hệ thống đã có địa chỉ này."),
            )
        ]
        indexes = [models.Index(fields=["kind", "range_start", "range_end"], name="assets_address_range_idx")]

    def __str__(self):
        return self.value


class SoftwareItem(models.Model):
    """One product in a system's software inventory, named by CPE 2.3."""

    system = models.ForeignKey(InformationSystem, on_delete=models.CASCADE, related_name="software")
    cpe = models.CharField(_("tên CPE 2.3"), max_length=500)
    # Parsed from the CPE name, for search and for matching advisories later.
    part = models.CharField(_("loại"), max_length=1, editable=False)
    vendor = models.CharField(_("nhà cung cấp"), max_length=200, editable=False, db_index=True)
    product = models.CharField(_("sản phẩm"), max_length=200, editable=False, db_index=True)
    version = models.CharField(_("phiên bản"), max_length=100, editable=False, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    access_policy = UnitFieldPolicy("system__owner_unit")

    class Meta:
        ordering = ["vendor", "product", "version"]
        verbose_name = _("phần mềm")
        verbose_name_plural = _("danh mục phần mềm")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "cpe"], name="assets_software_unique",
                violation_error_message=_("Phần mềm này đã có trong danh mục của hệ thống."),
            )
        ]

    def __str__(self):
        return self.cpe
