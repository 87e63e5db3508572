"""Writes on a unit's constituency (the IP ranges, ASNs and domains it answers for): claims,
delegation requests and their decisions. Values are read with the one normaliser
(`org.constituency.parse_value`).
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.access import allowed_on_all, require
from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.core.notify import NotificationKind, message, notify, recipients_for_units

from ..constituency import CLAIM_ACTION, MAX_BATCH, Kind, ParsedValue, invalid_value, parse_value  # noqa: F401 - callers read them here too
from ..models import ConstituencyEntry, Unit

# --------------------------------------------------------------------------- writes

REQUESTED = "org.constituency.requested"
DECIDED = "org.constituency.decided"
GROUP = gettext_lazy("Phạm vi quản lý")
KINDS = [
    NotificationKind(REQUESTED, gettext_lazy("Đơn vị khác xin nhận phạm vi trùng với phạm vi của đơn vị"), GROUP),
    NotificationKind(DECIDED, gettext_lazy("Yêu cầu nhận phạm vi được chấp thuận hoặc bị từ chối"), GROUP),
]


def _check(actor: Actor, unit: Unit) -> None:
    require(actor, CLAIM_ACTION, unit)


def _active_others(parsed: ParsedValue, unit: Unit):
    return ConstituencyEntry.objects.filter(
        kind=parsed.kind, status=ConstituencyEntry.Status.ACTIVE, unit__is_active=True
    ).exclude(unit=unit)


def consent_units_for(parsed: ParsedValue, unit: Unit) -> list[Unit]:
    """The other units whose consent a claim of `parsed` by `unit` needs: the owners of the
    most specific active claims covering it (unless `unit`'s own claim is at least as
    specific: it was delegated already) and the owners of active claims inside it.
    Platform authority: the claimant is never told which units these are."""
    from ..selectors.constituency import covering_entries

    covering = list(covering_entries(parsed).order_by("-prefix_len").select_related("unit"))
    units: dict[int, Unit] = {}
    if covering:
        best = covering[0].prefix_len
        top = [e for e in covering if e.prefix_len == best]
        if all(e.unit_id != unit.pk for e in top):
            units.update((e.unit_id, e.unit) for e in top)
    inside = _active_others(parsed, unit)
    if parsed.kind in (Kind.IPV4, Kind.IPV6):
        inside = inside.filter(
            range_start__gte=parsed.range_start, range_end__lte=parsed.range_end, prefix_len__gt=parsed.prefix_len
        )
    elif parsed.kind == Kind.DOMAIN:
        inside = inside.filter(match_key__startswith=parsed.match_key + ".")
    else:  # an ASN is one number: only the same ASN overlaps, and it is covering
        inside = inside.none()
    units.update((e.unit_id, e.unit) for e in inside.select_related("unit"))
    units.pop(unit.pk, None)
    return sorted(units.values(), key=lambda u: u.path)


def may_consent(actor, units) -> bool:
    """Whether `actor` (an Actor, or a user) may accept a delegation on behalf of every
    unit in `units` (they manage each of them, or the whole network)."""
    return allowed_on_all(actor, CLAIM_ACTION, units)


def _request_url(entry: ConstituencyEntry) -> str:
    return reverse("org:constituency_requests") + f"#claim-{entry.pk}"


def _create(actor: Actor, unit: Unit, parsed: ParsedValue, note: str) -> ConstituencyEntry:
    if ConstituencyEntry.objects.filter(unit=unit, kind=parsed.kind, value=parsed.value).exists():
        raise Conflict(
            _("Đơn vị đã khai báo giá trị này: %(v)s.") % {"v": parsed.value}, field="value", code="duplicate"
        )
    consent = consent_units_for(parsed, unit)
    user = actor.author
    accepted = may_consent(actor, consent)
    entry = ConstituencyEntry(
        unit=unit, kind=parsed.kind, value=parsed.value, note=note or "",
        range_start=parsed.range_start, range_end=parsed.range_end,
        prefix_len=parsed.prefix_len, match_key=parsed.match_key,
        status=ConstituencyEntry.Status.ACTIVE if accepted else ConstituencyEntry.Status.PENDING,
        requested_by=user,
    )
    if consent and accepted:
        entry.decided_by, entry.decided_at = user, timezone.now()
    entry.full_clean()
    entry.save()
    if consent:
        entry.consent_units.set(consent)
    audit.record(actor=actor, action="create", obj=entry, after=audit.snapshot(entry))
    if not accepted:
        _notify_request(actor, entry, consent)
    return entry


def _notify_request(actor: Actor, entry: ConstituencyEntry, consent: list[Unit]) -> None:
    by_unit = recipients_for_units([u.pk for u in consent])
    for consenting in consent:
        notify(
            recipients=by_unit.get(consenting.pk, []), kind=REQUESTED,
            title=message(
                gettext_lazy("%(unit)s xin nhận %(value)s, trùng với phạm vi của %(owner)s"),
                unit=entry.unit.display_name, value=entry.value, owner=consenting.display_name,
            ),
            url=_request_url(entry), unit=consenting, actor=actor, subject=entry,
        )


def constituency_add(
    *, actor: Actor, unit: Unit, value: str, kind: str | None = None, note: str = ""
) -> ConstituencyEntry:
    """Declare that `unit` answers for `value` (`manage_members` on the unit). The value is
    validated and normalised (see `parse_value`); a duplicate in the same unit is a Conflict.
    A claim inside or over another unit's active claim is a request for delegation: it is
    pending (routing ignores it) until the other unit or the office accepts it
    (`constituency_decide`), unless the actor may accept for them already."""
    _check(actor, unit)
    parsed = parse_value(value, kind)
    with transaction.atomic():
        return _create(actor, unit, parsed, note)


def constituency_add_many(
    *, actor: Actor, unit: Unit, values: list[str], kind: str | None = None, note: str = ""
) -> list[ConstituencyEntry]:
    """Declare several values at once, all or nothing; an error names the line (1-based).
    Values the unit already declared are skipped, not an error."""
    _check(actor, unit)
    lines = [(i + 1, v.strip()) for i, v in enumerate(values) if v.strip() and not v.strip().startswith("#")]
    if not lines:
        raise invalid_value(_("Hãy nhập một địa chỉ IP, dải CIDR, số hiệu mạng (ASN) hoặc tên miền."), "values")
    if len(lines) > MAX_BATCH:
        raise invalid_value(_("Tối đa %(n)s giá trị mỗi lần.") % {"n": MAX_BATCH}, "values")
    parsed: dict[tuple[str, str], ParsedValue] = {}
    for number, text in lines:
        try:
            p = parse_value(text, kind)
        except DomainError as exc:
            raise DomainError(
                _("Dòng %(n)s: %(msg)s") % {"n": number, "msg": exc.message}, field="values", code=exc.code
            ) from exc
        parsed.setdefault((p.kind, p.value), p)
    with transaction.atomic():
        existing = set(
            ConstituencyEntry.objects.filter(unit=unit).values_list("kind", "value")
        )
        return [_create(actor, unit, p, note) for key, p in parsed.items() if key not in existing]


def constituency_remove(*, actor: Actor, entry: ConstituencyEntry) -> None:
    """Withdraw a value from its unit's constituency (`manage_members` on the unit);
    a pending request is withdrawn the same way."""
    _check(actor, entry.unit)
    with transaction.atomic():
        before = audit.snapshot(entry)
        entry_id, unit_id, text = entry.pk, entry.unit_id, str(entry)
        ConstituencyEntry.objects.filter(pk=entry_id).delete()
        audit.record(
            actor=actor, action="delete", object_type=ConstituencyEntry._meta.label_lower,
            object_id=str(entry_id), object_repr=text, unit_id=unit_id, before=before,
        )


def constituency_decide(*, actor: Actor, entry: ConstituencyEntry, accept: bool, note: str = "") -> ConstituencyEntry:
    """Accept or refuse a pending claim on behalf of the units it overlaps: the actor must
    manage every one of them, or the whole network (the committee office). Refusing keeps
    the claim, refused (routing ignores it); the claimant's managers are told either way."""
    if not isinstance(accept, bool):
        raise DomainError(_("Hãy chọn chấp thuận hoặc từ chối."), field="accept", code="invalid-value")
    note = (note or "").strip()
    if len(note) > 300:
        raise invalid_value(_("Ý kiến dài quá 300 ký tự."), "note")
    with transaction.atomic():
        entry = ConstituencyEntry.objects.select_for_update().select_related("unit").get(pk=entry.pk)
        consent = list(entry.consent_units.all())
        if not may_consent(actor, consent):
            raise AccessDenied()
        if entry.status != ConstituencyEntry.Status.PENDING:
            raise Conflict(
                _("Yêu cầu này đã được xử lý (%(s)s).") % {"s": entry.get_status_display()},
                field="status", code="already-decided",
            )
        before = audit.snapshot(entry)
        entry.status = ConstituencyEntry.Status.ACTIVE if accept else ConstituencyEntry.Status.REFUSED
        entry.decided_by = actor.author
        entry.decided_at = timezone.now()
        entry.decision_note = note
        entry.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit.record(
            actor=actor, action="org.constituency.accept" if accept else "org.constituency.refuse",
            obj=entry, before=before, after=audit.snapshot(entry),
        )
        text = (
            gettext_lazy("Yêu cầu nhận %(value)s của %(unit)s đã được chấp thuận")
            if accept else gettext_lazy("Yêu cầu nhận %(value)s của %(unit)s bị từ chối")
        )
        notify(
            recipients=recipients_for_units([entry.unit_id]).get(entry.unit_id, []), kind=DECIDED,
            title=message(text, value=entry.value, unit=entry.unit.display_name),
            body=note, url=reverse("org:unit_detail", args=[entry.unit_id]), unit=entry.unit,
            actor=actor, subject=entry,
        )
    return entry
