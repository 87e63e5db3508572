"""Plain lists, one value a line (`#` and `;` start comments, blank lines are skipped), and
hosts files (`0.0.0.0 evil.example`). A second column that is a number (ipsum's count of
lists naming the address) is kept as the line's score when `score_confidence` is set:
confidence = min(100, score * score_confidence)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core.refs import is_pk

from .base import ExportFormat, ImportFormat, Problem, Record, decode_line

HOSTS_SINKS = {"0.0.0.0", "127.0.0.1", "::", "::1", "0", "::0"}


class PlainList(ImportFormat):
    code = "list"
    label = gettext_lazy("Danh sách (mỗi dòng một giá trị)")
    options = {"type": str, "score_confidence": int}

    def records(self, stream):
        type_code = self.settings.get("type") or ""
        factor = self.settings.get("score_confidence")
        for number, raw in enumerate(stream, start=1):
            text = decode_line(raw, number)
            if isinstance(text, Problem):
                yield text
                continue
            text = text.strip()
            if not text or text[0] in "#;!":
                continue
            parts = text.split()
            confidence = None
            if factor and len(parts) > 1 and is_pk(parts[1]):
                confidence = min(100, int(parts[1]) * factor)
            yield Record(type=type_code, value=parts[0], line=number, confidence=confidence)


class HostsFile(ImportFormat):
    code = "hosts"
    label = gettext_lazy("Tệp hosts (0.0.0.0 tên-miền)")
    options = {}

    def records(self, stream):
        for number, raw in enumerate(stream, start=1):
            text = decode_line(raw, number)
            if isinstance(text, Problem):
                yield text
                continue
            text = text.split("#", 1)[0].strip()
            if not text:
                continue
            parts = text.split()
            if len(parts) < 2 or parts[0] not in HOSTS_SINKS:
                yield Problem(number, _("Dòng %(line)s không có dạng “0.0.0.0 tên-miền”.") % {"line": number},
                              field="value")
                continue
            for host in parts[1:]:
                if host in ("localhost", "localhost.localdomain", "broadcasthost", "local"):
                    continue
                yield Record(type="domain", value=host, line=number)


class PlainListExport(ExportFormat):
    code = "list"
    columns = ("type", "value")
    label = gettext_lazy("Danh sách (mỗi dòng một giá trị)")
    extension = "txt"

    def write(self, indicators, options):
        stamp = options.generated_at.isoformat(timespec="seconds") if options.generated_at else ""
        yield f"# {options.title}\n# {stamp}\n"
        for ind in indicators:
            yield f"{ind.value}\n"
