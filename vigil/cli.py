"""The `vigil` command: a thin front over Django management commands.

Two kinds of command:

- the platform's own, at the top level: `vigil demo`, `serve`, `worker`, `migrate`,
  `load-reference`, `createuser`, `token`, `audit`, `backup`, `restore` (`PLATFORM` below);
- every app's, as a command group named by the app (`VigilAppConfig.cli_group`):
  `vigil program tasks list …`, `vigil org units …`, `vigil incidents intake report …`,
  `vigil intel import …`. Each app maps its subcommands to management commands in
  `cli_commands` and describes them in `cli_help`; `vigil --help` and `vigil GROUP --help`
  list what the installed apps declare (nothing here names an app's command). A
  subcommand that maps to the group's own command (`intel` → `intel`) is passed on to it.

The top-level names of the app commands before they were grouped (`vigil tasks …`,
`vigil who-owns …`, `vigil incident-intake …`: the management command's name with dashes)
still work for one release: they print a deprecation note on stderr and run the grouped
command (docs/cli-deprecations.md). Any other Django management command is available
too (`vigil help COMMAND`).

Exit status (see `vigil.core.commands`): 0 success; 1 refused by the domain (invalid
input, a rule, a conflict, a bad file); 2 usage (missing or malformed option, no --as,
unknown command); 3 denied or not found.
"""

from __future__ import annotations

import os
import sys
import textwrap

# worker → Huey's consumer; the other platform commands are management commands of the
# same name (dashes for underscores).
ALIASES = {"worker": "run_huey"}

PLATFORM = {
    "demo": ("[--no-serve] [--host H] [--port P]",
             "migrate, load reference + demo data, print logins, serve"),
    "serve": ("[--host H] [--port P]", "run the web server (embedded mode also runs a worker)"),
    "worker": ("", "run background jobs (Huey consumer)"),
    "migrate": ("", "create or update the database schema"),
    "load-reference": ("", "load reference data (idempotent)"),
    "createuser": ("USERNAME --password P --unit CODE --role CODE [--full-name N] [--email E]",
                   "create a login with its first membership"),
    "token": ("create USER [--name N] [--scope read|write] [--days D] | list USER | revoke USER KEY_ID",
              "API tokens"),
    "audit": ("verify | checkpoint",
              "prove the audit log untouched (chain + signed checkpoints); seal its head outside the database"),
    "backup": ("[--output PATH] [--with-audit-key] [--prune N] [--json]",
               "one archive of the database, uploaded files and audit checkpoints, with checksums"),
    "restore": ("ARCHIVE", "restore a backup into an empty installation, then verify audit log and files"),
}

HEADER = "Vigil – nền tảng điều phối mạng lưới an ninh mạng / national cyber security coordination"

EXIT_CODES = ("Exit status: 0 success, 1 refused (invalid input, a rule, a conflict), "
              "2 usage, 3 denied or not found.")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(help_text())
        return
    name = argv[1]
    if name in PLATFORM:
        return run(argv[1], [ALIASES.get(name, name.replace("-", "_")), *argv[2:]])
    import django

    django.setup()
    groups = command_groups()
    if name in groups:
        return run_group(groups[name], argv[2:])
    old = deprecated_names(groups)
    if name in old:
        group, sub = old[name]
        sys.stderr.write(deprecation_note(name, group.name, sub))
        return run_group(group, [sub, *argv[2:]])
    # any other Django management command (`vigil help`, `vigil check`, ...)
    return run(name, [ALIASES.get(name, name.replace("-", "_")), *argv[2:]])


# --- the groups, from the installed apps -----------------------------------------------------


class Group:
    """An app's command group: `vigil <name> <subcommand> …`. Each subcommand names a
    management command and, after it, the arguments it starts with (`"intel import"`:
    `vigil intel import FILE` runs `intel import FILE`)."""

    def __init__(self, name: str, commands: dict[str, str], usage: dict[str, str], label: str):
        self.name = name
        self.commands = {sub: target.split() for sub, target in commands.items()}
        self.usage = usage
        self.label = label

    def target(self, sub: str, rest: list[str]) -> list[str]:
        """The management command and its arguments for `vigil <group> <sub> <rest>`."""
        return [*self.commands[sub], *rest]


def command_groups() -> dict[str, Group]:
    """The command groups the installed apps declare, in INSTALLED_APPS order."""
    from vigil.core.appconfig import vigil_apps

    groups: dict[str, Group] = {}
    for config in vigil_apps():
        if not config.cli_group or not config.cli_commands:
            continue
        groups[config.cli_group] = Group(
            config.cli_group, dict(config.cli_commands), dict(config.cli_help), str(config.verbose_name)
        )
    return groups


def deprecated_names(groups: dict[str, Group]) -> dict[str, tuple[Group, str]]:
    """The top-level names the grouped commands had before (the management command's name
    with dashes: `program-office`, `who-owns`), each to its group and subcommand. A name
    that is now a group or a platform command is not an alias."""
    old: dict[str, tuple[Group, str]] = {}
    for group in groups.values():
        for sub, target in group.commands.items():
            name = target[0].replace("_", "-")
            if len(target) == 1 and name not in groups and name not in PLATFORM:
                old.setdefault(name, (group, sub))
    return old


def deprecation_note(old: str, group: str, sub: str) -> str:
    return (f"vigil {old}: deprecated, use `vigil {group} {sub}` "
            f"(the old name is removed in the next release)\n")


def run_group(group: Group, args: list[str]) -> None:
    if not args or args[0] in ("-h", "--help"):
        print(group_help(group))
        return
    sub = args[0]
    if sub not in group.commands:
        # `vigil incidents list`: the group's own former command (`incidents`), grouped
        # now as a subcommand; run it for one release with a note.
        legacy = legacy_subcommand(group)
        if legacy is not None:
            sys.stderr.write(deprecation_note(f"{group.name} {sub}", group.name, f"{legacy} {sub}"))
            return run(f"{group.name} {legacy}", group.target(legacy, args))
        sys.stderr.write(f"vigil {group.name}: unknown subcommand {sub!r}; "
                         f"one of: {', '.join(group.commands)} (vigil {group.name} --help)\n")
        sys.exit(2)
    run(f"{group.name} {sub}", group.target(sub, args[1:]))


def legacy_subcommand(group: Group) -> str | None:
    """The subcommand that runs the management command named like the group (`incidents
    workflow` runs `incidents`, formerly `vigil incidents list …`), if any."""
    for sub, target in group.commands.items():
        if target == [group.name.replace("-", "_")]:
            return sub
    return None


# --- running a management command ------------------------------------------------------------


def run(label: str, args: list[str]) -> None:
    """Run management command `args[0]` with `args[1:]`; bad input or environment is one
    line on stderr and exit status 1 (never a traceback; --traceback shows it)."""
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["vigil", *args])
    except Exception as exc:
        message = failure_message(exc)
        if message is None or "--traceback" in args:
            raise
        sys.stderr.write(f"vigil {label}: {message}\n")
        sys.exit(1)


def failure_message(exc: BaseException) -> str | None:
    """A readable line for an error caused by the input or the environment, in the active
    language; None for anything else (a bug keeps its traceback)."""
    import gzip
    import zlib

    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from vigil.core.errors import DomainError, validation_errors

    if isinstance(exc, DomainError):
        prefix = f"{exc.field}: " if exc.field and exc.field != "__all__" else ""
        return f"{prefix}{exc.message}"
    if isinstance(exc, ValidationError):
        return " | ".join((f"{f}: " if f != "__all__" else "") + "; ".join(m) for f, m in validation_errors(exc).items())
    if isinstance(exc, EOFError | zlib.error | gzip.BadGzipFile):
        return _("Tệp nén bị hỏng hoặc bị cắt cụt (%(error)s).") % {"error": exc}
    if isinstance(exc, RecursionError):
        return _("Dữ liệu lồng nhau quá sâu.")
    if isinstance(exc, UnicodeError):
        return _("Tệp không phải văn bản UTF-8.")
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, ValueError):
        return str(exc) or type(exc).__name__
    return None


# --- help ------------------------------------------------------------------------------------


def _entry(command: str, usage: str, description: str = "") -> list[str]:
    """One command of the help: its usage on a line, its description indented below."""
    wrap = {"width": 100, "break_on_hyphens": False, "break_long_words": False, "subsequent_indent": "      "}
    lines = textwrap.wrap(f"{command} {usage}".rstrip(), initial_indent="  ", **wrap)
    if description:
        lines += textwrap.wrap(description, initial_indent="      ", **wrap)
    return lines


def _split(text: str) -> tuple[str, str]:
    usage, _sep, description = text.partition(" — ")
    return usage, description


def help_text() -> str:
    """`vigil --help`: the platform commands, then each installed app's group."""
    lines = [HEADER, "", "Usage: vigil COMMAND [options]", "       vigil GROUP SUBCOMMAND [options]", "",
             "Platform commands:"]
    for name, (usage, description) in PLATFORM.items():
        lines += _entry(name, usage, description)
    try:
        import django

        django.setup()
        groups = command_groups()
    except Exception as exc:  # settings refused (production without a secret, ...): say so
        lines += ["", f"(the apps' commands cannot be listed: {exc})"]
        groups = {}
    for group in groups.values():
        lines += ["", f"{group.name}: {group.label} (vigil {group.name} --help)"]
        for sub in group.commands:
            lines += _entry(f"{group.name} {sub}", *_split(group.usage.get(sub, "")))
    lines += ["", "`--as USER` may be replaced by the environment variable VIGIL_USER; `--json` prints the",
              "API's own schema of each object.", EXIT_CODES,
              "Any other Django management command is also available (vigil help COMMAND).",
              "Settings come from VIGIL_* environment variables (see README)."]
    return "\n".join(lines)


def group_help(group: Group) -> str:
    """`vigil GROUP --help`: the group's subcommands."""
    lines = [f"vigil {group.name}: {group.label}", "", f"Usage: vigil {group.name} SUBCOMMAND [options]", ""]
    for sub in group.commands:
        lines += _entry(f"{group.name} {sub}", *_split(group.usage.get(sub, "")))
    lines += ["", f"vigil {group.name} SUBCOMMAND --help shows a subcommand's options.", EXIT_CODES]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
