"""Creating accounts: a login (core.User), the person it belongs to (org.Person) and a
first membership (org.Membership), together or not at all.

The kernel reaches this through its organisation directory (`core.directory.create_account`,
registered in `OrgConfig.ready()`), so `vigil createuser` in core needs no import of org."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.access import require, require_grantable
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError
from vigil.core.models import User

from ..models import Membership, Person, Role, Unit


def _unit(code: str):
    unit = Unit.objects.filter(code=(code or "").strip()).first()
    if unit is None:
        raise DomainError(_("Đơn vị không tồn tại: %(c)s") % {"c": code}, field="unit")
    if not unit.is_active:
        raise DomainError(_("Đơn vị đã ngừng hoạt động: %(c)s") % {"c": code}, field="unit")
    return unit


def _role(code: str):
    role = Role.objects.filter(code=(code or "").strip()).first()
    if role is None:
        raise DomainError(_("Vai trò không tồn tại: %(c)s") % {"c": code}, field="role")
    return role


def account_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    unit_code: str,
    role_code: str,
    full_name: str = "",
    email: str = "",
) -> User:
    """Create a user, their person (home unit `unit_code`) and a membership with role
    `role_code` in that unit starting today.

    The actor needs `manage_members` on the unit, and a network-wide `admin` to grant a
    role carrying `admin` or `audit`; the platform (`Actor.platform`, the CLI) may
    always. The password must pass Django's validators. Raises DomainError naming the
    field (`username`, `password`, `unit`, `role`, `email`, `full_name`).
    """
    username = (username or "").strip()
    full_name = (full_name or "").strip() or username
    email = (email or "").strip()
    unit = _unit(unit_code)
    role = _role(role_code)
    require(actor, "manage_members", unit)
    # No role carrying more than the actor holds there (admin/audit: network-wide admins only).
    require_grantable(actor, role, unit)

    if not username:
        raise DomainError(_("Tên đăng nhập là bắt buộc."), field="username")
    try:
        User.username_validator(username)
    except ValidationError:
        raise DomainError(
            _("Tên đăng nhập chỉ gồm chữ, số và các ký tự @ . + - _ (tối đa 150 ký tự)."),
            field="username",
        ) from None
    if len(username) > 150:
        raise DomainError(_("Tên đăng nhập tối đa 150 ký tự."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("Tên đăng nhập đã tồn tại: %(u)s") % {"u": username}, field="username")
    if len(full_name) > 200:
        raise DomainError(_("Họ và tên tối đa 200 ký tự."), field="full_name")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(_("Địa chỉ thư điện tử không hợp lệ: %(e)s") % {"e": email}, field="email") from None

    user = User(username=username, full_name=full_name, email=email)
    try:
        validate_password(password or "", user=user)
    except ValidationError as exc:
        raise DomainError(
            _("Mật khẩu không đạt yêu cầu: %(m)s") % {"m": " ".join(exc.messages)}, field="password"
        ) from None

    with transaction.atomic():
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        person = Person(full_name=full_name, home_unit=unit, email=email, user=user)
        person.full_clean()
        person.save()
        membership = Membership(person=person, unit=unit, role=role, since=timezone.localdate())
        membership.full_clean()
        membership.save()
        for obj in (user, person, membership):
            audit.record(actor=actor, action="create", obj=obj, unit_id=unit.pk, after=audit.snapshot(obj))
    return user
