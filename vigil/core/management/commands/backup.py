"""`vigil backup [--output PATH] [--with-audit-key] [--prune N]`: one archive of the whole
installation (database, uploaded files, the audit checkpoints; see vigil/core/backup.py).

Prints the archive's path, its size and how many files it holds (`--json`: the manifest);
`--prune N` then keeps only the newest N archives of the folder it was written to."""

import json

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import backup
from vigil.core.commands import VigilCommand


class Command(VigilCommand):
    help = "Write a backup archive: database, uploaded files and audit checkpoints, with a manifest of checksums."
    needs_user = False  # an operator's command, run where the data folder is

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the archive to write, or a folder for it (default: VIGIL_BACKUP_DIR)")
        parser.add_argument("--with-audit-key", action="store_true",
                            help="put the audit key in the archive too (keep the archive as secret as the key)")
        parser.add_argument("--prune", type=int, metavar="N", help="then keep only the newest N archives there")
        parser.add_argument("--json", action="store_true", help="print the manifest as JSON")

    def handle(self, *args, **options):
        made = self.guarded(lambda: backup.create_backup(options.get("output"),
                                                          with_audit_key=options["with_audit_key"]))
        removed = backup.prune(made.path.parent, options["prune"]) if options.get("prune") else []
        if options["json"]:
            self.stdout.write(json.dumps({"path": str(made.path), "size": made.size, "pruned": [str(p) for p in removed],
                                          "manifest": made.manifest}, ensure_ascii=False, indent=2))
            return
        self.stdout.write(str(made.path))
        self.stdout.write(ngettext("%(n)s tệp, %(size)s.", "%(n)s tệp, %(size)s.", made.files)
                          % {"n": made.files, "size": filesizeformat(made.size)})
        if not made.manifest["with_audit_key"]:
            self.stdout.write(_("Khoá nhật ký kiểm toán không có trong bản sao lưu: hãy giữ nó riêng "
                                "(VIGIL_AUDIT_KEY hoặc tệp khoá) để kiểm tra nhật ký sau khi khôi phục."))
        for path in removed:
            self.stdout.write(_("Đã xoá bản sao lưu cũ: %(p)s") % {"p": path})
