"""`vigil audit verify` and `vigil audit checkpoint`.

`verify` recomputes the audit log's keyed hash chain and compares it with the signed
checkpoints kept outside the database; it prints "OK: N entries" and exits 0 when the chain
is intact, otherwise names the first altered, missing, rewritten or truncated entry by its
sequence number and exits 1.

`checkpoint` verifies the chain, then seals its head: a signed line appended to the
checkpoint file and a notification to the auditors (exit 1, nothing sealed, when broken).
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import audit, audit_seal
from vigil.core.commands import VigilCommand


def _reasons():
    return {
        "altered": _("bị sửa đổi"),
        "missing": _("bị mất"),
        "chain": _("bị chèn hoặc đảo thứ tự (chuỗi băm bị đứt)"),
        "downgraded": _("bị tính lại mã băm không có khoá (chuỗi bị viết lại)"),
        "rewritten": _("khác với điểm kiểm tra có chữ ký (chuỗi bị viết lại)"),
        "truncated": _("bị xoá: chuỗi ngắn hơn điểm kiểm tra có chữ ký"),
    }


class Command(VigilCommand):
    help = "Verify the audit log's hash chain against its signed checkpoints, or write a checkpoint."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute the hash chain and compare it with the checkpoints")
        sub.add_parser("checkpoint", help="seal the chain's head outside the database and notify auditors")

    def handle(self, *args, action, **options):
        if action == "checkpoint":
            sealed = audit_seal.write_checkpoint()
            if not sealed.ok:
                self._fail(sealed.verify)
            cp = sealed.checkpoint
            if cp is None:
                self.stdout.write("OK: " + _("nhật ký kiểm toán còn trống, chưa có gì để niêm phong."))
                return
            self.stdout.write(f"OK: checkpoint seq {cp.seq} {cp.hash} {cp.at} → {audit_seal.checkpoint_file()}")
            self.stdout.write(ngettext(
                "Đã gửi cho %(n)s người giữ vai trò kiểm toán.", "Đã gửi cho %(n)s người giữ vai trò kiểm toán.",
                sealed.notified,
            ) % {"n": sealed.notified})
            return
        result = audit.verify()
        if result.ok:
            line = f"OK: {result.checked} entries"
            self.stdout.write(line)
            if not result.checkpoints:
                self.stderr.write(_("Cảnh báo: chưa có điểm kiểm tra có chữ ký nào (%(path)s); chạy "
                                    "“vigil audit checkpoint” để phát hiện được việc xoá bản ghi cuối.")
                                  % {"path": audit_seal.checkpoint_file()})
            return
        self._fail(result)

    def _fail(self, result):
        if result.reason == "checkpoint":
            self.stderr.write(
                f"FAILED: checkpoint {result.detail} — "
                + _("tệp điểm kiểm tra %(path)s có dòng sai định dạng hoặc sai chữ ký (%(detail)s).")
                % {"path": audit_seal.checkpoint_file(), "detail": result.detail}
            )
            raise SystemExit(1)
        reason = _reasons().get(result.reason, result.reason)
        self.stderr.write(
            f"FAILED: seq {result.first_bad_seq} {result.reason} — "
            + ngettext("bản ghi số %(seq)s %(reason)s; %(n)s bản ghi trước đó còn nguyên vẹn.",
                       "bản ghi số %(seq)s %(reason)s; %(n)s bản ghi trước đó còn nguyên vẹn.", result.checked)
            % {"seq": result.first_bad_seq, "reason": reason, "n": result.checked}
        )
        raise SystemExit(1)
