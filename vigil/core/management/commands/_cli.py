"""Shared bits of core's commands: the CLI actor, and domain errors as CommandError."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from vigil.core import selectors as core_selectors
from vigil.core.actors import Actor
from vigil.core.errors import DomainError, validation_errors


def cli_actor() -> Actor:
    """The platform operator at the shell: no user, named by the OS account in the log."""
    try:
        name = getpass.getuser()
    except Exception:  # no passwd entry (containers): still say it came from the CLI
        name = "?"
    return Actor(user=None, channel="cli", extra={"name": f"cli:{name}"})


def as_command_error(exc: Exception) -> CommandError:
    """One readable line naming the field, in the active language; exit status 1."""
    if isinstance(exc, DomainError):
        prefix = f"{exc.field}: " if exc.field and exc.field != "__all__" else ""
        return CommandError(f"{prefix}{exc.message}", returncode=1)
    if isinstance(exc, ValidationError):
        parts = [
            (f"{f}: " if f != "__all__" else "") + "; ".join(msgs)
            for f, msgs in validation_errors(exc).items()
        ]
        return CommandError(" | ".join(parts), returncode=1)
    return CommandError(str(exc), returncode=1)


def add_identity_arguments(parser) -> None:
    parser.add_argument("--as", dest="as_user", default=None, help="username to act as (or VIGIL_USER)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def acting_user(options):
    """The account named by --as (or VIGIL_USER); a CommandError when missing or unusable."""
    name = (options.get("as_user") or os.environ.get("VIGIL_USER", "")).strip()
    if not name:
        raise CommandError(
            _("Hãy cho biết bạn thao tác với tư cách tài khoản nào: --as TÊN_ĐĂNG_NHẬP (hoặc biến môi trường VIGIL_USER)."),
            returncode=2,
        )
    user = core_selectors.user_by_username(name)
    if not user.is_active:
        raise CommandError(_("Tài khoản %(u)s đã bị vô hiệu hoá.") % {"u": user.username}, returncode=1)
    return user
