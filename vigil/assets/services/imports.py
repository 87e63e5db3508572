"""Import and export of the registry as CSV or XLSX: one row per system.

Columns (Vietnamese headers first; the English ones, the field names and headers without
diacritics are accepted too, in any order; unknown columns are reported and ignored):
unit code, system code, name, purpose, operator, hosting, hosting detail, sector, status,
level, decision number, decision date, important (có/không, yes/no), review due,
re-approval due, contact name, e-mail, phone, note, addresses (separated by ";" or line
breaks), software CPE 2.3 names (separated by ";" or line breaks). Dates are dd/mm/yyyy
or yyyy-mm-dd (or date cells); choices are codes or labels.

Import is an upsert keyed by (owner unit code, system code). Every row is validated
first; an error names the line (the header is line 1, as in a spreadsheet), the column
and what is wrong. When any row has an error NOTHING is written, unless the caller asks
to skip bad lines: then the good rows are written and the bad ones reported. A row's
addresses and software become exactly those listed. The importer may only write systems
of units where it holds `add` (new systems) or `change` (existing ones); a unit it may
not write is an error of that row, worded so as not to reveal whether the unit exists.
All writes happen in one transaction, with one audit entry per system changed and one
summary entry for the import. Exports hold the systems the user may see, and are
recorded in the audit log as an export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from vigil.core import access, archives, audit, exports
from vigil.core.actors import Actor
from vigil.core.errors import DomainError, validation_errors
from vigil.core.uploads import check_upload

from ..models import InformationSystem
from ..selectors import systems_visible
from . import systems as svc
from .addresses import parse_address
from .cpe import parse_cpe

MAX_ROWS = 5000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Vietnamese, written on export
    english: str
    aliases: tuple = ()


COLUMNS = (
    Column("unit", "Mã đơn vị", "Unit code", ("đơn vị", "đơn vị chủ quản", "unit", "owner unit", "owner_unit")),
    Column("code", "Mã hệ thống", "System code", ("code", "mã")),
    Column("name", "Tên hệ thống", "Name", ("tên", "system name")),
    Column("purpose", "Mục đích, chức năng", "Purpose", ("mục đích",)),
    Column("operator", "Đơn vị vận hành", "Operator", ()),
    Column("hosting", "Hình thức triển khai", "Hosting", ()),
    Column("hosting_detail", "Nơi đặt hệ thống", "Hosting detail", ("nơi đặt",)),
    Column("sector", "Lĩnh vực", "Sector", ()),
    Column("status", "Tình trạng", "Status", ("trạng thái",)),
    Column("level", "Cấp độ", "Level", ("cấp độ an toàn", "security level")),
    Column("level_decision_number", "Số quyết định phê duyệt cấp độ", "Decision number",
           ("số quyết định", "level decision number")),
    Column("level_decision_date", "Ngày phê duyệt cấp độ", "Decision date",
           ("ngày quyết định", "level decision date")),
    Column("national_security_important", "Quan trọng về an ninh quốc gia", "Important",
           ("quan trọng", "important to national security", "national security important")),
    Column("review_due", "Hạn rà soát", "Review due", ()),
    Column("reapproval_due", "Hạn phê duyệt lại", "Re-approval due",
           ("hạn phê duyệt lại hồ sơ cấp độ", "reapproval due")),
    Column("contact_name", "Người phụ trách", "Contact name", ("contact",)),
    Column("contact_email", "Thư điện tử liên hệ", "Contact e-mail", ("thư điện tử", "email", "contact email")),
    Column("contact_phone", "Điện thoại liên hệ", "Contact phone", ("điện thoại", "phone")),
    Column("note", "Ghi chú", "Note", ()),
    Column("addresses", "Địa chỉ", "Addresses", ("địa chỉ ip tên miền url", "address")),
    Column("software", "Phần mềm (CPE)", "Software (CPE)", ("phần mềm", "cpe", "software")),
)
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = ("unit", "code", "name")
FIELD_COLUMN = {f: f for f in svc.FIELDS}


def _header_index() -> dict[str, str]:
    index = {}
    for c in COLUMNS:
        for name in (c.header, c.english, c.key, *c.aliases):
            index[svc.fold(name)] = c.key
    return index


HEADERS = _header_index()


# --------------------------------------------------------------------------- results


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = _("Dòng %(n)s") % {"n": self.line}
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class RowPlan:
    line: int
    unit: object
    code: str
    values: dict
    addresses: list
    software: list
    existing: InformationSystem | None


@dataclass
class ImportResult:
    filename: str = ""
    format: str = ""
    rows: int = 0
    created: list = field(default_factory=list)  # [(line, system id, code)]
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # [RowError]
    skipped_lines: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    imported: bool = False
    dry_run: bool = False
    skip_bad_lines: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})

    def imported_text(self) -> str:
        """What an import wrote, in words: each count read in the active language's plural form."""
        skipped = len(self.skipped_lines)
        return ngettext(
            "Đã nhập: %(c)s hệ thống mới, %(u)s cập nhật, %(n)s không đổi; %(skipped)s.",
            "Đã nhập: %(c)s hệ thống mới, %(u)s cập nhật, %(n)s không đổi; %(skipped)s.",
            len(self.created),
        ) % {
            "c": len(self.created), "u": len(self.updated), "n": len(self.unchanged),
            "skipped": ngettext("%(s)s dòng lỗi bị bỏ qua", "%(s)s dòng lỗi bị bỏ qua", skipped) % {"s": skipped},
        }

    def as_dict(self) -> dict:
        return {
            "filename": self.filename, "format": self.format, "rows": self.rows,
            "created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
            "created_lines": [c[0] for c in self.created], "updated_lines": [u[0] for u in self.updated],
            "errors": [e.as_dict() for e in self.errors], "skipped_lines": self.skipped_lines,
            "warnings": [str(w) for w in self.warnings], "imported": self.imported, "dry_run": self.dry_run,
            "skip_bad_lines": self.skip_bad_lines,
        }


# --------------------------------------------------------------------------- reading


def _file_error(message) -> DomainError:
    return DomainError(message, field="file", code="invalid-file")


def _format_of(filename: str, fmt: str | None) -> str:
    if fmt:
        fmt = fmt.lower()
    else:
        fmt = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if fmt not in FORMATS:
        raise _file_error(_("Chỉ nhận tệp CSV hoặc XLSX."))
    return fmt


def _read_csv(content: bytes) -> list[tuple[int, list]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(_("Tệp CSV phải được lưu với bảng mã UTF-8.")) from exc
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for number, row in enumerate(reader, start=1):
            rows.append((number, row))
            if number > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise _file_error(_("Tệp CSV không đọc được: %(e)s") % {"e": exc}) from exc
    return rows


XLSX_MAX_BYTES = 100 * 1024 * 1024  # decompressed: far above 5,000 rows of a register
XLSX_MAX_RUN = 32767 * 6  # bytes of one cell's XML text: Excel's 32,767 characters, each escaped


def _read_xlsx(content: bytes, name: str = "XLSX") -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    # Before openpyxl decompresses anything: the declared sizes, the ratio, then no cell
    # longer than Excel allows (streamed, never held) — a 1 MB file with a 1 GB cell is refused.
    archives.inspect_zip(content, name=name, limit=min(XLSX_MAX_BYTES, archives.max_bytes()))
    archives.check_xml_runs(content, name=name, max_run=XLSX_MAX_RUN)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise _file_error(_("Tệp XLSX không đọc được.")) from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, list(row)))
            if number > MAX_ROWS + 1:
                break
    finally:
        book.close()
    return rows


def read_table(content: bytes, fmt: str, name: str = "") -> list[tuple[int, list]]:
    """(line number, cells) of every row of the file, the header first."""
    return _read_csv(content) if fmt == "csv" else _read_xlsx(content, name or "XLSX")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return exports.unquote(str(value).strip())  # `'+84…` as the export wrote it


def _split_list(value) -> list[str]:
    text = _cell_text(value).replace("\r", "\n")
    return [p.strip() for chunk in text.split("\n") for p in chunk.split(";") if p.strip()]


# --------------------------------------------------------------------------- validation


def _column_label(key: str, headers: dict[str, str]) -> str:
    """The column as the file names it (so the user finds it), else its Vietnamese header."""
    return headers.get(key) or BY_KEY[key].header if key in BY_KEY else key


def _map_headers(header_row: list, result: ImportResult) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(header_row):
        text = _cell_text(raw)
        if not text:
            continue
        key = HEADERS.get(svc.fold(text))
        if key is None:
            result.warnings.append(_("Cột “%(h)s” không được hỗ trợ; bỏ qua.") % {"h": text})
            continue
        if key in positions:
            raise _file_error(_("Cột “%(h)s” xuất hiện hai lần.") % {"h": text})
        positions[key] = index
    missing = [BY_KEY[k].header for k in REQUIRED if k not in positions]
    if missing:
        raise _file_error(
            _("Dòng tiêu đề thiếu cột bắt buộc: %(cols)s.") % {"cols": ", ".join(missing)}
        )
    return positions


def _plan_row(actor: Actor, line: int, cells: dict, headers: dict, units: dict, existing: dict,
              errors: list) -> RowPlan | None:
    before = len(errors)

    def err(key: str, message) -> None:
        errors.append(RowError(line, _column_label(key, headers), str(message)))

    unit_code = _cell_text(cells.get("unit"))
    unit = units.get(unit_code)
    code = ""
    try:
        code = svc.clean_value("code", _cell_text(cells.get("code")))
    except DomainError as exc:
        err("code", exc.message)
    if not unit_code:
        err("unit", _("Hãy ghi mã đơn vị chủ quản."))
    current = existing.get((unit_code, code)) if unit is not None and code else None
    action = "change" if current is not None else "add"
    if unit_code and (unit is None or not access.allowed(actor, action, unit)):
        err("unit", _("Đơn vị “%(u)s” không tồn tại hoặc bạn không có quyền ghi hệ thống thông tin của đơn vị này.")
            % {"u": unit_code})
        unit = None
    values = {}
    for name in svc.FIELDS:
        if name == "code" or (name not in cells and current is not None):
            continue
        raw = cells.get(name)
        try:
            values[name] = svc.clean_value(name, raw if not isinstance(raw, str) else exports.unquote(raw.strip()))
        except DomainError as exc:
            err(name, exc.message)
    if "code" not in values and code:
        values["code"] = code
    addresses, seen = [], set()
    for text in _split_list(cells.get("addresses")):
        try:
            parsed = parse_address(text, field="addresses")
        except DomainError as exc:
            err("addresses", f"“{text}”: {exc.message}")
            continue
        if (parsed.kind, parsed.value) not in seen:
            seen.add((parsed.kind, parsed.value))
            addresses.append(parsed)
    software, seen_cpe = [], set()
    for text in _split_list(cells.get("software")):
        try:
            name = parse_cpe(text)
        except DomainError as exc:
            err("software", f"“{text}”: {exc.message}")
            continue
        if name.cpe not in seen_cpe:
            seen_cpe.add(name.cpe)
            software.append(name)
    if unit is not None and len(errors) == before:
        model_values = {k: v for k, v in values.items()}
        probe = InformationSystem(owner_unit=unit)
        if current is not None:
            for f in svc.FIELDS:
                setattr(probe, f, getattr(current, f))
        svc.build_system(owner_unit=unit, values=model_values, system=probe)
        try:
            probe.full_clean(validate_constraints=False)
        except Exception as exc:  # ValidationError
            for f, messages in validation_errors(exc).items():
                key = f if f in BY_KEY else "code"
                for m in messages:
                    err(key, m)
    if len(errors) != before:
        return None
    return RowPlan(line=line, unit=unit, code=code, values=values, addresses=addresses, software=software,
                   existing=current)


def _plan(actor: Actor, table: list[tuple[int, list]], result: ImportResult) -> list[RowPlan]:
    if not table:
        raise _file_error(_("Tệp không có dữ liệu."))
    header_line, header_row = table[0]
    positions = _map_headers(header_row, result)
    headers = {key: _cell_text(header_row[i]) for key, i in positions.items()}
    body = [
        (line, {key: (row[i] if i < len(row) else None) for key, i in positions.items()})
        for line, row in table[1:]
        if any(_cell_text(c) for c in row)
    ]
    if len(body) > MAX_ROWS:
        raise _file_error(_("Tối đa %(n)s hệ thống mỗi lần nhập.") % {"n": MAX_ROWS})
    result.rows = len(body)
    if not body:
        raise _file_error(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
    from ..selectors import systems_by_keys, units_by_code

    units = units_by_code({_cell_text(c.get("unit")) for _, c in body})
    existing = systems_by_keys({(_cell_text(c.get("unit")), _cell_text(c.get("code"))) for _, c in body})
    plans, first_line = [], {}
    for line, cells in body:
        plan = _plan_row(actor, line, cells, headers, units, existing, result.errors)
        if plan is None:
            continue
        key = (plan.unit.pk, plan.code.lower())
        if key in first_line:
            result.errors.append(RowError(
                line, _column_label("code", headers),
                _("Trùng với dòng %(n)s (cùng đơn vị và mã hệ thống).") % {"n": first_line[key]},
            ))
            continue
        first_line[key] = line
        plans.append(plan)
    result.errors.sort(key=lambda e: e.line)
    return plans


# --------------------------------------------------------------------------- writing


def _write(actor: Actor, plan: RowPlan) -> tuple[InformationSystem, str]:
    """Create or update one planned system; returns it and "created" / "updated" / "unchanged"."""
    if plan.existing is None:
        system = svc.build_system(owner_unit=plan.unit, values=plan.values)
        system.created_by = actor.author
        system.full_clean(validate_constraints=False)
        system.save()
        svc.sync_children(system=system, addresses=plan.addresses, software=plan.software)
        audit.record(actor=actor, action="assets.system.create", obj=system, after=svc.snapshot(system))
        return system, "created"
    system = InformationSystem.objects.select_for_update().get(pk=plan.existing.pk)
    before = svc.snapshot(system)
    svc.build_system(owner_unit=system.owner_unit, values=plan.values, system=system)
    system.full_clean(validate_constraints=False)
    system.save()
    svc.sync_children(system=system, addresses=plan.addresses, software=plan.software)
    after = svc.snapshot(system)
    if after == before:
        return system, "unchanged"
    audit.record(actor=actor, action="assets.system.update", obj=system, before=before, after=after)
    return system, "updated"


def import_registry(
    *, actor: Actor, content: bytes, filename: str = "", fmt: str | None = None,
    skip_bad_lines: bool = False, dry_run: bool = False, sha256: str = "",
) -> ImportResult:
    """Validate and (unless `dry_run`) import a registry file (see the module docstring).
    A file that cannot be read at all raises DomainError on `file`; row errors are in
    the result, with `imported` False when nothing was written."""
    fmt = _format_of(filename, fmt)
    result = ImportResult(filename=filename, format=fmt, dry_run=dry_run, skip_bad_lines=skip_bad_lines)
    plans = _plan(actor, read_table(content, fmt, filename), result)
    result.skipped_lines = result.bad_lines if skip_bad_lines else []
    if dry_run or (result.errors and not skip_bad_lines):
        return result
    try:
        with transaction.atomic():
            for plan in plans:
                system, outcome = _write(actor, plan)
                getattr(result, outcome).append((plan.line, system.pk, system.code))
            audit.record(
                actor=actor, action="assets.system.import", object_type=InformationSystem._meta.label_lower,
                object_repr=_("Nhập danh mục hệ thống thông tin từ %(f)s") % {"f": filename or fmt.upper()},
                after={
                    "file": filename, "format": fmt, "sha256": sha256, "rows": result.rows,
                    "created": [c[1] for c in result.created], "updated": [u[1] for u in result.updated],
                    "unchanged": len(result.unchanged), "skipped_lines": result.skipped_lines,
                },
            )
    except IntegrityError as exc:  # a concurrent write of the same (unit, code)
        raise DomainError(
            _("Dữ liệu vừa bị thay đổi đồng thời; hãy nhập lại tệp."), field="file", code="conflict"
        ) from exc
    result.imported = True
    return result


def import_upload(*, actor: Actor, upload, skip_bad_lines: bool = False, dry_run: bool = False) -> ImportResult:
    """`import_registry` for an uploaded file (checked: size, type, SHA-256)."""
    if upload is None:
        raise _file_error(_("Hãy chọn tệp CSV hoặc XLSX."))
    checked = check_upload(upload, field="file")
    fmt = _format_of(checked.name, None)
    upload.seek(0)
    content = upload.read()
    return import_registry(
        actor=actor, content=content, filename=checked.name, fmt=fmt, skip_bad_lines=skip_bad_lines,
        dry_run=dry_run, sha256=checked.sha256,
    )


# --------------------------------------------------------------------------- export


@dataclass
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    count: int


def _date_text(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def system_row(system: InformationSystem, *, typed: bool = False) -> list:
    """A system as one row, in COLUMNS order (typed: dates and numbers as such, for XLSX)."""
    with translation.override("vi"):
        hosting = str(system.get_hosting_display())
        status = str(system.get_status_display())
        important = str(_("có") if system.national_security_important else _("không"))
    date = (lambda d: d) if typed else _date_text
    return [
        system.owner_unit.code, system.code, system.name, system.purpose, system.operator, hosting,
        system.hosting_detail, system.sector, status, system.level if system.level else "",
        system.level_decision_number, date(system.level_decision_date), important,
        date(system.review_due), date(system.reapproval_due), system.contact_name, system.contact_email,
        system.contact_phone, system.note,
        "; ".join(a.value for a in system.addresses.all()),
        "; ".join(s.cpe for s in system.software.all()),
    ]


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = exports.csv_writer(buffer, lineterminator="\r\n")  # no cell becomes a formula
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Hệ thống thông tin"
    sheet.append([c.header for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:  # XML-safe, no formula, text typed as text (core.exports)
        sheet.append(exports.xlsx_row(sheet, [v if v is not None else "" for v in row]))
    date_columns = [i + 1 for i, c in enumerate(COLUMNS) if c.key in svc.DATE_FIELDS]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.column in date_columns and isinstance(cell.value, dt.date):
                cell.number_format = "DD/MM/YYYY"
    widths = {"name": 40, "purpose": 40, "addresses": 45, "software": 60, "unit": 16, "code": 18}
    from openpyxl.utils import get_column_letter

    for i, c in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = widths.get(c.key, 20)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXPORT_FILTERS = ("unit", "subtree", "level", "important", "status", "q", "due")


def export_registry(*, actor: Actor, fmt: str, template: bool = False, **filters) -> ExportFile:
    """The systems `actor` may see (filtered as `systems_visible`) as a CSV or XLSX file,
    recorded in the audit log as an export. `template`: the header row only."""
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise DomainError(_("Định dạng phải là csv hoặc xlsx."), field="format")
    unknown = set(filters) - set(EXPORT_FILTERS)
    if unknown:
        raise DomainError(_("Bộ lọc không hợp lệ: %(f)s.") % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    user = actor.user
    systems = [] if template else list(
        systems_visible(user, **filters).prefetch_related("addresses", "software")
    )
    rows = [system_row(s, typed=fmt == "xlsx") for s in systems]
    content = _csv(rows) if fmt == "csv" else _xlsx(rows)
    stamp = dt.date.today().strftime("%Y%m%d")
    name = "mau-danh-muc-he-thong" if template else f"danh-muc-he-thong-{stamp}"
    if not template:
        shown = {k: (getattr(v, "code", v)) for k, v in filters.items() if v not in (None, "")}
        audit.record_export(
            actor, object_type=InformationSystem._meta.label_lower, count=len(rows), fmt=fmt,
            unit_id=getattr(filters.get("unit"), "pk", None), filters=shown,
            object_repr=ngettext(
                "Danh mục hệ thống thông tin (%(n)s hệ thống, %(f)s)", "Danh mục hệ thống thông tin (%(n)s hệ thống, %(f)s)",
                len(rows),
            ) % {"n": len(rows), "f": fmt},
        )
    return ExportFile(content=content, filename=f"{name}.{fmt}", content_type=FORMATS[fmt], count=len(rows))


IMPORT_HELP = gettext_lazy(
    "Một dòng cho mỗi hệ thống; dòng đầu là tiêu đề cột. Khóa: mã đơn vị + mã hệ thống (có thì cập nhật, "
    "chưa có thì thêm mới). Ngày ghi dd/mm/yyyy; “Quan trọng” ghi có/không; địa chỉ và tên CPE cách nhau "
    "bằng dấu “;” hoặc xuống dòng."
)
