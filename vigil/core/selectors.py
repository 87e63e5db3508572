"""Core reads: API tokens, TOTP devices, roles, users and the audit log.

Every function that returns data on behalf of a user starts from
`core.access.visible_to(user, ...)`; the few that the CLI uses with the platform's own
authority (looking a user up by name) say so in their docstring.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .access import scope_of, visible_to
from .errors import NotFound
from .models import ApiToken, AuditEntry, User

# --------------------------------------------------------------------------- users


def user_by_username(username: str) -> User:
    """The account named `username` (exact, then case-insensitive), for CLI commands that
    run with the platform operator's authority. Raises NotFound."""
    from django.utils.translation import gettext as _

    users = User._default_manager
    found = users.filter(username=username).first() or users.filter(username__iexact=username).first()
    if found is None:
        raise NotFound(_("Không có tài khoản tên %(u)s.") % {"u": username}, field="username")
    return found


# --------------------------------------------------------------------------- tokens


def token_list(*, user) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first (a user never sees another's tokens)."""
    return visible_to(user, ApiToken).order_by("-created_at", "-pk")


def token_get(*, user, token_id: int) -> ApiToken:
    """One of the user's own tokens by id; NotFound for anyone else's."""
    token = visible_to(user, ApiToken).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    return token


def token_get_by_key(*, user, key_id: str) -> ApiToken:
    """One of the user's own tokens by its public key id (`vgl_<key_id>_…`)."""
    from django.utils.translation import gettext as _

    key_id = (key_id or "").strip()
    if key_id.startswith(ApiToken.PREFIX):
        key_id = key_id[len(ApiToken.PREFIX):].split("_", 1)[0]
    token = visible_to(user, ApiToken).filter(key_id=key_id).first()
    if token is None:
        raise NotFound(_("Không có khoá API %(k)s của tài khoản này.") % {"k": key_id}, field="key_id")
    return token


# --------------------------------------------------------------------------- TOTP devices


def otp_devices(*, user, confirmed: bool | None = True) -> list:
    """The user's own TOTP devices (django-otp's helper filters by user)."""
    from django_otp import devices_for_user

    if not getattr(user, "is_authenticated", False):
        return []
    return list(devices_for_user(user, confirmed=confirmed))


def otp_pending_device(*, user):
    """The user's unconfirmed TOTP device being enrolled, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for device in otp_devices(user=user, confirmed=False):
        if isinstance(device, TOTPDevice):
            return device
    return None


# --------------------------------------------------------------------------- roles


def role_list(*, user) -> QuerySet:
    """Roles (reference data every member reads), with their number of active memberships."""
    from vigil.org.models import Role

    today = timezone.localdate()
    active = Q(memberships__since__lte=today) & (
        Q(memberships__until__isnull=True) | Q(memberships__until__gt=today)
    )
    return (
        visible_to(user, Role)
        .annotate(active_members=Count("memberships", filter=active, distinct=True))
        .order_by("sort_order", "code")
    )


def role_get(*, user, role_id: int, action: str = "view"):
    """One role on which `user` may perform `action`; NotFound otherwise."""
    from vigil.org.models import Role

    role = visible_to(user, Role, action).filter(pk=role_id).first()
    if role is None:
        raise NotFound()
    return role


def role_by_code(code: str):
    """A role by its code, for the CLI (reference data, platform authority). NotFound."""
    from django.utils.translation import gettext as _

    from vigil.org.models import Role

    role = Role._default_manager.filter(code=code).first()
    if role is None:
        raise NotFound(_("Vai trò không tồn tại: %(c)s") % {"c": code}, field="role")
    return role


# --------------------------------------------------------------------------- audit log


def is_auditor(user) -> bool:
    """Whether the user holds the `audit` action anywhere (or is a superuser)."""
    scope = scope_of(user)
    return scope.superuser or any("audit" in g.actions or "admin" in g.actions for g in scope.grants)


@dataclass
class AuditFilter:
    """The one filter definition of the audit log, used by the page and the API alike.

    `unit` includes the unit's subtree; `date_from`/`date_to` are inclusive local dates;
    `q` searches the object's description; `actor` matches part of the user name.
    """

    actor: str = ""
    unit: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""

    def is_empty(self) -> bool:
        return not any(
            [self.actor, self.unit, self.action, self.object_type, self.object_id,
             self.date_from, self.date_to, self.q]
        )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class _RedactedEntries(QuerySet):
    """Audit entries read on behalf of `reader`: each entry about an object under a TLP
    label that the reader may not read is shown by reference only (see `redact_entries`),
    however the queryset is later sliced, paginated or iterated."""

    reader = None

    def _clone(self):
        clone = super()._clone()
        clone.reader = self.reader
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self.reader is not None and self._result_cache:
            redact_entries(self.reader, [e for e in self._result_cache if isinstance(e, AuditEntry)])


def _redacted(qs: QuerySet, user) -> QuerySet:
    qs = qs._chain()
    qs.__class__ = _RedactedEntries
    qs.reader = user
    return qs


def redact_entries(user, entries) -> None:
    """Audit entries never carry more than their reader may see of their object: for an
    object under a TLP label (an incident and what hangs off it, a decision, a source...)
    that `user` may not read, the name becomes its kind and id ("Sự cố #123") and the
    before/after snapshots are withheld. Decided through the access layer; changes the
    instances in memory only (the log itself is append-only)."""
    from django.apps import apps

    from .access import hidden_ids, neutral_name

    by_type: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        if entry.object_type and entry.object_id:
            by_type.setdefault(entry.object_type, []).append(entry)
    for label, group in by_type.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        hidden = hidden_ids(user, model, [e.object_id for e in group])
        for entry in group:
            if entry.object_id in hidden:
                entry.object_repr = neutral_name(model, entry.object_id)
                entry.before = None
                entry.after = None


def audit_entries(*, user, filters: AuditFilter | None = None) -> QuerySet[AuditEntry]:
    """Audit entries the user may read (auditors, for the units in their scope), filtered,
    newest first."""
    f = filters or AuditFilter()
    qs = visible_to(user, AuditEntry).select_related("unit")
    if f.actor:
        qs = qs.filter(actor_name__icontains=f.actor.strip())
    if f.unit:
        from vigil.org.models import Unit

        unit = visible_to(user, Unit).filter(pk=f.unit).first()
        if unit is None:
            return qs.none()
        qs = qs.filter(unit__path__startswith=unit.path)
    if f.action:
        qs = qs.filter(action=f.action.strip())
    if f.object_type:
        qs = qs.filter(object_type=f.object_type.strip().lower())
    if f.object_id:
        qs = qs.filter(object_id=str(f.object_id).strip())
    if f.date_from:
        qs = qs.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    if f.q:
        qs = qs.filter(object_repr__icontains=f.q.strip())
    return _redacted(qs.order_by("-seq"), user)


def audit_entry_get(*, user, entry_id: int) -> AuditEntry:
    """One audit entry the user may read; NotFound otherwise (its existence stays hidden)."""
    entry = visible_to(user, AuditEntry).select_related("unit").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    redact_entries(user, [entry])
    return entry


def audit_units(*, user) -> QuerySet:
    """Units whose entries the user may read, for the unit filter."""
    from vigil.org.models import Unit

    return visible_to(user, Unit, "audit").filter(is_active=True).order_by("path")


def audit_vocabulary(*, user) -> dict[str, list[str]]:
    """Distinct actions and object types among the entries the user may read (for pickers)."""
    qs = visible_to(user, AuditEntry).order_by()
    return {
        "actions": sorted(a for a in qs.values_list("action", flat=True).distinct() if a),
        "object_types": sorted(t for t in qs.values_list("object_type", flat=True).distinct() if t),
    }


def audit_diff(entry: AuditEntry) -> list[dict]:
    """Field-by-field comparison of an entry's `before` and `after` snapshots."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    rows = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        rows.append({
            "field": key,
            "before": b,
            "after": a,
            "in_before": key in before,
            "in_after": key in after,
            "changed": key not in before or key not in after or b != a,
        })
    return rows
