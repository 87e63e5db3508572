"""The CLI kit: one base command for every app's management commands.

A command is a thin adapter, like an API operation: it parses its arguments, names the
actor, calls the same services and selectors as the pages and the API, and prints the
answer (text for people, `--json` for scripts: the API's own schema of that object).

    class Command(VigilCommand):
        help = "..."

        def add_arguments(self, parser):
            sub = self.subcommands(parser)
            show = self.subcommand(sub, "show", help="one thing")   # --as and --json added
            show.add_argument("thing_id")

        def do_show(self, user, options):            # "show" → do_show, "run-due" → do_run_due
            thing = selectors.thing_get(user=user, thing_id=options["thing_id"])
            if options["json"]:
                return self.emit_schema(ThingOut, thing)
            self.stdout.write(thing.name)

The base command:
- resolves the acting account from `--as USER` (or VIGIL_USER) before dispatching
  (`needs_user = False` for platform commands, which act as `platform_actor()`), and runs
  the subcommand in that account's language;
- maps errors to one line on stderr in that language and an exit status (`EXIT_*`):

      0  success
      1  refused by the domain: invalid input, a rule or a conflict (DomainError,
         ValidationError, Conflict)
      2  usage: a missing or malformed option, no --as (argparse also exits 2)
      3  denied or not found: the object does not exist, or the account may not see or
         change it (AccessDenied, NotFound: one status, so that a script never learns
         more than the message tells)

- offers the shared option parsers: `parse_date` / `parse_datetime` (ISO 8601 through
  `core.dates`, the option named in the error) and `resolve_unit` (a unit by id or code
  that the account may see, through the kernel's one resolver `core.directory.unit_ref`);
- and `emit_json` / `emit_schema` / `schema_data` for machine-readable output.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, DomainError, NotFound, validation_errors

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_DENIED = 3


# --- who acts --------------------------------------------------------------------------


def platform_actor() -> Actor:
    """The platform at the shell (system commands: reminders, SLA checks, tokens,
    createuser): the one named platform actor, its audit entries naming the OS account."""
    try:
        name = getpass.getuser()
    except Exception:  # no passwd entry (containers): still say it came from the CLI
        name = "?"
    return Actor.platform("cli", extra={"name": f"cli:{name}"})


def user_actor(user) -> Actor:
    """The actor of a command run `--as USER`."""
    return Actor(user=user, channel="cli")


def acting_user(options: dict):
    """The account named by --as (or VIGIL_USER); a CommandError when missing or unusable."""
    from vigil.core import selectors as core_selectors

    name = (options.get("as_user") or os.environ.get("VIGIL_USER", "")).strip()
    if not name:
        raise CommandError(
            _("Hãy cho biết bạn thao tác với tư cách tài khoản nào: --as TÊN_ĐĂNG_NHẬP (hoặc biến môi trường VIGIL_USER)."),
            returncode=EXIT_USAGE,
        )
    user = core_selectors.user_by_username(name)
    if not user.is_active:
        raise CommandError(_("Tài khoản %(u)s đã bị vô hiệu hoá.") % {"u": user.username}, returncode=EXIT_ERROR)
    return user


# --- errors ----------------------------------------------------------------------------


def exit_code(exc: Exception) -> int:
    """The exit status of a domain or validation error (see the module docstring)."""
    if isinstance(exc, AccessDenied | NotFound):
        return EXIT_DENIED
    return EXIT_ERROR


def as_command_error(exc: Exception) -> CommandError:
    """One readable line naming the field, in the active language, with its exit status."""
    if isinstance(exc, CommandError):
        return exc
    if isinstance(exc, DomainError):
        prefix = f"{exc.field}: " if exc.field and exc.field != "__all__" else ""
        return CommandError(f"{prefix}{exc.message}", returncode=exit_code(exc))
    if isinstance(exc, ValidationError):
        parts = [
            (f"{f}: " if f != "__all__" else "") + "; ".join(msgs)
            for f, msgs in validation_errors(exc).items()
        ]
        return CommandError(" | ".join(parts), returncode=EXIT_ERROR)
    return CommandError(str(exc), returncode=EXIT_ERROR)


def run_guarded(handler: Callable):
    """Run `handler()`; domain and validation errors become a CommandError."""
    try:
        return handler()
    except (DomainError, ValidationError) as exc:
        raise as_command_error(exc) from exc


def usage_error(message: str) -> CommandError:
    """A malformed option (exit status 2)."""
    return CommandError(message, returncode=EXIT_USAGE)


# --- options ---------------------------------------------------------------------------


def add_identity_arguments(parser, *, as_user: bool = True, json_output: bool = True) -> None:
    """`--as USER` (or VIGIL_USER) and `--json`."""
    if as_user:
        parser.add_argument("--as", dest="as_user", default=None, help="username to act as (or VIGIL_USER)")
    if json_output:
        parser.add_argument("--json", action="store_true", help="machine-readable output (the API's schema)")


def parse_date(value: str | None, option: str) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) given to `option` (`core.dates.parse_date`, the one date
    parser); None when empty; a malformed date is a usage error (exit status 2)."""
    from vigil.core import dates

    try:
        return dates.parse_date(value, option)
    except DomainError as exc:
        raise usage_error(str(exc.message)) from None


def parse_datetime(value: str | None, option: str) -> dt.datetime | None:
    """An ISO 8601 date and time given to `option` (`core.dates.parse_datetime`: naive
    values are local time); None when empty; malformed: a usage error (exit status 2)."""
    from vigil.core import dates

    try:
        return dates.parse_datetime(value, option)
    except DomainError as exc:
        raise usage_error(str(exc.message)) from None


def parse_int(value, option: str) -> int:
    """An integer given to `option`; exit status 2 otherwise."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise usage_error(_("%(o)s: phải là số nguyên: %(v)s") % {"o": option, "v": value}) from None


def resolve_unit(user, ref, *, field: str = "unit", active_only: bool = False, action: str | None = None,
                 bad_input: bool = True):
    """The unit `user` may see (or may act on with `action`), by id or code, through the
    kernel's one resolver `core.directory.unit_ref`. A unit named in an option is input:
    unknown or hidden, it is a DomainError naming `field` (exit status 1); with
    `bad_input=False` (the object a subcommand is about) a NotFound (exit status 3)."""
    from vigil.core.directory import unit_ref

    return unit_ref(user, ref, field=field, action=action, active_only=active_only, bad_input=bad_input)


# --- output ----------------------------------------------------------------------------


def schema_data(schema, obj, *, many: bool = False):
    """`obj` (or each of `obj` when `many`) as the API shows it: the API's schema dumped in
    JSON mode, so a script reads the same fields from the CLI and from /api/v1/."""
    if many:
        return [schema.from_orm(o).model_dump(mode="json") for o in obj]
    return schema.from_orm(obj).model_dump(mode="json")


def dumps(data) -> str:
    """The CLI's JSON text: UTF-8 as is, indented, dates and decimals as strings."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


# --- the base command ------------------------------------------------------------------


class VigilCommand(BaseCommand):
    """The base of every Vigil command (see the module docstring).

    Subclasses declare subcommands with `subcommands()` / `subcommand()` and implement
    `do_<name>(user, options)` (`user` is None when `needs_user` is False, or for the
    subcommands named in `platform_subcommands`), or override `handle` for a command
    without subcommands (then call `self.user(options)` and `self.guarded(...)`).
    """

    #: dest of the subcommand argument
    subcommand_dest = "action"
    #: whether the command acts as an account (`--as USER`); False: the platform acts
    needs_user = True
    #: subcommands that act as the platform (no --as), e.g. {"run-due"}
    platform_subcommands: Iterable[str] = ()

    # -- declaring --

    def subcommands(self, parser, *, dest: str | None = None, title: str | None = None):
        return parser.add_subparsers(dest=dest or self.subcommand_dest, required=True, title=title)

    def subcommand(self, sub, name: str, *, help: str | None = None, identity: bool = True,
                   json_output: bool = True, **kwargs):
        """A subcommand parser, with `--as` and `--json` unless told otherwise."""
        parser = sub.add_parser(name, help=help, **kwargs)
        if identity or json_output:
            add_identity_arguments(parser, as_user=identity, json_output=json_output)
        return parser

    # -- running --

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except (DomainError, ValidationError) as exc:
            raise as_command_error(exc) from exc

    def handle(self, *args, **options):
        action = options.get(self.subcommand_dest)
        if action is None:
            raise NotImplementedError(f"{type(self).__name__} has no subcommands: override handle()")
        user = None
        if self.needs_user and action not in set(self.platform_subcommands):
            user = self.user(options)
        method = getattr(self, "do_" + action.replace("-", "_"))
        with self.language_of(user):
            return self.guarded(lambda: method(user, options))

    def user(self, options):
        """The acting account (--as / VIGIL_USER)."""
        return run_guarded(lambda: acting_user(options))

    def actor(self, user) -> Actor:
        """The account's actor, or the platform's when `user` is None."""
        return user_actor(user) if user is not None else platform_actor()

    @staticmethod
    def guarded(handler: Callable):
        return run_guarded(handler)

    @staticmethod
    def language_of(user):
        """Run in the account's language (its messages and errors); the active one otherwise."""
        language = getattr(user, "language", "") or None
        return translation.override(language) if language else translation.override(translation.get_language())

    # -- helpers for subcommands --

    @staticmethod
    def unit(user, ref, *, field: str = "unit", active_only: bool = False, action: str | None = None,
             bad_input: bool = True):
        """`resolve_unit` for an optional option: None when `ref` is empty."""
        if ref is None or not str(ref).strip():
            return None
        return resolve_unit(user, ref, field=field, active_only=active_only, action=action, bad_input=bad_input)

    def emit_json(self, data) -> None:
        self.stdout.write(dumps(data))

    def emit_schema(self, schema, obj, *, many: bool = False, **extra) -> None:
        """Print `obj` as the API's `schema` shows it (a list when `many`); `extra` keys
        are added beside the object's fields (e.g. a secret shown once)."""
        data = schema_data(schema, obj, many=many)
        if extra and not many:
            data = {**data, **extra}
        self.emit_json(data)
