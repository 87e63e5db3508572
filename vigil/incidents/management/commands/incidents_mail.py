"""`vigil incidents mail`: turn the messages of a mailbox into incident reports.

    vigil incidents mail --maildir PATH --as USER [--limit N] [--json]
    vigil incidents mail --imap-host H --imap-user U --imap-password-env VAR [--imap-folder INBOX]
                         [--imap-port P] [--ssl] [--move-to FOLDER] --as USER [--limit N] [--json]

`--as` names the account the reports are filed under (e.g. the standing agency's intake
account). Each message is stored (one transaction) before it is marked handled: in a
Maildir it moves to the `.Processed` folder; over IMAP it is flagged Seen (and moved to
--move-to). A message that cannot be read is reported with its key and left in place;
the others continue. Re-running after a crash stores nothing twice (the Message-ID is
the intake key). Exit status 1 when a message failed.
"""

import os

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.actors import Actor
from vigil.core.commands import VigilCommand, add_identity_arguments, usage_error
from vigil.incidents.services import mail as mail_svc


class Command(VigilCommand):
    help = "Import incident reports from a Maildir or an IMAP folder."

    def add_arguments(self, parser):
        parser.add_argument("--maildir", default=None, help="path of a Maildir")
        parser.add_argument("--imap-host", default=None)
        parser.add_argument("--imap-port", type=int, default=None)
        parser.add_argument("--imap-user", default=None)
        parser.add_argument("--imap-password-env", default=None, help="name of the variable holding the password")
        parser.add_argument("--imap-folder", default="INBOX")
        parser.add_argument("--ssl", action="store_true", help="IMAP over TLS (port 993)")
        parser.add_argument("--move-to", default="", help="IMAP: folder for handled messages")
        parser.add_argument("--limit", type=int, default=None, help="at most N messages this run")
        add_identity_arguments(parser)

    def handle(self, *args, **options):
        user = self.user(options)
        with self.language_of(user):
            self.run_import(user, options)

    def run_import(self, user, options):
        source = self._source(options)
        actor = Actor(user=user, channel="cli", extra={"name": "incidents-mail"})
        as_json = options.get("json")

        def report(result):
            if as_json:
                return
            if result.status == "failed":
                self.stderr.write(_("Bỏ qua thư %(key)s: %(err)s") % {"key": result.source_key, "err": result.error})
            elif result.status == "replayed":
                self.stdout.write(_("Thư %(key)s: đã có sự cố %(ref)s") % {"key": result.source_key,
                                                                         "ref": result.incident.reference})
            else:
                self.stdout.write(_("Thư %(key)s: đã tạo sự cố %(ref)s") % {"key": result.source_key,
                                                                          "ref": result.incident.reference})

        try:
            results = mail_svc.run_import(actor=actor, source=source, report=report, limit=options["limit"])
        finally:
            source.close()
        failed = [r for r in results if r.status == "failed"]
        if as_json:
            self.emit_json([
                {"key": r.source_key, "status": r.status, "intake_key": r.intake_key, "error": r.error,
                 "reference": r.incident.reference if r.incident else None} for r in results
            ])
        else:
            self.stdout.write(_("Tổng cộng: %(c)s tạo mới, %(r)s đã có, %(f)s lỗi.") % {
                "c": sum(r.status == "created" for r in results),
                "r": sum(r.status == "replayed" for r in results), "f": len(failed),
            })
        if failed:
            raise CommandError(ngettext("%(n)s thư không nhập được.", "%(n)s thư không nhập được.", len(failed)) % {"n": len(failed)}, returncode=1)

    def _source(self, options):
        if bool(options["maildir"]) == bool(options["imap_host"]):
            raise usage_error(_("Chọn một nguồn: --maildir PATH hoặc --imap-host HOST."))
        if options["maildir"]:
            return self.guarded(lambda: mail_svc.MaildirSource(options["maildir"]))
        var = options["imap_password_env"]
        if not options["imap_user"] or not var:
            raise usage_error(_("IMAP cần --imap-user và --imap-password-env."))
        password = os.environ.get(var)
        if password is None:
            raise usage_error(_("Biến môi trường %(v)s chưa được đặt.") % {"v": var})
        try:
            return mail_svc.ImapSource(
                host=options["imap_host"], user=options["imap_user"], password=password,
                folder=options["imap_folder"], ssl=options["ssl"], port=options["imap_port"],
                move_to=options["move_to"],
            )
        except Exception as exc:  # connection or login failure: one clear line, exit 1
            raise CommandError(_("Không kết nối được hộp thư IMAP: %(e)s") % {"e": exc}, returncode=1) from None
