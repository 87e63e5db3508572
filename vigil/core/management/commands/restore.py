"""`vigil restore ARCHIVE`: restore a backup into this empty installation, then check it.

Refused (exit 1, nothing written) when the archive is not a whole, unaltered Vigil backup or
the installation is not empty. After the restore: the audit chain is verified against its
checkpoints and every stored file against its recorded SHA-256; exit 0 when both hold,
1 (the data restored, the failure named) otherwise."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import backup
from vigil.core.commands import VigilCommand


class Command(VigilCommand):
    help = "Restore a backup archive into an empty installation, then verify the audit log and the files."
    needs_user = False  # an operator's command, run where the data folder is

    def add_arguments(self, parser):
        parser.add_argument("archive", help="a file written by `vigil backup`")

    def handle(self, *args, archive, **options):
        done = self.guarded(lambda: backup.restore_backup(archive))
        self.stdout.write(ngettext("Đã khôi phục cơ sở dữ liệu (%(db)s) và %(n)s tệp.",
                                   "Đã khôi phục cơ sở dữ liệu (%(db)s) và %(n)s tệp.", done.files)
                          % {"db": done.database, "n": done.files})
        self.stdout.write(_("Nhật ký kiểm toán: %(m)s") % {"m": done.audit_message})
        for problem in done.file_mismatches:
            self.stderr.write(_("Tệp không khớp: %(p)s") % {"p": problem})
        if not done.ok:
            raise SystemExit(1)
        self.stdout.write(_("Mọi tệp khớp mã SHA-256 đã ghi."))
