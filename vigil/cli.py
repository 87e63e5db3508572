"""The `vigil` command: a thin front over Django management commands.

`vigil who-owns 1.2.3.4` runs the `who_owns` command; `vigil worker` runs Huey's
consumer; `vigil --help` lists what exists. Every command talks to the same services
and selectors as the pages and the API.
"""

import os
import sys

ALIASES = {"worker": "run_huey"}

SUMMARY = """\
Vigil – nền tảng điều phối mạng lưới an ninh mạng / national cyber security coordination

Usage: vigil COMMAND [options]

  demo [--no-serve] [--host H] [--port P]   migrate, load reference + demo data, print logins, serve
  serve [--host H] [--port P]               run the web server (embedded mode also runs a worker)
  worker                                    run background jobs (Huey consumer)
  migrate                                   create or update the database schema
  load-reference                            load reference data (idempotent)
  createuser USERNAME --password P --unit CODE --role CODE [--full-name N] [--email E]
  token create USER [--name N] [--scope read|write] [--days D]
  token list USER | token revoke USER KEY_ID
  audit verify                              prove the audit log untouched (chain + signed checkpoints)
  audit checkpoint                          seal the audit log's head outside the database, notify auditors
  who-owns VALUE [--as USER]                owning unit of an IP address or a domain
  units list|show|tree ... --as USER        the unit tree, through the access layer
  people list --as USER                     people and memberships, through the access layer
  decisions list|apply ... --as USER        membership decisions
  notifications list|read ... --as USER     your notifications (mark read: IDs or --all)
  meetings list|show|create|conclusion|conclude ... --as USER
                                            meetings, conclusion notices and their conclusions
  programmes list|show|approve ... --as USER
                                            annual work programmes (approval by the unit's head)
  program-reminders run [--today D] [--digest]
                                            send task reminders, escalations (and weekly digests) now
  tasks list|show|create|report|confirm|accept|return|extend|decide|cancel|cascade ... --as USER
                                            tasks, progress reports, extensions
  inspections list|show|findings|close-finding ... --as USER
                                            inspections, open findings to follow up
  program-report --meeting ID | --unit CODE [--since D] --format docx|xlsx --output FILE --as USER
                                            the pre-meeting report (DOCX administrative layout, XLSX)
  program-office matrix|late|ontime|bodies|mine|calendar ... --as USER [--json]
                                            task matrix, late work and on-time rates by unit, a unit's lists
  systems list|show|create|import FILE [--skip-bad-lines]|export --format csv|xlsx|reminders run ... --as USER
                                            information systems: levels, addresses, software (CPE 2.3)
  incident-intake report|triage|merge|taxonomy ... --as USER
                                            report an incident, triage it (ENISA RSIT), merge duplicates
  incidents-mail --maildir PATH | --imap-host H --imap-user U ... --as USER
                                            turn the messages of a mailbox into incident reports
  incidents list|show|assign|answer|transition|close|reopen|comment|task-add|observable-add|timeline ... --as USER
                                            handle incidents: units, workflow, tasks, observables
  incident-sla run|breaches|stages-due|stages-overdue|submit ... --as USER
                                            SLA check and escalation now; statutory reports due and late
  incident-report ID --out FILE | --list --format csv|xlsx --out FILE ... --as USER
                                            one incident as DOCX (administrative layout); lists as CSV/XLSX
  incident-stats [--unit CODE] [--from D] [--to D] [--json] --as USER
                                            incidents per unit, class, severity, month; mean and p90 times
  webhooks list|create|disable|rotate|deliveries|deliver-due ... --as USER
                                            signed webhooks of a unit and their delivery log
  intel import FILE --format stix|misp|csv|list|hosts [--source S] [--tlp T] [--skip-invalid] [--force] --as USER
                                            import indicators (bad lines named by number; re-import changes nothing)
  intel export --format stix|misp|csv|list|rpz|nftables|ipset|suricata [filters] [--output FILE] --as USER
                                            blocklists and bundles of the indicators you may see
  intel indicators|sightings|sources|feeds|warninglists|taxonomies|imports ... --as USER
                                            indicators (add, revoke), sightings, sources, feeds (run, run-due), warninglists

Any other Django management command is also available (vigil help COMMAND).
Settings come from VIGIL_* environment variables (see README).
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(SUMMARY)
        return
    command = argv[1]
    command = ALIASES.get(command, command.replace("-", "_"))
    from django.core.management import execute_from_command_line

    args = ["vigil", command, *argv[2:]]
    try:
        execute_from_command_line(args)
    except Exception as exc:
        # Bad input (a missing or truncated file, JSON nested too deep, a refused value)
        # is one line on stderr and exit status 1, never a traceback; --traceback shows it.
        message = failure_message(exc)
        if message is None or "--traceback" in args:
            raise
        sys.stderr.write(f"vigil {argv[1]}: {message}\n")
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


if __name__ == "__main__":
    main()
