"""django-ninja schemas of core: the user, API tokens, roles and the audit log."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import WithJsonSchema

# A local wall-clock time ("08:30" or "08:30:00"). Pydantic documents `datetime.time` as
# `format: time`, which JSON Schema reads as RFC 3339 full-time with an offset: the answers
# ("08:30:00") then contradicted the document and offsets in requests were accepted.
LocalTime = Annotated[dt.time, WithJsonSchema({
    "type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "description": "Local time, HH:MM or HH:MM:SS (no offset)", "examples": ["08:30"],
})]


class UnitRef(Schema):
    """A unit as every other object of the API shows it (an incident's owner, a task's lead
    unit, a source's owner, a row of a report...): the one shape, whatever the app. `name`
    is the official (Vietnamese) name and `name_en` the English one, as the unit's own
    resource (`GET /org/units/{id}`) gives them: the same unit reads the same in every
    answer and in every language of the request. Built from a unit object (any model with
    these attributes: core imports no domain app)."""

    id: int
    code: str
    name: str
    name_en: str = Field(description="English name; empty when the unit has none")

    @staticmethod
    def resolve_name_en(obj) -> str:
        return (obj.get("name_en") if isinstance(obj, dict) else getattr(obj, "name_en", "")) or ""


# A unit named in a request: its id, or its code (`vigil.core.directory.unit_ref` resolves it).
UnitRefIn = int | str


class MembershipOut(Schema):
    unit: UnitRef
    unit_id: int = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str = Field(description="Deprecated (one release): `unit.code`")
    unit_name: str = Field(description="Deprecated (one release): `unit.name`")
    role: str
    actions: list[str]
    reaches_descendants: bool


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    language: str
    network_wide: bool
    second_factor_required: bool
    memberships: list[MembershipOut]


class MePatch(Schema):
    """Fields left out stay as they are."""

    language: str | None = Field(None, description="vi or en: pages, notifications and documents for this user")


class MessageOut(Schema):
    detail: str


class TokenOut(Schema):
    id: int
    name: str
    key_id: str = Field(description="Public part of the token: vgl_<key_id>_…")
    scope: Literal["read", "write"]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.is_active


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="The full token. Shown once: only its hash is stored.")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    scope: Literal["read", "write"] = "read"
    days: int = Field(90, ge=1, le=366, description="Lifetime in days (1–366)")


class RoleOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    actions: list[str]
    reaches_descendants: bool
    requires_2fa: bool


class RolePatch(Schema):
    requires_2fa: bool


class AuditFilterIn(Schema):
    actor: str = Field("", max_length=150, description="Part of the actor's user name")
    unit: int | None = Field(None, description="Unit id; its subtree is included")
    action: str = Field("", max_length=32)
    object_type: str = Field("", max_length=64, description="e.g. org.unit, core.apitoken")
    object_id: str = Field("", max_length=64)
    date_from: dt.date | None = Field(None, description="Inclusive, local date")
    date_to: dt.date | None = Field(None, description="Inclusive, local date")
    q: str = Field("", max_length=200, description="Text in the object's description")


class AuditEntryOut(Schema):
    id: int
    seq: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    unit: UnitRef | None
    unit_id: int | None = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str | None = Field(description="Deprecated (one release): `unit.code`")
    address: str | None
    channel: str
    action: str
    object_type: str
    object_id: str
    object_repr: str

    @staticmethod
    def resolve_unit(obj):
        return obj.unit if obj.unit_id else None

    @staticmethod
    def resolve_unit_code(obj) -> str | None:
        unit = obj.unit if obj.unit_id else None
        return unit.code if unit is not None else None


class ChangeOut(Schema):
    field: str
    before: Any = None
    after: Any = None


class AuditEntryDetailOut(AuditEntryOut):
    before: dict | None
    after: dict | None
    changes: list[ChangeOut]
    hash: str
    prev_hash: str
