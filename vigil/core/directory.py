"""The organisation directory: what the kernel knows of units, roles and memberships
without importing the app that defines them (dependencies point one way: domain apps
import core, core imports no domain app).

- The unit model is swappable, like AUTH_USER_MODEL: `settings.VIGIL_UNIT_MODEL`
  ("org.Unit"). core's foreign keys and migrations name the setting, and `unit_model()`
  returns the class. The kernel relies on its fields `code`, `name`, `is_active` and
  `path` (a materialised path: a subtree is `path__startswith=unit.path`) and on its
  `access_policy`.
- Everything else the kernel asks about people goes through one `Directory`, which the
  organisation app registers from its AppConfig.ready() with `register_directory()`:
  the role model (second-factor administration), a user's memberships (the account page,
  the API's `me`), whether a user holds a role that requires a second factor, who answers
  for a unit (notification recipients), a person's e-mail address and creating an account
  with its first membership.

Grants themselves (who may do what where) are the access layer's business: the
organisation app registers them there (`core.access`), not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def unit_model():
    """The unit model named by `settings.VIGIL_UNIT_MODEL`."""
    try:
        return apps.get_model(settings.VIGIL_UNIT_MODEL, require_ready=False)
    except (ValueError, LookupError) as exc:
        raise ImproperlyConfigured(
            f"VIGIL_UNIT_MODEL refers to {settings.VIGIL_UNIT_MODEL!r}, which is not an installed model"
        ) from exc


def unit_ref(user, ref, *, field: str = "unit", action: str | None = None, active_only: bool = False,
             bad_input: bool = False, optional: bool = False):
    """THE "unit by id or code that the user may see": every page, API route, command,
    form and selector that takes a unit from outside resolves it here. It lives in the
    kernel, on the swappable unit model, so that core's own adapters use it too.

    `user` is a user or an Actor (whatever `visible_to` takes); `ref` a unit, an id (an int
    or ASCII digits, see `core.refs.is_pk`) or a code. The unit must be visible to the
    user, or carry `action` for them when one is given, and be active with `active_only`.
    An id is tried first, then the code. Anything else (unknown, hidden, inactive, empty)
    is a NotFound naming `field` (404: a hidden unit is never told from a missing one), or
    with `bad_input` a DomainError coded "unknown-unit" (400: a unit named in a request
    body or a command-line option is bad input, not a missing resource). With `optional`,
    no reference at all (None or blank) is None: the filter or option was not given."""
    from django.utils.translation import gettext as _

    from .access import visible_to
    from .errors import DomainError, NotFound
    from .refs import is_pk
    from .samples import sample

    model = unit_model()
    value = ref.pk if isinstance(ref, model) else ref
    text = str(value if value is not None else "").strip()
    if optional and not text:
        return None
    qs = visible_to(user, model, action or "view")
    if active_only:
        qs = qs.filter(is_active=True)
    found = None
    if text:
        found = (qs.filter(pk=int(text)).first() if is_pk(text) else None) or qs.filter(code=text).first()
    if found is None:
        message = _("Không tìm thấy đơn vị %(u)s.") % {"u": sample(text)}
        if bad_input:
            raise DomainError(message, field=field, code="unknown-unit")
        raise NotFound(message, field=field)
    return found


@dataclass(frozen=True)
class Directory:
    """The functions the organisation app provides to the kernel.

    role_model():                         the role model (`code`, `actions`,
                                          `requires_2fa`, `sort_order`, a reverse
                                          `memberships` relation with `since`/`until`)
    memberships(user):                    the user's own active memberships, each with
                                          `unit`, `unit_id`, `role` and `since`
    requires_second_factor(user):         whether the user holds an active membership in a
                                          role that requires a second factor
    recipients_for_units(unit_ids, on):   {unit id: [users who answer for that unit]}
    create_account(actor=..., username=..., password=..., unit_code=..., role_code=...,
                   full_name=..., email=...):  a login, its person and a first membership
    person_email(user):                   the e-mail address of the person the account
                                          belongs to ("" when none)
    """

    role_model: Callable[[], type]
    memberships: Callable[..., Iterable]
    requires_second_factor: Callable[..., bool]
    recipients_for_units: Callable[..., dict]
    create_account: Callable[..., object]
    person_email: Callable[..., str]


_directory: Directory | None = None


def register_directory(directory: Directory) -> None:
    """Install the organisation directory (called once, from an AppConfig.ready())."""
    global _directory
    _directory = directory


def directory() -> Directory:
    """The registered directory; ImproperlyConfigured when no installed app provides one."""
    if _directory is None:
        raise ImproperlyConfigured(
            "No organisation directory is registered: the app that defines "
            "VIGIL_UNIT_MODEL must call core.directory.register_directory() in its ready()."
        )
    return _directory


def role_model():
    """The role model of the registered directory."""
    return directory().role_model()


def memberships_of(user) -> list:
    """The user's own active memberships (unit and role loaded), for their own pages."""
    return list(directory().memberships(user))


def requires_second_factor(user) -> bool:
    """Whether the user holds an active membership in a role that requires 2FA."""
    return bool(directory().requires_second_factor(user))


def recipients_for_units(unit_ids: Iterable[int], *, on: dt.date | None = None) -> dict:
    """For each unit id, the active accounts that answer for that unit (platform authority:
    used to decide who is told, never to show data)."""
    return directory().recipients_for_units(unit_ids, on=on)


def person_email(user) -> str:
    """The e-mail address of the person an account belongs to ("" when none)."""
    return directory().person_email(user) or ""


def create_account(**kwargs):
    """Create a login, its person and a first membership (see the registered directory)."""
    return directory().create_account(**kwargs)
