"""Writes on membership decisions ("quyết định kiện toàn"): a draft is created, given its
items (appoint / remove a person to / from a role) and the signed PDF, then applied
all at once. Applying creates and ends memberships (never deletes them); an applied
decision is frozen.

Every write needs `manage_members` on the unit whose body the decision completes
(`owner_unit`); under TLP:RED only the author may write (core TLPPolicy).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from vigil.core import audit, concurrency
from vigil.core.access import require, reset_scope, visible_to
from vigil.core.actors import Actor
from vigil.core.errors import Conflict, DomainError, NotFound
from vigil.core.models import TLP
from vigil.core.notify.text import render_value
from vigil.core.refs import is_pk

from ..models import DecisionItem, Membership, MembershipDecision, Person, Role, Unit
from .memberships import (
    check_manage_members,
    check_may_grant,
    check_person_visible,
    create_membership,
    end_membership,
)

EDITABLE = ("number", "date", "effective_date", "issuer", "title", "tlp")
PDF_MAGIC = b"%PDF-"


# --------------------------------------------------------------------------- helpers


def _require_write(actor: Actor, decision: MembershipDecision) -> None:
    require(actor, "manage_members", decision)


def _require_draft(decision: MembershipDecision) -> None:
    if decision.status != MembershipDecision.Status.DRAFT:
        raise Conflict(
            _("Quyết định %(n)s đã được áp dụng; không thể sửa đổi.") % {"n": decision.number},
            field="status",
            code="applied",
        )


def _locked_draft(decision: MembershipDecision) -> MembershipDecision:
    decision = MembershipDecision.objects.select_for_update().select_related("owner_unit").get(pk=decision.pk)
    _require_draft(decision)
    return decision


def _check_number_free(unit: Unit, number: str, exclude_pk=None) -> None:
    qs = MembershipDecision.objects.filter(owner_unit=unit, number=number)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise Conflict(_("Đơn vị đã có quyết định mang số này."), field="number", code="duplicate")


def _save_numbered(decision: MembershipDecision, fields=None, version: int | None = None) -> None:
    """Save (only `fields` of an existing draft, refusing a stale `version`); a concurrent
    writer that took the same number first becomes a Conflict."""
    try:
        with transaction.atomic():
            if fields is None:
                decision.save()
            else:
                concurrency.save(decision, fields, expected=version)
    except IntegrityError as exc:
        raise Conflict(_("Đơn vị đã có quyết định mang số này."), field="number", code="duplicate") from exc


def _resolve_users(actor: Actor, usernames: Iterable) -> list:
    """The TLP:RED recipients named, among the people the actor may name; an unknown name
    and one the actor may not see get the same error (no account enumeration)."""
    from ..selectors.people import recipients_named

    return recipients_named(user=actor, values=usernames or [])


def _resolve_units(actor: Actor, units: Iterable) -> list[Unit]:
    qs = Unit.objects.filter(is_active=True)
    qs = visible_to(actor, qs)
    result = []
    for value in units or []:
        pk = value.pk if isinstance(value, Unit) else value
        found = qs.filter(pk=pk).first() if is_pk(pk) else None
        if found is None:
            raise NotFound(_("Không tìm thấy đơn vị %(u)s.") % {"u": value}, field="shared_with")
        result.append(found)
    return result


def _check_tlp(tlp: str) -> str:
    if tlp not in TLP.values:
        raise DomainError(
            _("TLP phải là một trong: %(v)s.") % {"v": ", ".join(TLP.values)}, field="tlp"
        )
    return tlp


def _check_dates(date, effective_date) -> None:
    if not isinstance(date, dt.date):
        raise DomainError(_("Hãy nhập ngày ký (YYYY-MM-DD)."), field="date")
    if not isinstance(effective_date, dt.date):
        raise DomainError(_("Hãy nhập ngày hiệu lực (YYYY-MM-DD)."), field="effective_date")


def read_signed_pdf(upload) -> tuple[str, int]:
    """Check an uploaded signed file (size limit, PDF magic bytes, optionally an embedded
    signature) while hashing it. Returns (SHA-256 hex, size). Raises DomainError on
    `signed_file` with a message that says what is wrong."""
    limit = settings.VIGIL_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise DomainError(
            _("Tệp quá lớn (%(size)s MB); tối đa %(max)s MB.")
            % {"size": f"{size / 1048576:.1f}", "max": f"{limit / 1048576:.0f}"},
            field="signed_file",
            code="too-large",
        )
    if size == 0:
        raise DomainError(_("Tệp rỗng."), field="signed_file", code="empty")
    need_signature = getattr(settings, "VIGIL_DECISION_REQUIRE_PDF_SIGNATURE", False)
    digest = hashlib.sha256()
    total = 0
    head = b""
    tail = b""
    signed = False
    if hasattr(upload, "seek"):
        upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        if len(head) < len(PDF_MAGIC):
            head += chunk[: len(PDF_MAGIC) - len(head)]
        total += len(chunk)
        if total > limit:
            raise DomainError(
                _("Tệp quá lớn; tối đa %(max)s MB.") % {"max": f"{limit / 1048576:.0f}"},
                field="signed_file",
                code="too-large",
            )
        digest.update(chunk)
        if need_signature and not signed:
            window = tail + chunk
            signed = b"/ByteRange" in window
            tail = chunk[-16:]
    if total == 0:
        raise DomainError(_("Tệp rỗng."), field="signed_file", code="empty")
    if head != PDF_MAGIC:
        raise DomainError(
            _("Tệp phải là PDF (không nhận ra định dạng PDF trong nội dung tệp)."), field="signed_file", code="not-pdf"
        )
    if need_signature and not signed:
        raise DomainError(
            _("Tệp PDF chưa có chữ ký số."), field="signed_file", code="unsigned"
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    return digest.hexdigest(), total


def _store_file(decision: MembershipDecision, upload, sha: str) -> str | None:
    """Store a validated `upload` as the decision's signed file; returns the old name."""
    old = decision.signed_file.name or None
    base = get_valid_filename((getattr(upload, "name", "") or "quyet-dinh").rsplit("/", 1)[-1])
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    decision.signed_file.save(f"{sha[:12]}-{stem[:60] or 'quyet-dinh'}.pdf", upload, save=False)
    decision.signed_file_sha256 = sha
    return old


def _delete_later(name: str | None, storage) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --------------------------------------------------------------------------- services


def decision_check_editable(*, actor: Actor, decision: MembershipDecision) -> None:
    """Raise AccessDenied (no `manage_members`, or TLP:RED and not the author) or
    Conflict (already applied) when `decision` cannot be changed by `actor`."""
    _require_write(actor, decision)
    _require_draft(decision)



def decision_create(
    *,
    actor: Actor,
    unit: Unit,
    number: str,
    date: dt.date,
    effective_date: dt.date | None = None,
    issuer: str,
    title: str,
    tlp: str = TLP.AMBER,
    shared_with: Iterable = (),
    recipients: Iterable = (),
    signed_file=None,
) -> MembershipDecision:
    """Create a draft decision for the body of `unit` (`manage_members` on the unit).
    TLP:AMBER by default; under TLP:RED only the author and `recipients` see it.
    `effective_date` defaults to the signing date."""
    if unit is None:
        raise DomainError(_("Hãy chọn đơn vị."), field="unit")
    check_manage_members(actor, unit)
    number = (number or "").strip()
    effective_date = effective_date or date
    _check_dates(date, effective_date)
    _check_tlp(tlp)
    sha = read_signed_pdf(signed_file)[0] if signed_file is not None else None
    with transaction.atomic():
        _check_number_free(unit, number)
        decision = MembershipDecision(
            owner_unit=unit, number=number, date=date, effective_date=effective_date,
            issuer=(issuer or "").strip(), title=" ".join((title or "").split()), tlp=tlp,
            created_by=actor.author,
        )
        decision.full_clean()
        if signed_file is not None:
            _store_file(decision, signed_file, sha)
        _save_numbered(decision)
        decision.shared_with.set(_resolve_units(actor, shared_with))
        decision.recipients.set(_resolve_users(actor, recipients))
        audit.record(
            actor=actor, action="create", obj=decision,
            after={**_snapshot(decision), **_audience(decision)},
        )
    return decision


def _snapshot(decision: MembershipDecision) -> dict:
    """Like audit.snapshot, with the signed file as its name (core's JSON encoder probes
    `url`, which an empty FieldFile refuses with ValueError)."""
    data = {}
    for f in decision._meta.concrete_fields:
        value = f.value_from_object(decision)
        data[f.name] = (value.name or "") if f.name == "signed_file" else value
    return json.loads(audit.canonical(data))


def _audience(decision: MembershipDecision) -> dict:
    return {
        "shared_with": sorted(decision.shared_with.values_list("code", flat=True)),
        "recipients": sorted(decision.recipients.values_list("username", flat=True)),
    }


def decision_update(*, actor: Actor, decision: MembershipDecision, version: int | None = None,
                    **changes) -> MembershipDecision:
    """Change a draft's fields (number, dates, issuer, title, tlp, shared_with, recipients).
    Only the fields given are written; `version` refuses a stale edit."""
    unknown = set(changes) - set(EDITABLE) - {"shared_with", "recipients"}
    if unknown:
        raise DomainError(_("Trường không hợp lệ: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _require_write(actor, decision)
    with transaction.atomic():
        decision = _locked_draft(decision)
        before = {**_snapshot(decision), **_audience(decision)}
        for key in EDITABLE:
            if key in changes:
                value = changes[key]
                if key in ("number", "issuer"):
                    value = (value or "").strip()
                elif key == "title":
                    value = " ".join((value or "").split())
                elif key == "tlp":
                    value = _check_tlp(value)
                setattr(decision, key, value)
        _check_dates(decision.date, decision.effective_date)
        if "number" in changes:
            _check_number_free(decision.owner_unit, decision.number, exclude_pk=decision.pk)
        decision.full_clean()
        _save_numbered(decision, [k for k in EDITABLE if k in changes], version)
        if "shared_with" in changes:
            decision.shared_with.set(_resolve_units(actor, changes["shared_with"]))
        if "recipients" in changes:
            decision.recipients.set(_resolve_users(actor, changes["recipients"]))
        after = {**_snapshot(decision), **_audience(decision)}
        if after != before:
            audit.record(actor=actor, action="update", obj=decision, before=before, after=after)
    return decision


def decision_attach_file(*, actor: Actor, decision: MembershipDecision, upload) -> MembershipDecision:
    """Attach (or replace) the signed PDF of a draft; its SHA-256 is kept with it."""
    _require_write(actor, decision)
    if upload is None:
        raise DomainError(_("Hãy chọn tệp."), field="signed_file")
    _require_draft(decision)
    sha = read_signed_pdf(upload)[0]
    with transaction.atomic():
        decision = _locked_draft(decision)
        before = _snapshot(decision)
        old = _store_file(decision, upload, sha)
        decision.save(update_fields=["signed_file", "signed_file_sha256", "updated_at"])
        _delete_later(old if old != decision.signed_file.name else None, decision.signed_file.storage)
        audit.record(actor=actor, action="attach", obj=decision, before=before, after=_snapshot(decision))
    return decision


def decision_add_item(
    *,
    actor: Actor,
    decision: MembershipDecision,
    action: str,
    person: Person,
    role: Role,
    note: str = "",
) -> DecisionItem:
    """Add a line to a draft: appoint `person` to `role` in the decision's unit, or remove them."""
    _require_write(actor, decision)
    if action not in DecisionItem.Action.values:
        raise DomainError(
            _("Nội dung phải là appoint (bổ nhiệm) hoặc remove (miễn nhiệm)."), field="action"
        )
    if person is None:
        raise DomainError(_("Hãy chọn cán bộ."), field="person")
    if role is None:
        raise DomainError(_("Hãy chọn vai trò."), field="role")
    check_person_visible(actor, person)
    if action == DecisionItem.Action.APPOINT:
        check_may_grant(actor, role, decision.owner_unit, person)
        if not person.is_active:
            raise DomainError(
                _("%(name)s không còn công tác; không thể bổ nhiệm.") % {"name": person.full_name},
                field="person",
            )
    with transaction.atomic():
        decision = _locked_draft(decision)
        if decision.items.filter(person=person, role=role).exists():
            raise Conflict(
                _("Quyết định đã có nội dung về %(person)s – %(role)s.")
                % {"person": person.full_name, "role": role.display_name},
                field="person",
                code="duplicate",
            )
        item = DecisionItem(decision=decision, action=action, person=person, role=role, note=(note or "").strip())
        item.full_clean()
        item.save()
        audit.record(
            actor=actor, action="add_item", obj=decision,
            after={"item": item.pk, "action": action, "person": person.pk, "role": role.code},
        )
    return item


def decision_remove_item(*, actor: Actor, decision: MembershipDecision, item: DecisionItem) -> None:
    """Remove a line from a draft."""
    _require_write(actor, decision)
    with transaction.atomic():
        decision = _locked_draft(decision)
        item = decision.items.filter(pk=getattr(item, "pk", item)).first()
        if item is None:
            raise NotFound(_("Không tìm thấy nội dung này trong quyết định."), field="item_id")
        data = {"item": item.pk, "action": item.action, "person": item.person_id, "role": item.role.code}
        item.delete()
        audit.record(actor=actor, action="remove_item", obj=decision, before=data)


def _item_label(index: int, item: DecisionItem) -> str:
    return _("Mục %(n)s (%(action)s %(person)s – %(role)s)") % {
        "n": index, "action": item.get_action_display(), "person": item.person.full_name,
        "role": item.role.display_name,
    }


def decision_apply(*, actor: Actor, decision: MembershipDecision) -> MembershipDecision:
    """Apply every item at once, as of the decision's effective date: an appointment
    creates a membership from that date (linked to the decision); a removal ends the
    person's ongoing membership in that role and unit on that date. Removals run first,
    so one decision can replace a head. Any failing item cancels the whole decision."""
    _require_write(actor, decision)
    touched_users = []
    with transaction.atomic():
        decision = _locked_draft(decision)
        unit = decision.owner_unit
        items = list(decision.items.select_related("person__user", "role").order_by("id"))
        if not items:
            raise DomainError(_("Quyết định chưa có nội dung nào để áp dụng."), field="items")
        on = decision.effective_date
        numbered = list(enumerate(items, start=1))
        ordered = [p for p in numbered if p[1].action == DecisionItem.Action.REMOVE] + [
            p for p in numbered if p[1].action == DecisionItem.Action.APPOINT
        ]
        for index, item in ordered:
            label = _item_label(index, item)
            if item.action == DecisionItem.Action.REMOVE:
                current = (
                    Membership.objects.active(on)
                    .filter(person=item.person, unit=unit, role=item.role)
                    .order_by("since")
                    .first()
                )
                if current is None:
                    raise DomainError(
                        _("%(item)s: %(person)s không giữ vai trò này tại đơn vị vào ngày %(d)s.")
                        % {"item": label, "person": item.person.full_name, "d": render_value(on)},
                        field="items",
                        code="no-membership",
                    )
                if current.since >= on:
                    raise DomainError(
                        _("%(item)s: thành viên bắt đầu từ %(d)s, không thể kết thúc vào ngày hiệu lực.")
                        % {"item": label, "d": render_value(current.since)},
                        field="items",
                    )
                end_membership(actor=actor, membership=current, until=on, ended_by=decision)
            else:
                try:
                    check_may_grant(actor, item.role, unit, item.person)
                    create_membership(
                        actor=actor, person=item.person, unit=unit, role=item.role, since=on,
                        decision=decision, note=item.note,
                    )
                except DomainError as exc:
                    raise type(exc)(f"{label}: {exc.message}", field="items", code=exc.code) from exc
            touched_users.append(item.person.user)
        before = _snapshot(decision)
        decision.status = MembershipDecision.Status.APPLIED
        decision.applied_at = timezone.now()
        decision.save(update_fields=["status", "applied_at", "updated_at"])
        audit.record(
            actor=actor, action="apply", obj=decision, before=before,
            after={**_snapshot(decision), "items": [i.pk for i in items]},
        )
    for user in touched_users:
        reset_scope(user)
    return decision


def decision_file_export(*, actor: Actor, decision: MembershipDecision):
    """Open the signed file for download; each download is an `export` audit entry.
    The caller has found `decision` through the access layer."""
    if not decision.signed_file:
        raise NotFound(_("Quyết định chưa có tệp đã ký."), field="signed_file")
    try:
        handle = decision.signed_file.storage.open(decision.signed_file.name, "rb")
    except FileNotFoundError as exc:
        raise NotFound(_("Không tìm thấy tệp đã ký trên máy chủ."), field="signed_file") from exc
    audit.record(
        actor=actor, action="export", obj=decision,
        after={"file": decision.signed_file.name, "sha256": decision.signed_file_sha256},
    )
    return handle
