"""Shared bits of core's commands: the CLI actor, and domain errors as CommandError."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

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
