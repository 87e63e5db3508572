"""Core models: users, the hash-chained audit log, API tokens, and the TLP base for shared objects."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import AuditPolicy, OwnerPolicy, UnitFieldPolicy
from .concurrency import Versioned


class User(AbstractUser):
    """A login account. The person it belongs to (name, memberships) lives in `org.Person`."""

    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    language = models.CharField(
        _("ngôn ngữ"), max_length=8, choices=settings.LANGUAGES, default="vi"
    )
    # Bumped by "log out everywhere": it is part of the session hash, so every
    # session created before the bump stops validating on its next request.
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")

    def __str__(self):
        return self.full_name or self.username

    def get_session_auth_hash(self):
        base = super().get_session_auth_hash()
        return hashlib.sha256(f"{base}:{self.session_epoch}".encode()).hexdigest()

    @property
    def display_name(self):
        return self.full_name or self.username


class TLP(models.TextChoices):
    """Traffic Light Protocol 2.0 (FIRST)."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


class SharedObject(models.Model):
    """Base for every object shared under TLP: an owning unit, a label, and its audience.

    AMBER reaches `shared_with` units; RED reaches only `recipients` (and the owning
    unit's members who hold it by role are *not* included unless named).
    """

    owner_unit = models.ForeignKey(
        settings.VIGIL_UNIT_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị sở hữu")
    )
    tlp = models.CharField(_("TLP"), max_length=16, choices=TLP.choices, default=TLP.AMBER)
    shared_with = models.ManyToManyField(
        settings.VIGIL_UNIT_MODEL, blank=True, related_name="+", verbose_name=_("chia sẻ với đơn vị")
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("người nhận (TLP:RED)"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người tạo"),
    )

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One append-only entry of the audit log, chained to the previous one by HMAC-SHA256
    keyed with a secret kept outside the database (plain SHA-256 for older entries).

    Database triggers (see migration 0002) refuse UPDATE and DELETE on both SQLite and
    PostgreSQL; `vigil audit verify` recomputes the chain to find an altered or missing entry.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    unit = models.ForeignKey(
        settings.VIGIL_UNIT_MODEL, on_delete=models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )
    address = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=8, blank=True)  # web / api / cli / job
    action = models.CharField(max_length=32, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # How `hash` was computed: NULL = plain SHA-256 (entries written before the chain was
    # keyed), 1 = HMAC-SHA256 with the audit key kept outside the database (audit.py).
    # Nullable so that adding it is an ALTER TABLE ADD COLUMN that keeps the triggers.
    hash_alg = models.SmallIntegerField(null=True, blank=True, editable=False)

    access_policy = AuditPolicy()

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        verbose_name = _("nhật ký kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """Single row holding the chain's tail; locked FOR UPDATE so writers append in order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"audit chain head #{self.last_seq}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the secret is shown once."""

    class Scope(models.TextChoices):
        READ = "read", _("chỉ đọc")
        WRITE = "write", _("đọc và ghi")

    PREFIX = "vgl_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("tên"), max_length=100)
    key_id = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scope = models.CharField(_("phạm vi"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    access_policy = OwnerPolicy("user")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("khoá API")
        verbose_name_plural = _("khoá API")

    def __str__(self):
        return f"{self.name} ({self.PREFIX}{self.key_id}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def new_secret(cls) -> tuple[str, str]:
        """Return (key_id, full token). The token is `vgl_<key_id>_<secret>`."""
        key_id = secrets.token_hex(6)
        return key_id, f"{cls.PREFIX}{key_id}_{secrets.token_urlsafe(32)}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Notification(models.Model):
    """One notice to one user (a reminder, an escalation, a digest), shown in the app and/or
    sent by e-mail as the user's preferences say. Title and body are written in the
    recipient's language when it is created; a text the platform wrote is also kept as a
    message and its parameters (`texts`, see `core.texts`), so that `display_title` and
    `display_body` read in the language of whoever opens it. `unit` is the unit it is about (for the
    audit log); `key`, when set, makes it once-only per (recipient, kind, key).
    A row whose user wants e-mail only has `in_app` off: it records the delivery."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("người nhận"),
    )
    unit = models.ForeignKey(
        settings.VIGIL_UNIT_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("đơn vị"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("loại thông báo"), max_length=64)
    key = models.CharField(max_length=100, blank=True)
    title = models.CharField(_("tiêu đề"), max_length=300)
    body = models.TextField(_("nội dung"), blank=True)
    url = models.CharField(_("đường dẫn"), max_length=500, blank=True)
    in_app = models.BooleanField(default=True)
    created_at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    email_to = models.EmailField(_("gửi thư tới"), blank=True)
    email_sent_at = models.DateTimeField(_("đã gửi thư lúc"), null=True, blank=True)
    email_error = models.CharField(_("lỗi gửi thư"), max_length=500, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    texts = models.JSONField(default=dict, blank=True)

    access_policy = OwnerPolicy("recipient")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        indexes = [
            models.Index(fields=["recipient", "in_app", "read_at"], name="core_notif_unread_idx"),
            models.Index(fields=["recipient", "created_at"], name="core_notif_recipient_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"], condition=~models.Q(key=""),
                name="core_notification_once",
                violation_error_message=_("Người nhận đã có thông báo này."),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def display_title(self) -> str:
        from .texts import render_stored

        return (render_stored((self.texts or {}).get("title")) or self.title)[:300]

    @property
    def display_body(self) -> str:
        from .texts import render_stored

        return render_stored((self.texts or {}).get("body")) or self.body


class NotificationPreference(Versioned, models.Model):
    """Whether a user wants one kind of notification through one channel. Without a row
    the kind's default applies (in the app and by e-mail)."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("Trong ứng dụng")
        EMAIL = "email", _("Thư điện tử")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("loại thông báo"), max_length=64)
    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(_("nhận"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    access_policy = OwnerPolicy("user")

    class Meta:
        ordering = ["kind", "channel"]
        verbose_name = _("tuỳ chọn thông báo")
        verbose_name_plural = _("tuỳ chọn thông báo")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="core_notification_pref_unique",
                violation_error_message=_("Tuỳ chọn này đã có."),
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.channel}={self.enabled}"


class WebhookEndpoint(Versioned, models.Model):
    """A URL a unit's systems listen on: notifications about the unit (and, with
    `include_descendants`, its subtree) of the chosen kinds are POSTed to it as JSON,
    signed with HMAC-SHA256 (Standard Webhooks headers) with the endpoint's secret."""

    unit = models.ForeignKey(settings.VIGIL_UNIT_MODEL, on_delete=models.CASCADE, related_name="webhooks",
                             verbose_name=_("đơn vị"))
    name = models.CharField(_("tên"), max_length=100)
    url = models.URLField(_("địa chỉ nhận"), max_length=500)
    secret = models.CharField(max_length=100, editable=False)
    kinds = models.JSONField(_("loại thông báo"), default=list, blank=True)  # [] = every kind
    include_descendants = models.BooleanField(_("gồm cả đơn vị cấp dưới"), default=False)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    access_policy = UnitFieldPolicy("unit")

    class Meta:
        ordering = ["unit__path", "name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhook")

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One event for one endpoint and every attempt to deliver it (the delivery log)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        DELIVERED = "delivered", _("Đã gửi")
        FAILED = "failed", _("Gửi lỗi, sẽ thử lại")
        GAVE_UP = "gave_up", _("Đã dừng thử lại")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # Every attempt: [{"at", "attempt", "status_code", "error", "outcome"}], oldest first.
    attempt_log = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    access_policy = UnitFieldPolicy("endpoint__unit")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="core_webhook_due_idx")]

    def __str__(self):
        return f"{self.endpoint_id} {self.kind} {self.status}"
