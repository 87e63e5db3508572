"""Reads of roles (the organisation's reference data, reached through `core.directory`):
the second-factor administration and the CLI."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .. import directory
from ..access import visible_to
from ..errors import NotFound

# --------------------------------------------------------------------------- roles


def role_list(*, user) -> QuerySet:
    """Roles (reference data every member reads), with their number of active memberships."""
    Role = directory.role_model()
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
    role = visible_to(user, directory.role_model(), action).filter(pk=role_id).first()
    if role is None:
        raise NotFound()
    return role


def role_by_code(code: str):
    """A role by its code, for the CLI (reference data, platform authority). NotFound."""
    from django.utils.translation import gettext as _

    role = directory.role_model()._default_manager.filter(code=code).first()
    if role is None:
        raise NotFound(_("Vai trò không tồn tại: %(c)s") % {"c": code}, field="role")
    return role
