"""Writes on the information systems registry: systems, their addresses, their software.

Registering a system needs `add` on its owner unit; changing it, its addresses or its
software needs `change` there; deleting it needs `delete` (and is refused while
incidents name it: retire it instead). Retiring (status "retired") needs `change`.
Who may is decided by the access layer from the Actor (the platform actor, for the demo
and loaders, may everything).

Values are coerced here, once, for every interface: the pages, the API, the CLI and the
importer all call `clean_value(field, raw)` (strings are accepted for every field, so a
spreadsheet cell and a JSON value go through the same checks). Every error is a
DomainError naming the field, in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from vigil.core import access, audit, concurrency
from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError, validation_errors
from vigil.org.models import Unit

from ..models import InformationSystem, SoftwareItem, SystemAddress
from .addresses import parse_address
from .cpe import parse_cpe

Hosting = InformationSystem.Hosting
Status = InformationSystem.Status

# Fields a system's form, payload or import row may set (besides owner_unit).
FIELDS = (
    "code", "name", "purpose", "operator", "hosting", "hosting_detail", "sector", "status", "level",
    "level_decision_number", "level_decision_date", "national_security_important", "review_due",
    "reapproval_due", "contact_name", "contact_email", "contact_phone", "note",
)
TEXT_FIELDS = (
    "purpose", "operator", "hosting_detail", "sector", "level_decision_number", "contact_name",
    "contact_email", "contact_phone", "note",
)
DATE_FIELDS = ("level_decision_date", "review_due", "reapproval_due")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
TRUE_WORDS = {"1", "true", "yes", "y", "x", "co", "có", "đúng", "dung", "on"}
FALSE_WORDS = {"", "0", "false", "no", "n", "khong", "không", "sai", "off"}


# --------------------------------------------------------------------------- coercion


def _label(field: str) -> str:
    return str(InformationSystem._meta.get_field(field).verbose_name)


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics, punctuation as single spaces: how
    headers and choice labels are compared ("Hạn rà soát" == "han ra soat")."""
    text = unicodedata.normalize("NFD", str(text or "").replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def parse_date(value, field: str) -> dt.date | None:
    """A date from a date, a datetime, "dd/mm/yyyy" or "yyyy-mm-dd"; None when empty."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ].*", text):
        try:
            return dt.datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise DomainError(
        _("%(label)s không hợp lệ: “%(v)s”; ghi dạng dd/mm/yyyy hoặc yyyy-mm-dd.")
        % {"label": _label(field).capitalize(), "v": text},
        field=field,
    )


def parse_bool(value, field: str = "national_security_important") -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS or fold(text) in TRUE_WORDS:
        return True
    if text in FALSE_WORDS or fold(text) in FALSE_WORDS:
        return False
    raise DomainError(_("Giá trị “%(v)s” không hợp lệ; ghi “có” hoặc “không”.") % {"v": value}, field=field)


def parse_level(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DomainError(_("Cấp độ phải là số từ 1 đến 5."), field="level")
    if isinstance(value, int | float):
        number = int(value) if float(value).is_integer() else None
    else:
        digits = re.fullmatch(r"(?:cap\s*(?:do)?\s*)?(\d+)", fold(value))
        number = int(digits.group(1)) if digits else None
    if number is None or not 1 <= number <= 5:
        raise DomainError(_("Cấp độ phải là số từ 1 đến 5 (hoặc để trống): “%(v)s”.") % {"v": value}, field="level")
    return number


def parse_choice(value, choices, field: str, default: str) -> str:
    """A choice from its code or its label (Vietnamese or English, any case/diacritics)."""
    from django.utils import translation

    text = str(value or "").strip()
    if not text:
        return default
    wanted = fold(text)
    for code, label in choices:
        candidates = {fold(code), fold(str(label))}
        with translation.override("en"):
            candidates.add(fold(str(label)))
        with translation.override("vi"):
            candidates.add(fold(str(label)))
        if wanted in candidates:
            return code
    raise DomainError(
        _("Giá trị “%(v)s” không hợp lệ cho %(label)s; chọn một trong: %(all)s.")
        % {"v": text, "label": _label(field), "all": ", ".join(f"{c} ({label})" for c, label in choices)},
        field=field,
    )


def parse_code(value) -> str:
    text = str(value or "").strip()
    if not text:
        raise DomainError(_("Hãy nhập mã hệ thống."), field="code")
    if len(text) > 64:
        raise DomainError(_("Mã hệ thống dài quá 64 ký tự."), field="code")
    if not CODE_RE.match(text):
        raise DomainError(
            _("Mã hệ thống chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới: “%(v)s”.") % {"v": text},
            field="code",
        )
    return text


def clean_value(field: str, value):
    """Coerce one field's raw value (a string, or its typed value) to what is stored."""
    if field == "code":
        return parse_code(value)
    if field == "name":
        text = " ".join(str(value or "").split())
        if not text:
            raise DomainError(_("Hãy nhập tên hệ thống."), field="name")
        if len(text) > 300:
            raise DomainError(_("Tên hệ thống dài quá 300 ký tự."), field="name")
        return text
    if field == "hosting":
        return parse_choice(value, Hosting.choices, field, Hosting.ON_PREMISES)
    if field == "status":
        return parse_choice(value, Status.choices, field, Status.OPERATING)
    if field == "level":
        return parse_level(value)
    if field in DATE_FIELDS:
        return parse_date(value, field)
    if field == "national_security_important":
        return parse_bool(value, field)
    if field in TEXT_FIELDS:
        text = str(value if value is not None else "").strip()
        max_length = InformationSystem._meta.get_field(field).max_length
        if max_length and len(text) > max_length:
            raise DomainError(
                _("%(label)s dài quá %(n)s ký tự.") % {"label": _label(field).capitalize(), "n": max_length},
                field=field,
            )
        return text
    raise DomainError(_("Không sửa được trường: %(f)s.") % {"f": field}, field=field)


# --------------------------------------------------------------------------- checks


def _require(actor: Actor | None, action: str, unit: Unit, field: str | None = None) -> None:
    if not access.allowed(actor, action, unit):
        if action == "add":
            raise AccessDenied(
                _("Bạn không có quyền đăng ký hệ thống thông tin cho %(u)s.") % {"u": unit.display_name},
                field=field,
            )
        raise AccessDenied()


def _full_clean(system: InformationSystem) -> None:
    try:
        system.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = validation_errors(exc)
        field, messages = next(iter(errors.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc


def _duplicate(unit: Unit, code: str) -> Conflict:
    return Conflict(
        _("%(u)s đã có hệ thống mang mã “%(c)s”.") % {"u": unit.display_name, "c": code},
        field="code", code="duplicate",
    )


def snapshot(system: InformationSystem) -> dict:
    """A system's fields with its addresses and software, for the audit log."""
    data = audit.snapshot(system)
    data["addresses"] = sorted(f"{a.kind}:{a.value}" for a in system.addresses.all())
    data["software"] = sorted(s.cpe for s in system.software.all())
    return data


# --------------------------------------------------------------------------- systems


def build_system(*, owner_unit: Unit, values: dict, system: InformationSystem | None = None) -> InformationSystem:
    """An unsaved system (new, or `system` changed in memory) from coerced `values`."""
    system = system or InformationSystem(owner_unit=owner_unit)
    system.owner_unit = owner_unit
    for field, value in values.items():
        setattr(system, field, value)
    return system


def system_create(*, actor: Actor, owner_unit: Unit, code, name, addresses=(), software=(),
                  **fields) -> InformationSystem:
    """Register a system of `owner_unit` (`add` on the unit). `fields` are any of FIELDS;
    strings are accepted (see `clean_value`). `addresses` and `software` (CPE names)
    are added in the same transaction: one bad value and nothing is registered."""
    if owner_unit is None:
        raise DomainError(_("Hãy chọn đơn vị chủ quản."), field="owner_unit")
    _require(actor, "add", owner_unit, field="owner_unit")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise DomainError(_("Không sửa được trường: %(f)s.") % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    values = {"code": clean_value("code", code), "name": clean_value("name", name)}
    for field, value in fields.items():
        values[field] = clean_value(field, value)
    system = build_system(owner_unit=owner_unit, values=values)
    system.created_by = actor.author
    _full_clean(system)
    with transaction.atomic():
        if InformationSystem.objects.filter(owner_unit=owner_unit, code=values["code"]).exists():
            raise _duplicate(owner_unit, values["code"])
        try:
            with transaction.atomic():
                system.save()
        except IntegrityError as exc:
            raise _duplicate(owner_unit, values["code"]) from exc
        audit.record(actor=actor, action="assets.system.create", obj=system, after=snapshot(system))
        for value in addresses or ():
            address_add(actor=actor, system=system, value=value)
        for cpe in software or ():
            software_add(actor=actor, system=system, cpe=cpe)
    return system


def system_update(*, actor: Actor, system: InformationSystem, owner_unit: Unit | None = None,
                  version: int | None = None, **changes) -> InformationSystem:
    """Change a system (`change` on its unit). Moving it to another unit (`owner_unit`)
    also needs `add` on that unit. `version` (the one the caller edited) refuses a stale
    edit (409)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise DomainError(_("Không sửa được trường: %(f)s.") % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    _require(actor, "change", system.owner_unit)
    if owner_unit is not None and owner_unit.pk != system.owner_unit_id:
        _require(actor, "add", owner_unit, field="owner_unit")
    values = {field: clean_value(field, value) for field, value in changes.items()}
    with transaction.atomic():
        system = InformationSystem.objects.select_for_update().select_related("owner_unit").get(pk=system.pk)
        concurrency.require_version(system, version)
        before = snapshot(system)
        build_system(owner_unit=owner_unit or system.owner_unit, values=values, system=system)
        _full_clean(system)
        clash = InformationSystem.objects.filter(owner_unit=system.owner_unit, code=system.code).exclude(pk=system.pk)
        if clash.exists():
            raise _duplicate(system.owner_unit, system.code)
        system.save()
        after = snapshot(system)
        if after != before:
            audit.record(actor=actor, action="assets.system.update", obj=system, before=before, after=after)
    return system


def system_retire(*, actor: Actor, system: InformationSystem) -> InformationSystem:
    """Mark a system as no longer operating (`change` on its unit); kept in the registry."""
    return system_update(actor=actor, system=system, status=Status.RETIRED)


def system_delete(*, actor: Actor, system: InformationSystem) -> None:
    """Remove a system from the registry (`delete` on its unit). Refused while incidents
    name it: retire it instead, so their history keeps it."""
    _require(actor, "delete", system.owner_unit)
    with transaction.atomic():
        system = InformationSystem.objects.select_for_update().get(pk=system.pk)
        if system.incidents.exists():
            raise Conflict(
                _("Hệ thống đã gắn với sự cố; không thể xoá, hãy chuyển sang “Đã dừng vận hành”."),
                field="system", code="in-use",
            )
        before = snapshot(system)
        pk, unit_id, text = system.pk, system.owner_unit_id, str(system)
        system.delete()
        audit.record(
            actor=actor, action="assets.system.delete", object_type=InformationSystem._meta.label_lower,
            object_id=str(pk), object_repr=text, unit_id=unit_id, before=before,
        )


# --------------------------------------------------------------------------- addresses


def address_add(*, actor: Actor, system: InformationSystem, value: str, kind: str | None = None) -> SystemAddress:
    """Add an address (IP, CIDR block, domain or URL; see `addresses.parse_address`) to a
    system (`change` on its unit). A duplicate is a Conflict."""
    _require(actor, "change", system.owner_unit)
    parsed = parse_address(value, kind)
    with transaction.atomic():
        if SystemAddress.objects.filter(system=system, kind=parsed.kind, value=parsed.value).exists():
            raise Conflict(_("Hệ thống đã có địa chỉ này: %(v)s.") % {"v": parsed.value}, field="value", code="duplicate")
        address = SystemAddress(system=system, **parsed.as_fields())
        address.full_clean(validate_constraints=False)
        address.save()
        audit.record(actor=actor, action="assets.address.create", obj=address, unit_id=system.owner_unit_id,
                     after=audit.snapshot(address))
    return address


def address_remove(*, actor: Actor, address: SystemAddress) -> None:
    """Remove an address from its system (`change` on the system's unit)."""
    system = address.system
    _require(actor, "change", system.owner_unit)
    with transaction.atomic():
        before = audit.snapshot(address)
        pk, text = address.pk, str(address)
        SystemAddress.objects.filter(pk=pk).delete()
        audit.record(
            actor=actor, action="assets.address.delete", object_type=SystemAddress._meta.label_lower,
            object_id=str(pk), object_repr=text, unit_id=system.owner_unit_id, before=before,
        )


# --------------------------------------------------------------------------- software


def software_add(*, actor: Actor, system: InformationSystem, cpe: str, note: str = "") -> SoftwareItem:
    """Add a product, named by a CPE 2.3 formatted string, to a system's inventory
    (`change` on its unit). The name is validated strictly (see `cpe.parse_cpe`)."""
    _require(actor, "change", system.owner_unit)
    name = parse_cpe(cpe)
    note = str(note or "").strip()
    if len(note) > 300:
        raise DomainError(_("Ghi chú dài quá 300 ký tự."), field="note")
    with transaction.atomic():
        if SoftwareItem.objects.filter(system=system, cpe=name.cpe).exists():
            raise Conflict(_("Phần mềm này đã có trong danh mục của hệ thống."), field="cpe", code="duplicate")
        item = SoftwareItem(
            system=system, cpe=name.cpe, part=name.part, vendor=name.vendor, product=name.product,
            version=name.version, note=note,
        )
        item.full_clean(validate_constraints=False)
        item.save()
        audit.record(actor=actor, action="assets.software.create", obj=item, unit_id=system.owner_unit_id,
                     after=audit.snapshot(item))
    return item


def software_remove(*, actor: Actor, item: SoftwareItem) -> None:
    """Remove a product from its system's inventory (`change` on the system's unit)."""
    system = item.system
    _require(actor, "change", system.owner_unit)
    with transaction.atomic():
        before = audit.snapshot(item)
        pk, text = item.pk, str(item)
        SoftwareItem.objects.filter(pk=pk).delete()
        audit.record(
            actor=actor, action="assets.software.delete", object_type=SoftwareItem._meta.label_lower,
            object_id=str(pk), object_repr=text, unit_id=system.owner_unit_id, before=before,
        )


def sync_children(*, system: InformationSystem, addresses: list, software: list) -> bool:
    """Make a saved system's addresses and software exactly the parsed ones given (the
    importer's upsert; the caller checked permission and audits). Returns whether
    anything changed."""
    changed = False
    wanted_addr = {(a.kind, a.value): a for a in addresses}
    current = {(a.kind, a.value): a.pk for a in system.addresses.all()}
    gone = [pk for key, pk in current.items() if key not in wanted_addr]
    if gone:
        SystemAddress.objects.filter(pk__in=gone).delete()
        changed = True
    new = [SystemAddress(system=system, **a.as_fields()) for key, a in wanted_addr.items() if key not in current]
    if new:
        SystemAddress.objects.bulk_create(new)
        changed = True
    wanted_sw = {c.cpe: c for c in software}
    current_sw = dict(system.software.values_list("cpe", "pk"))
    gone = [pk for cpe, pk in current_sw.items() if cpe not in wanted_sw]
    if gone:
        SoftwareItem.objects.filter(pk__in=gone).delete()
        changed = True
    new = [
        SoftwareItem(system=system, cpe=c.cpe, part=c.part, vendor=c.vendor, product=c.product, version=c.version)
        for cpe, c in wanted_sw.items() if cpe not in current_sw
    ]
    if new:
        SoftwareItem.objects.bulk_create(new)
        changed = True
    return changed
