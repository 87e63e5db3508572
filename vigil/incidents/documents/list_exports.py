"""The incident list as CSV or XLSX, with the list's filters, for download.

`incident_list_export(actor=..., fmt=..., filters=...)` is the one entry point (pages,
the API, `vigil incidents report --list`): it checks the export right, counts the rows,
caps them at EXPORT_LIMIT (the file then says so), writes one `export` audit entry and
returns the file. CSV is produced as a stream of lines from a server-side cursor
(`iterator()`), so a large export never sits in memory; XLSX goes through openpyxl's
write-only mode.

Filters: the list's own `selectors.lists.IncidentFilters` (one parser for the page, the
API, the CLI and these files; errors name the field).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import audit, exports
from vigil.core.access import holds
from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, DomainError

from ..models import Incident
from ..selectors.lists import IncidentFilters, filtered

EXPORT_LIMIT = 100_000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_queryset(user, f: IncidentFilters) -> QuerySet[Incident]:
    """The incidents of the list page with filters `f` that `user` may see, newest first:
    the list's own selector (`selectors.lists.filtered`), so a file holds exactly what
    the page lists."""
    return filtered(user, f).select_related("incident_type__klass")


# --------------------------------------------------------------------------- columns


def columns() -> list[tuple[str, int]]:
    """(header, XLSX width) of each column, in the active language."""
    return [
        (_("Mã theo dõi"), 18), (_("Tiêu đề"), 45), (_("Trạng thái"), 16), (_("Mức độ nghiêm trọng"), 14),
        (_("Nhóm sự cố"), 24), (_("Loại sự cố"), 28), ("TLP", 14), ("PAP", 11),
        (_("Đơn vị sở hữu"), 28), (_("Đơn vị chủ trì xử lý"), 28), (_("Kênh tiếp nhận"), 14),
        (_("Thời điểm phát hiện"), 17), (_("Thời điểm tiếp nhận"), 17), (_("Thời điểm xác nhận tiếp nhận"), 17),
        (_("Thời điểm khắc phục"), 17), (_("Thời điểm đóng"), 17),
        (_("Số giờ đến khi xác nhận"), 12), (_("Số giờ đến khi khắc phục"), 12),
    ]


def _hours(later, earlier):
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() / 3600, 2)


def row_values(inc: Incident, tz) -> list:
    """One incident as a row: text, local naive datetimes (XLSX writes them as dates), hours."""
    def local(v):
        return timezone.localtime(v, tz).replace(tzinfo=None, microsecond=0) if v else None

    klass = inc.incident_type.klass if inc.incident_type_id else None
    return [
        inc.reference, inc.title, inc.get_state_display(), inc.get_severity_display() if inc.severity else "",
        klass.name if klass else "", inc.incident_type.code if inc.incident_type_id else "",
        inc.get_tlp_display(), inc.get_pap_display(),
        inc.owner_unit.display_name if inc.owner_unit_id else "",
        inc.lead_unit.display_name if inc.lead_unit_id else "",
        inc.get_channel_display(), local(inc.detected_at), local(inc.received_at), local(inc.acknowledged_at),
        local(inc.resolved_at), local(inc.closed_at),
        _hours(inc.acknowledged_at, inc.received_at), _hours(inc.resolved_at, inc.received_at),
    ]


# --------------------------------------------------------------------------- the files


@dataclass
class ListExport:
    fmt: str
    filename: str
    content_type: str
    count: int  # rows in the file
    total: int  # rows matching the filters
    chunks: Iterator[bytes]

    @property
    def truncated(self) -> bool:
        return self.total > self.count

    def message(self) -> str:
        if not self.truncated:
            return ""
        return truncation_message(self.count, self.total)

    def content(self) -> bytes:
        return b"".join(self.chunks)


def truncation_message(count: int, total: int) -> str:
    return _("Tệp chỉ gồm %(n)s sự cố đầu tiên trong %(total)s sự cố khớp bộ lọc; hãy thu hẹp bộ lọc.") % {
        "n": f"{count:,}", "total": f"{total:,}",
    }


class _Echo:
    def write(self, value):
        return value


def _csv_chunks(qs, limit: int, count: int, total: int) -> Iterator[bytes]:
    tz = timezone.get_current_timezone()
    writer = exports.csv_writer(_Echo())  # no cell becomes a formula
    yield "\ufeff".encode()  # a BOM, so spreadsheet programs read UTF-8
    yield writer.writerow([h for h, _w in columns()]).encode()
    batch = []
    for inc in qs[:limit].iterator(chunk_size=2000):
        values = row_values(inc, tz)
        values = [v.strftime("%Y-%m-%d %H:%M") if isinstance(v, dt.datetime) else v for v in values]
        batch.append(writer.writerow(["" if v is None else v for v in values]))
        if len(batch) >= 500:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()
    if total > count:
        yield writer.writerow([truncation_message(count, total)]).encode()


def _xlsx_bytes(qs, limit: int, count: int, total: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    tz = timezone.get_current_timezone()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Sự cố")[:31])
    cols = columns()
    for i, (_h, width) in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="D9D9D9")
    header = []
    for h, _w in cols:
        cell = WriteOnlyCell(ws, value=h)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    ws.append(header)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{count + 1}"
    for inc in qs[:limit].iterator(chunk_size=2000):  # XML-safe, no formula, text as text
        ws.append(exports.xlsx_row(ws, row_values(inc, tz)))
    if total > count:
        note = wb.create_sheet(_("Ghi chú")[:31])
        note.append(exports.xlsx_row(note, [truncation_message(count, total)]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def require_export_right(user) -> None:
    """Downloading a list is an export: the user's role must grant `export` somewhere;
    the file then holds only what the user may see."""
    if not getattr(user, "is_authenticated", False):
        raise AccessDenied()
    if not holds(user, "export"):
        raise AccessDenied(_("Vai trò của bạn không có quyền xuất dữ liệu."))


def can_export(user) -> bool:
    try:
        require_export_right(user)
    except AccessDenied:
        return False
    return True


def incident_list_export(*, actor: Actor, fmt: str, filters: IncidentFilters, limit: int = EXPORT_LIMIT) -> ListExport:
    """The incident list with `filters` as a CSV (streamed) or XLSX file for `actor`; at
    most `limit` rows, the newest first; one `export` audit entry."""
    if fmt not in FORMATS:
        raise DomainError(_("Định dạng phải là csv hoặc xlsx."), field="format")
    user = actor.user
    require_export_right(user)
    qs = export_queryset(user, filters)
    total = qs.count()
    count = min(total, limit)
    audit.record_export(
        actor, object_type="incidents.incident", count=count, fmt=fmt, filters=filters.as_dict(),
        unit_id=getattr(filters.unit, "pk", None),
        object_repr=ngettext("Danh sách sự cố: %(n)s dòng (%(fmt)s)", "Danh sách sự cố: %(n)s dòng (%(fmt)s)", count) % {
            "n": count, "fmt": fmt},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"su-co_{stamp}.{fmt}"
    if fmt == "csv":
        chunks = _csv_chunks(qs, limit, count, total)
    else:
        chunks = iter([_xlsx_bytes(qs, limit, count, total)])
    return ListExport(fmt, filename, FORMATS[fmt], count, total, chunks)
