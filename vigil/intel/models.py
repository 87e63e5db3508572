"""Threat intelligence: indicators, the sources that assert them, feeds, sightings,
warninglists, taxonomies, imports, and the TAXII 2.1 collections and stored STIX objects.

An indicator is one normalised value of one type, unique network-wide. Each source that
asserts it leaves a claim (`IndicatorSource`: who said it, when, how confident, under
which TLP, with which tags and ATT&CK references, and until when it stays valid). The
indicator keeps the roll-up: the most permissive label of its claims (so CLEAR and GREEN
indicators reach every member at once), the highest confidence, the first and last time
anyone saw it, and the latest expiry. A claim's audience is its source's: the source's
owning unit, the units it is shared with, its named recipients.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.access import (
    GlobalPolicy,
    OwnerPolicy,
    ParentPolicy,
    TLPPolicy,
)
from vigil.core.concurrency import Versioned
from vigil.core.models import TLP, SharedObject

from . import types
from .access import BorrowedAudiencePolicy, RollupLabelPolicy

USER = settings.AUTH_USER_MODEL
# Vigil's STIX ids for indicators are uuid5(STIX_NAMESPACE, "type:value"): stable across
# exports, servers and re-imports, so a TAXII client sees one object per value.
STIX_NAMESPACE = uuid.UUID("5b7d3c1e-9a4f-5e2b-8c6d-0f1e2a3b4c5d")
_NAMESPACE_BYTES = STIX_NAMESPACE.bytes
TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]  # most permissive first


class Source(Versioned, SharedObject):
    """Who asserts indicators: a feed, a partner organisation, a unit's own analysts, an
    incident, a TAXII client. `tlp` labels the source record and is the default label of
    its claims; `lifetime_days` overrides the decay model's lifetime for its claims."""

    class Kind(models.TextChoices):
        FEED = "feed", _("Nguồn cấp tự động")
        PARTNER = "partner", _("Đối tác chia sẻ")
        MANUAL = "manual", _("Nhập thủ công")
        INCIDENT = "incident", _("Từ sự cố")
        TAXII = "taxii", _("Gửi qua TAXII")

    class Reliability(models.TextChoices):  # NATO Admiralty scale, source reliability
        A = "A", _("A – Hoàn toàn tin cậy")
        B = "B", _("B – Thường tin cậy")
        C = "C", _("C – Khá tin cậy")
        D = "D", _("D – Thường không tin cậy")
        E = "E", _("E – Không tin cậy")
        F = "F", _("F – Chưa đánh giá được")

    name = models.CharField(_("tên nguồn"), max_length=200)
    kind = models.CharField(_("loại nguồn"), max_length=16, choices=Kind.choices, default=Kind.MANUAL)
    description = models.TextField(_("mô tả"), blank=True)
    reliability = models.CharField(_("độ tin cậy của nguồn"), max_length=1, choices=Reliability.choices,
                                   default=Reliability.F)
    default_confidence = models.PositiveSmallIntegerField(_("độ tin cậy mặc định (0–100)"), default=50)
    lifetime_days = models.PositiveIntegerField(
        _("thời gian sống (ngày)"), null=True, blank=True,
        help_text=_("Để trống để dùng mô hình suy giảm theo loại chỉ báo."),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = TLPPolicy()

    class Meta:
        ordering = ["name"]
        verbose_name = _("nguồn tri thức")
        verbose_name_plural = _("nguồn tri thức")
        constraints = [
            models.UniqueConstraint(fields=["owner_unit", "name"], name="intel_source_name_unique",
                                    violation_error_message=_("Đơn vị đã có nguồn mang tên này.")),
            models.CheckConstraint(condition=Q(default_confidence__lte=100), name="intel_source_confidence_range",
                                   violation_error_message=_("Độ tin cậy phải từ 0 đến 100.")),
        ]

    def __str__(self):
        return self.name


class Feed(Versioned, models.Model):
    """A feed a scheduled job pulls: a URL (HTTP/HTTPS) or a file path, in one format, every
    `interval_minutes`. Each run is recorded; values it no longer lists keep their last-seen
    time and age out by the decay model."""

    class Format(models.TextChoices):
        LIST = "list", _("Danh sách (mỗi dòng một giá trị)")
        HOSTS = "hosts", _("Tệp hosts (0.0.0.0 tên-miền)")
        CSV = "csv", _("CSV")
        STIX = "stix", _("STIX 2.1")
        MISP = "misp", _("Sự kiện MISP (JSON)")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="feeds", verbose_name=_("nguồn"))
    name = models.CharField(_("tên nguồn cấp"), max_length=200)
    url = models.CharField(_("địa chỉ URL"), max_length=1000, blank=True)
    path = models.CharField(_("đường dẫn tệp"), max_length=1000, blank=True)
    format = models.CharField(_("định dạng"), max_length=16, choices=Format.choices, default=Format.LIST)
    indicator_type = models.CharField(_("loại chỉ báo"), max_length=16, choices=types.choices(), blank=True,
                                      help_text=_("Với danh sách: để trống để tự nhận diện từng dòng."))
    options = models.JSONField(_("tuỳ chọn định dạng"), default=dict, blank=True,
                               help_text=_("Với CSV: ánh xạ cột, ví dụ {\"value\": \"ioc_value\", \"type\": \"ioc_type\"}."))
    confidence = models.PositiveSmallIntegerField(_("độ tin cậy (0–100)"), null=True, blank=True)
    tlp = models.CharField(_("TLP"), max_length=16, choices=TLP.choices, blank=True)
    interval_minutes = models.PositiveIntegerField(_("chu kỳ (phút)"), default=60)
    enabled = models.BooleanField(_("đang bật"), default=True)
    next_run_at = models.DateTimeField(_("lần chạy tiếp theo"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("lần chạy gần nhất"), null=True, blank=True)
    http_etag = models.CharField(max_length=300, blank=True)
    http_last_modified = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = ParentPolicy("source")

    class Meta:
        ordering = ["name"]
        verbose_name = _("nguồn cấp")
        verbose_name_plural = _("nguồn cấp")
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(path="")) | (~Q(url="") & Q(path="")),
                name="intel_feed_url_or_path",
                violation_error_message=_("Nhập đúng một trong hai: địa chỉ URL hoặc đường dẫn tệp."),
            ),
        ]

    def __str__(self):
        return self.name


class FeedRun(models.Model):
    """One pull of a feed: when, what came back and what it changed."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Hoàn thành")
        UNCHANGED = "unchanged", _("Không thay đổi")
        FAILED = "failed", _("Lỗi")

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    access_policy = ParentPolicy("feed__source")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["feed", "-started_at"], name="intel_feedrun_feed_idx")]

    def __str__(self):
        return f"{self.feed} @ {self.started_at:%Y-%m-%d %H:%M}"


class Taxonomy(models.Model):
    """A MISP taxonomy (machine-tag namespace) loaded as data."""

    namespace = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    exclusive = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["namespace"]

    def __str__(self):
        return self.namespace


class Tag(models.Model):
    """A tag: a MISP machine tag (`namespace:predicate="value"`) or free text."""

    name = models.CharField(max_length=255, unique=True)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.SET_NULL, null=True, blank=True, related_name="tags")
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, blank=True)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Warninglist(models.Model):
    """A list of known-benign values (MISP warninglist format). A match stops an indicator
    from being activated and says which list and why."""

    class Kind(models.TextChoices):
        CIDR = "cidr", "cidr"
        HOSTNAME = "hostname", "hostname"
        STRING = "string", "string"
        SUBSTRING = "substring", "substring"
        REGEX = "regex", "regex"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    version = models.BigIntegerField(default=1)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    matching_attributes = models.JSONField(default=list, blank=True)
    entries = models.JSONField(default=list, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Indicator(models.Model):
    """One normalised value of one type, with the roll-up of its sources' claims.

    Active means: not revoked, not on a warninglist, not past its expiry."""

    type = models.CharField(_("loại"), max_length=16, choices=types.choices())
    value = models.CharField(_("giá trị"), max_length=2048)
    stix_uuid = models.UUIDField(unique=True, editable=False,
                                 help_text="uuid5(STIX_NAMESPACE, 'type:value'): the value's identity")
    tlp = models.CharField(_("TLP"), max_length=16, choices=TLP.choices, default=TLP.AMBER)
    confidence = models.PositiveSmallIntegerField(_("độ tin cậy"), default=50)
    first_seen = models.DateTimeField(_("thấy lần đầu"))
    last_seen = models.DateTimeField(_("thấy lần cuối"))
    expires_at = models.DateTimeField(_("hết hiệu lực"))
    warning = models.CharField(_("danh sách cảnh báo"), max_length=500, blank=True)
    # An analyst's decision that a value on a warninglist is malicious all the same (a
    # phishing page on a popular hosting platform): it is activated despite the list.
    warning_allowed_at = models.DateTimeField(_("kích hoạt bất chấp danh sách cảnh báo lúc"), null=True, blank=True)
    warning_allowed_reason = models.TextField(_("lý do kích hoạt bất chấp danh sách cảnh báo"), blank=True)
    warning_allowed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                           db_index=False, db_constraint=False)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_reason = models.TextField(_("lý do thu hồi"), blank=True)
    # No index nor database-level key: revocations are rare, and every index or deferred
    # key check costs the bulk import (Django's SET_NULL handles a deleted user).
    revoked_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   db_index=False, db_constraint=False)
    description = models.TextField(_("mô tả"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    access_policy = RollupLabelPolicy(children="claims", parent_field="indicator")

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("chỉ báo")
        verbose_name_plural = _("chỉ báo")
        # (type, value) is unique through `stix_uuid`, a name-based uuid5 of "type:value": one
        # 16-byte unique index serves the upsert, exact look-ups and TAXII's match[id], where
        # a second unique index over the text would cost every bulk import a third of its time.
        indexes = [
            models.Index(fields=["updated_at", "id"], name="intel_ind_updated_idx"),
        ]

    def __str__(self):
        return f"{self.type}:{types.defang(self.type, self.value)}"

    @staticmethod
    def uuid_for(type_code: str, value: str) -> uuid.UUID:
        """uuid5(STIX_NAMESPACE, "type:value"), computed without uuid5's overhead (bulk imports)."""
        digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{type_code}:{value}".encode()).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        return uuid.UUID(bytes=bytes(digest))

    @property
    def stix_id(self) -> str:
        return f"indicator--{self.stix_uuid}"

    @property
    def display_value(self) -> str:
        return types.defang(self.type, self.value)

    def status_at(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.warning and not self.warning_allowed_at:
            return "warninglisted"
        if self.expires_at <= now:
            return "expired"
        return "active"

    @property
    def status(self) -> str:
        return self.status_at()


class IndicatorSource(models.Model):
    """A source's claim about an indicator: who said it, when, how sure, under which label,
    with which tags and ATT&CK references, and until when it stays valid."""

    # Both look-ups are served by the composite indexes below (unique (indicator, source) and
    # (source, indicator)); single-column indexes would only slow the bulk import down. No
    # database-level foreign keys either: on PostgreSQL they are deferred triggers that cost
    # a quarter of an import's time at commit, while every claim is written by the import's
    # own join against the indicator and source rows (so it cannot dangle) and removed
    # with them by Django's cascade (sources and indicators are only deleted through it).
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="claims", db_index=False,
                                  db_constraint=False)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="claims", db_index=False,
                               db_constraint=False)
    tlp = models.CharField(_("TLP"), max_length=16, choices=TLP.choices, default=TLP.AMBER)
    confidence = models.PositiveSmallIntegerField(_("độ tin cậy"), default=50)
    first_seen = models.DateTimeField(_("thấy lần đầu"))
    last_seen = models.DateTimeField(_("thấy lần cuối"))
    expires_at = models.DateTimeField(_("hết hiệu lực"))
    description = models.TextField(_("mô tả"), blank=True)
    attack_ids = models.JSONField(_("kỹ thuật ATT&CK"), default=list, blank=True)
    kill_chain = models.JSONField(_("giai đoạn chuỗi tấn công"), default=list, blank=True)
    external_id = models.CharField(_("mã ở nguồn"), max_length=255, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    access_policy = BorrowedAudiencePolicy("source")

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "source"], name="intel_claim_unique"),
        ]
        indexes = [models.Index(fields=["source", "indicator"], name="intel_claim_source_idx")]

    def __str__(self):
        return f"{self.source} → {self.indicator}"


class Sighting(SharedObject):
    """Someone saw the indicator: in their telemetry, in an incident, by hand."""

    class Origin(models.TextChoices):
        MANUAL = "manual", _("Ghi nhận thủ công")
        DETECTION = "detection", _("Phát hiện từ dữ liệu giám sát")
        INCIDENT = "incident", _("Trong sự cố")
        IMPORT = "import", _("Từ dữ liệu nhập")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="sightings")
    origin = models.CharField(_("nguồn ghi nhận"), max_length=16, choices=Origin.choices, default=Origin.MANUAL)
    seen_at = models.DateTimeField(_("thời điểm thấy"), default=timezone.now)
    count = models.PositiveIntegerField(_("số lần"), default=1)
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    access_policy = TLPPolicy()

    class Meta:
        ordering = ["-seen_at"]
        indexes = [models.Index(fields=["indicator", "-seen_at"], name="intel_sighting_ind_idx")]

    def __str__(self):
        return f"{self.indicator} @ {self.seen_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """One import of a file (or a feed's body) into a source. Batches commit one by one with
    the job's checkpoint, so an interrupted import resumes where it stopped; a file already
    imported in full into the same source is recognised by its SHA-256 and changes nothing."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Đang nhập")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="imports")
    format = models.CharField(max_length=16)
    filename = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    records_done = models.BigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    options = models.JSONField(default=dict, blank=True)
    started_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    access_policy = ParentPolicy("source")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "sha256"], name="intel_import_sha_idx")]

    def __str__(self):
        return f"{self.source}: {self.filename}"


class TaxiiCollection(models.Model):
    """A TAXII 2.1 collection. `indicators` collections are views over the indicator table
    at one label; `objects` collections store the STIX objects members add or import."""

    class Kind(models.TextChoices):
        INDICATORS = "indicators", _("Chỉ báo của Vigil")
        OBJECTS = "objects", _("Đối tượng STIX chia sẻ")

    uuid = models.UUIDField(unique=True)
    alias = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    tlp = models.CharField(max_length=16, choices=TLP.choices)

    access_policy = GlobalPolicy()

    class Meta:
        ordering = ["kind", "alias"]

    def __str__(self):
        return self.title


class StixObject(SharedObject):
    """One version of a STIX object kept as sent (identified by id and `modified`)."""

    collection = models.ForeignKey(TaxiiCollection, on_delete=models.CASCADE, related_name="stix_objects")
    source = models.ForeignKey(Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stix_id = models.CharField(max_length=100)
    type = models.CharField(max_length=64)
    version = models.CharField(max_length=40)  # `modified`, or `created`, as sent
    spec_version = models.CharField(max_length=8, default="2.1")
    date_added = models.DateTimeField(default=timezone.now)
    data = models.JSONField()

    access_policy = TLPPolicy()

    class Meta:
        ordering = ["date_added", "id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "stix_id", "version"], name="intel_stix_version_unique"),
        ]
        indexes = [
            models.Index(fields=["collection", "date_added", "id"], name="intel_stix_added_idx"),
            models.Index(fields=["stix_id"], name="intel_stix_id_idx"),
        ]


class TaxiiStatus(models.Model):
    """The status resource of one "add objects" request (TAXII 2.1, section 4.3)."""

    uuid = models.UUIDField(unique=True)
    collection = models.ForeignKey(TaxiiCollection, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, default="pending")
    request_timestamp = models.DateTimeField(default=timezone.now)
    total_count = models.PositiveIntegerField(default=0)
    success_count = models.PositiveIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)
    pending_count = models.PositiveIntegerField(default=0)
    successes = models.JSONField(default=list, blank=True)
    failures = models.JSONField(default=list, blank=True)
    pendings = models.JSONField(default=list, blank=True)

    access_policy = OwnerPolicy("user")

    def __str__(self):
        return str(self.uuid)
