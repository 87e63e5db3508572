"""`vigil audit verify`: recompute the audit log's hash chain.

Prints "OK: N entries" and exits 0 when the chain is intact; otherwise names the first
altered or missing entry by its sequence number and exits 1.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from vigil.core import audit


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (exit 1 on the first altered or missing entry)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute the hash chain")

    def handle(self, *args, action, **options):
        result = audit.verify()
        if result.ok:
            self.stdout.write(f"OK: {result.checked} entries")
            return
        reason = {
            "altered": _("bị sửa đổi"),
            "missing": _("bị mất"),
            "chain": _("bị chèn hoặc đảo thứ tự (chuỗi băm bị đứt)"),
        }.get(result.reason, result.reason)
        self.stderr.write(
            f"FAILED: seq {result.first_bad_seq} {result.reason} — "
            + _("bản ghi số %(seq)s %(reason)s; %(n)s bản ghi trước đó còn nguyên vẹn.")
            % {"seq": result.first_bad_seq, "reason": reason, "n": result.checked}
        )
        raise SystemExit(1)
