"""Assets API: the information systems registry under /api/v1/assets/.

Systems (list with filters, get, create, patch, retire, delete), their addresses and
software (CPE 2.3), import of a CSV/XLSX file (multipart; all or nothing unless
`skip_bad_lines`) and export (CSV/XLSX, recorded as an export).

Thin adapters: parse, call a selector (reads start from visible_to) or a service
(writes), return a schema. A system the caller cannot see answers 404; one they see
but may not change, 403. Domain errors become RFC 9457 problems (vigil.core.problems).
"""

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from vigil.core import concurrency
from vigil.core.actors import api_actor
from vigil.core.api.schemas import UnitRef
from vigil.core.directory import unit_ref
from vigil.core.pagination import PageNumberPagination

from .. import selectors as sel
from ..services import imports
from ..services import systems as svc

router = Router(tags=["assets"])

Hosting = Literal["on_premises", "gov_datacenter", "colocation", "cloud", "hybrid"]
SystemStatus = Literal["planned", "operating", "retired"]
AddressKind = Literal["ipv4", "ipv6", "domain", "url"]


# --------------------------------------------------------------------------- schemas


class AddressOut(Schema):
    id: int
    kind: AddressKind
    value: str
    prefix_len: int = Field(description="CIDR prefix of an IP range; number of labels of a domain or URL host")


class SoftwareOut(Schema):
    id: int
    cpe: str
    part: str
    vendor: str
    product: str
    version: str
    note: str


class SystemOut(Schema):
    id: int
    owner_unit: UnitRef
    owner_unit_id: int = Field(description="Deprecated (one release): `owner_unit.id`")
    owner_unit_code: str = Field(description="Deprecated (one release): `owner_unit.code`")
    owner_unit_name: str = Field(description="Deprecated (one release): `owner_unit.name`")
    code: str
    name: str
    purpose: str
    operator: str
    hosting: Hosting
    hosting_detail: str
    sector: str
    status: SystemStatus
    level: int | None = Field(description="Security level 1-5 (Decree 85/2016), null when not set")
    level_decision_number: str
    level_decision_date: dt.date | None
    national_security_important: bool
    review_due: dt.date | None
    reapproval_due: dt.date | None
    contact_name: str
    contact_email: str
    contact_phone: str
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner_unit_code(obj) -> str:
        return obj.owner_unit.code

    @staticmethod
    def resolve_owner_unit_name(obj) -> str:
        return obj.owner_unit.display_name


class SystemDetailOut(SystemOut):
    addresses: list[AddressOut]
    software: list[SoftwareOut]

    @staticmethod
    def resolve_addresses(obj) -> list:
        return sel.system_addresses(obj)

    @staticmethod
    def resolve_software(obj) -> list:
        return sel.system_software(obj)


class SystemFilter(Schema):
    unit: str | None = Field(None, description="Unit id or code: systems of it and its subtree")
    subtree: bool = Field(True, description="Include the unit's subtree (with `unit`)")
    level: int | None = Field(None, ge=1, le=5)
    important: bool | None = Field(None, description="Designated important to national security")
    status: SystemStatus | None = None
    q: str | None = Field(None, max_length=200, description="Text in code, name, operator, purpose, addresses, software")
    due: Literal["soon", "overdue"] | None = Field(None, description="Review or re-approval due within 30 days, or past")


class SystemFields(Schema):
    purpose: str = ""
    operator: str = Field("", max_length=300)
    hosting: Hosting = "on_premises"
    hosting_detail: str = Field("", max_length=300)
    sector: str = Field("", max_length=64)
    status: SystemStatus = "operating"
    level: int | None = Field(None, ge=1, le=5)
    level_decision_number: str = Field("", max_length=64)
    level_decision_date: dt.date | None = None
    national_security_important: bool = False
    review_due: dt.date | None = None
    reapproval_due: dt.date | None = None
    contact_name: str = Field("", max_length=200)
    contact_email: str = Field("", max_length=254)
    contact_phone: str = Field("", max_length=32)
    note: str = ""


class SystemIn(SystemFields):
    owner_unit: int | str = Field(description="Owner unit id or code")
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    addresses: list[str] = Field([], description="Addresses to add (IP, CIDR, domain, URL)")
    software: list[str] = Field([], description="CPE 2.3 names to add")


class SystemPatch(Schema):
    owner_unit: int | str | None = Field(None, description="Move to this unit (id or code)")
    code: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=300)
    purpose: str | None = None
    operator: str | None = Field(None, max_length=300)
    hosting: Hosting | None = None
    hosting_detail: str | None = Field(None, max_length=300)
    sector: str | None = Field(None, max_length=64)
    status: SystemStatus | None = None
    level: int | None = Field(None, ge=1, le=5)
    level_decision_number: str | None = Field(None, max_length=64)
    level_decision_date: dt.date | None = None
    national_security_important: bool | None = None
    review_due: dt.date | None = None
    reapproval_due: dt.date | None = None
    contact_name: str | None = Field(None, max_length=200)
    contact_email: str | None = Field(None, max_length=254)
    contact_phone: str | None = Field(None, max_length=32)
    note: str | None = None


class AddressIn(Schema):
    value: str = Field(min_length=1, max_length=500, description="IP address, CIDR block, domain or URL")
    kind: AddressKind | None = Field(None, description="Detected when omitted")


class SoftwareIn(Schema):
    cpe: str = Field(min_length=1, max_length=500, description="CPE 2.3 formatted string (13 components)")
    note: str = Field("", max_length=300)


class ImportErrorOut(Schema):
    line: int = Field(description="Line in the file; the header is line 1")
    column: str
    message: str


class ImportOut(Schema):
    filename: str
    format: str
    rows: int
    created: int
    updated: int
    unchanged: int
    created_lines: list[int]
    updated_lines: list[int]
    errors: list[ImportErrorOut]
    skipped_lines: list[int]
    warnings: list[str]
    imported: bool = Field(description="False when nothing was written (errors without skip_bad_lines, or dry_run)")
    dry_run: bool
    skip_bad_lines: bool


class SystemExportQuery(SystemFilter):
    format: Literal["csv", "xlsx"] = "csv"
    template: bool = Field(False, description="Header row only: a template to fill in")


# --------------------------------------------------------------------------- helpers


def _filters(request, f: SystemFilter) -> dict:
    unit = unit_ref(request.auth, f.unit, field="unit", active_only=True, optional=True)
    return {
        "unit": unit, "subtree": f.subtree, "level": f.level, "important": f.important,
        "status": f.status or "", "q": f.q or "", "due": f.due or "",
    }


def _system(request, system_id: int):
    return sel.system_get(user=request.auth, system_id=system_id)


def _binary(description: str) -> dict:
    content = {mime: {"schema": {"type": "string", "format": "binary"}} for mime in imports.FORMATS.values()}
    return {"responses": {200: {"description": description, "content": content}}}


# --------------------------------------------------------------------------- systems


@router.get("/systems", response=list[SystemOut], summary="List the information systems you may see")
@paginate(PageNumberPagination)
def list_systems(request, filters: Query[SystemFilter]):
    return sel.systems_visible(request.auth, **_filters(request, filters))


@router.get(
    "/systems/export",
    summary="Download the registry as CSV or XLSX (the systems you may see; recorded as an export)",
    openapi_extra=_binary("The registry, one row per system"),
)
def export_systems(request, q: Query[SystemExportQuery]):
    filters = {} if q.template else _filters(request, q)
    produced = imports.export_registry(actor=api_actor(request), fmt=q.format, template=q.template, **filters)
    response = HttpResponse(produced.content, content_type=produced.content_type)
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    return response


@router.post(
    "/systems/import", response={200: ImportOut, 422: ImportOut},
    summary="Import systems from a CSV or XLSX file (multipart: file, skip_bad_lines, dry_run)",
)
def import_systems(request, file: File[UploadedFile], skip_bad_lines: Form[bool] = False, dry_run: Form[bool] = False):
    result = imports.import_upload(
        actor=api_actor(request), upload=file, skip_bad_lines=skip_bad_lines, dry_run=dry_run
    )
    status = 422 if result.errors and not skip_bad_lines and not dry_run else 200
    return Status(status, result.as_dict())


@router.post("/systems", response={201: SystemDetailOut}, summary="Register an information system")
def create_system(request, payload: SystemIn):
    actor = api_actor(request)
    data = payload.dict()
    unit = unit_ref(request.auth, data.pop("owner_unit"), field="owner_unit", active_only=True)
    system = svc.system_create(actor=actor, owner_unit=unit, **data)
    return Status(201, _system(request, system.pk))


@router.get("/systems/{system_id}", response=SystemDetailOut, summary="One information system with its addresses and software")
def get_system(request, system_id: int):
    return concurrency.tag(request, _system(request, system_id))


@router.patch("/systems/{system_id}", response=SystemDetailOut, summary="Change an information system")
def update_system(request, system_id: int, payload: SystemPatch):
    system = _system(request, system_id)
    version = concurrency.if_match(request, system)
    data = payload.dict(exclude_unset=True)
    unit = None
    if data.get("owner_unit") is not None:
        unit = unit_ref(request.auth, data.pop("owner_unit"), field="owner_unit", active_only=True)
    data.pop("owner_unit", None)
    svc.system_update(actor=api_actor(request), system=system, owner_unit=unit, version=version, **data)
    return concurrency.tag(request, _system(request, system_id))


@router.post("/systems/{system_id}/retire", response=SystemDetailOut, summary="Mark a system as no longer operating")
def retire_system(request, system_id: int):
    system = _system(request, system_id)
    svc.system_retire(actor=api_actor(request), system=system)
    return _system(request, system_id)


@router.delete("/systems/{system_id}", response={204: None}, summary="Delete a system (refused while incidents name it)")
def delete_system(request, system_id: int):
    svc.system_delete(actor=api_actor(request), system=_system(request, system_id))
    return Status(204, None)


# --------------------------------------------------------------------------- addresses


@router.get("/systems/{system_id}/addresses", response=list[AddressOut], summary="The addresses of a system")
def list_addresses(request, system_id: int):
    return sel.system_addresses(_system(request, system_id))


@router.post("/systems/{system_id}/addresses", response={201: AddressOut}, summary="Add an address (IP, CIDR, domain, URL) to a system")
def add_address(request, system_id: int, payload: AddressIn):
    system = _system(request, system_id)
    return Status(201, svc.address_add(actor=api_actor(request), system=system, value=payload.value, kind=payload.kind))


@router.delete("/systems/{system_id}/addresses/{address_id}", response={204: None}, summary="Remove an address from a system")
def remove_address(request, system_id: int, address_id: int):
    system = _system(request, system_id)
    address = sel.address_get(user=request.auth, system=system, address_id=address_id)
    svc.address_remove(actor=api_actor(request), address=address)
    return Status(204, None)


# --------------------------------------------------------------------------- software


@router.get("/systems/{system_id}/software", response=list[SoftwareOut], summary="The software inventory of a system")
def list_software(request, system_id: int):
    return sel.system_software(_system(request, system_id))


@router.post("/systems/{system_id}/software", response={201: SoftwareOut}, summary="Add a product (CPE 2.3 name) to a system's inventory")
def add_software(request, system_id: int, payload: SoftwareIn):
    system = _system(request, system_id)
    return Status(201, svc.software_add(actor=api_actor(request), system=system, cpe=payload.cpe, note=payload.note))


@router.delete("/systems/{system_id}/software/{software_id}", response={204: None}, summary="Remove a product from a system's inventory")
def remove_software(request, system_id: int, software_id: int):
    system = _system(request, system_id)
    item = sel.software_get(user=request.auth, system=system, software_id=software_id)
    svc.software_remove(actor=api_actor(request), item=item)
    return Status(204, None)
