"""Writes on people: create and update a person (the official, with or without a login).

Permissions: `add` on the home unit to create someone there; `change` on the person's
home unit to edit them, and `add` on the new home unit when they move. Linking or
unlinking a login account hands that account every permission of the person's
memberships, so it needs network-wide `admin`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from vigil.core import audit, concurrency
from vigil.core.access import require, reset_scope
from vigil.core.actors import Actor
from vigil.core.errors import DomainError

from ..models import Person, Unit

EDITABLE = ("full_name", "position", "home_unit", "email", "phone", "is_active", "user")


def _check_user_link(actor: Actor, person: Person, user) -> None:
    require(actor, "admin", None)
    if user is None:
        return
    if not user.is_active:
        raise DomainError(_("Tài khoản đã bị vô hiệu hoá."), field="user")
    other = Person.objects.filter(user=user).exclude(pk=person.pk).first()
    if other is not None:
        raise DomainError(
            _("Tài khoản này đã gắn với cán bộ %(name)s.") % {"name": other.full_name}, field="user"
        )


def _normalise(changes: dict) -> dict:
    for key in ("full_name", "position", "email", "phone"):
        if key in changes and changes[key] is not None:
            changes[key] = " ".join(str(changes[key]).split()) if key == "full_name" else str(changes[key]).strip()
        elif key in changes:
            changes[key] = ""
    return changes


def person_create(
    *,
    actor: Actor,
    full_name: str,
    home_unit: Unit,
    position: str = "",
    email: str = "",
    phone: str = "",
    user=None,
    is_active: bool = True,
) -> Person:
    """Create a person working in `home_unit` (the actor needs `add` there)."""
    if home_unit is None:
        raise DomainError(_("Hãy chọn đơn vị công tác."), field="home_unit")
    require(actor, "add", home_unit)
    fields = _normalise(
        {"full_name": full_name, "position": position, "email": email, "phone": phone}
    )
    person = Person(home_unit=home_unit, is_active=is_active, **fields)
    if user is not None:
        _check_user_link(actor, person, user)
        person.user = user
    with transaction.atomic():
        person.full_clean()
        person.save()
        audit.record(actor=actor, action="create", obj=person, after=audit.snapshot(person))
    if user is not None:
        reset_scope(user)
    return person


def person_update(*, actor: Actor, person: Person, version: int | None = None, **changes) -> Person:
    """Change a person's details (`change` on their home unit; `add` on a new home unit).
    Only the fields given are written; `version` refuses a stale edit."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(f)s") % {"f": ", ".join(sorted(unknown))})
    require(actor, "change", person)
    changes = _normalise(dict(changes))
    if "home_unit" in changes:
        if changes["home_unit"] is None:
            raise DomainError(_("Hãy chọn đơn vị công tác."), field="home_unit")
        if changes["home_unit"].pk != person.home_unit_id:
            require(actor, "add", changes["home_unit"])
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        old_user = person.user
        if "user" in changes and getattr(changes["user"], "pk", None) != person.user_id:
            _check_user_link(actor, person, changes["user"])
        before = audit.snapshot(person)
        for key, value in changes.items():
            setattr(person, key, value)
        person.full_clean()
        concurrency.save(person, changes, expected=version)
        after = audit.snapshot(person)
        if after != before:
            audit.record(actor=actor, action="update", obj=person, before=before, after=after)
    for account in (old_user, person.user):
        reset_scope(account)
    return person
