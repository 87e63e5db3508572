"""Role administration: which roles require a second factor."""

from __future__ import annotations

from django.db import transaction

from .. import audit, concurrency, directory
from ..access import require
from ..actors import Actor


def role_set_2fa(*, actor: Actor, role, required: bool, version: int | None = None):
    """Mark `role` as requiring (or not) a TOTP second factor for everyone who holds it.

    Needs the network-wide `admin` action (or a superuser); the platform itself
    (`Actor.platform`) may too. Takes effect at each holder's next request: pages
    redirect to verification or enrolment, and session access to the API is refused
    until the session is verified. `version` (the one the caller edited) refuses a stale
    change (409).
    """
    Role = directory.role_model()
    require(actor, "admin", None)
    required = bool(required)
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        concurrency.require_version(role, version)
        if role.requires_2fa == required:
            return role
        before = audit.snapshot(role)
        role.requires_2fa = required
        role.save(update_fields=["requires_2fa"])
        audit.record(actor=actor, action="update", obj=role, before=before, after=audit.snapshot(role))
    return role
