"""Writes on a unit's constituency (the IP ranges, ASNs and domains it answers for), and
the one normaliser every interface uses to read such a value.

Values are normalised before they are stored or matched:
- IPv4/IPv6: a CIDR block (a single address is a /32 or /128); a block with host bits set
  is refused and the error names the network that was probably meant;
- ASN: "AS64500", "as64500" or "64500", stored as "AS64500";
- domain: lower case, trailing dot removed, a leading "*." dropped (a claim always covers
  the subdomains), internationalised names converted to punycode with Python's `idna`
  codec (IDNA 2003), at least two labels.

Derived fields make matching an indexed comparison on SQLite and PostgreSQL alike:
`range_start`/`range_end` (fixed-width hex bounds; one number for an ASN), `prefix_len`
(the CIDR prefix; the number of labels for a domain) and `match_key` (a domain's labels
reversed: "www.example.vn" -> "vn.example.www").
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.access import require_in_unit, scope_of
from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.core.notify import NotificationKind, message, notify, recipients_for_units

from ..models import ConstituencyEntry, Unit

Kind = ConstituencyEntry.Kind
ASN_MAX = 4_294_967_295
ASN_RE = re.compile(r"^(?:as)?\s*(\d+)$", re.IGNORECASE)
LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
MAX_BATCH = 500


@dataclass(frozen=True)
class ParsedValue:
    """A constituency value in its canonical form, with the derived matching fields."""

    kind: str
    value: str
    range_start: str = ""
    range_end: str = ""
    prefix_len: int = 0
    match_key: str = ""

    @property
    def network(self):
        if self.kind in (Kind.IPV4, Kind.IPV6):
            return ipaddress.ip_network(self.value)
        return None


def _error(message, field: str) -> DomainError:
    return DomainError(message, field=field, code="invalid-value")


def _looks_like_ip(text: str) -> bool:
    if "://" in text or "@" in text:
        return False
    return ":" in text or bool(re.fullmatch(r"[\d./]+", text))


def _parse_ip(text: str, field: str, *, strict: bool) -> ParsedValue:
    if "%" in text:
        raise _error(_("Địa chỉ IP không được kèm vùng (%%): “%(v)s”.") % {"v": text}, field)
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise _error(
                _("“%(v)s” không phải là địa chỉ IP hoặc dải CIDR hợp lệ.") % {"v": text}, field
            ) from exc
        if strict:
            raise _error(
                _("Dải “%(v)s” có các bit phần địa chỉ máy khác 0; địa chỉ mạng đúng là %(net)s.")
                % {"v": text, "net": network},
                field,
            ) from exc
    kind = Kind.IPV4 if network.version == 4 else Kind.IPV6
    return ParsedValue(
        kind=kind,
        value=str(network),
        range_start=ConstituencyEntry.ip_hex(network.network_address),
        range_end=ConstituencyEntry.ip_hex(network.broadcast_address),
        prefix_len=network.prefixlen,
    )


def _parse_asn(text: str, field: str) -> ParsedValue:
    m = ASN_RE.match(text)
    if not m:
        raise _error(
            _("Số hiệu mạng (ASN) không hợp lệ: “%(v)s”; nhập dạng AS64500 hoặc 64500.") % {"v": text}, field
        )
    number = int(m.group(1))
    if not 1 <= number <= ASN_MAX:
        raise _error(_("Số hiệu mạng (ASN) phải từ 1 đến %(max)s.") % {"max": ASN_MAX}, field)
    hexed = f"{number:08x}"
    return ParsedValue(kind=Kind.ASN, value=f"AS{number}", range_start=hexed, range_end=hexed)


def _parse_domain(text: str, field: str) -> ParsedValue:
    if "://" in text or "/" in text or "@" in text or " " in text:
        raise _error(_("Hãy nhập tên miền, không phải URL hay địa chỉ thư (ví dụ: example.vn)."), field)
    name = text.strip().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    if not name:
        raise _error(_("Tên miền không hợp lệ: “%(v)s”.") % {"v": text}, field)
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise _error(_("Tên miền không hợp lệ: “%(v)s”.") % {"v": text}, field) from exc
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise _error(_("Tên miền phải có ít nhất hai nhãn (ví dụ: example.vn)."), field)
    if len(ascii_name) > 253:
        raise _error(_("Tên miền dài quá 253 ký tự."), field)
    for label in labels:
        if not LABEL_RE.match(label):
            raise _error(
                _("Tên miền “%(v)s” có nhãn không hợp lệ: “%(label)s”.") % {"v": text, "label": label}, field
            )
    if labels[-1].isdigit():
        raise _error(_("Tên miền không hợp lệ: “%(v)s”.") % {"v": text}, field)
    return ParsedValue(
        kind=Kind.DOMAIN,
        value=ascii_name,
        prefix_len=len(labels),
        match_key=".".join(reversed(labels)),
    )


def _strip_query_wrapping(text: str) -> str:
    """For look-ups only: take the host out of a URL or an e-mail address."""
    if "://" in text:
        try:
            host = urlsplit(text).hostname
        except ValueError:
            host = None
        return host or text
    if "@" in text and "/" not in text:
        return text.rsplit("@", 1)[1]
    host_port = re.fullmatch(r"([^:\[\]]+):\d{1,5}", text)
    if host_port:
        return host_port.group(1)
    return text


def parse_value(value: str, kind: str | None = None, *, field: str = "value", lookup: bool = False) -> ParsedValue:
    """Validate and normalise a constituency value. `kind` is detected when not given.

    `lookup=True` is for questions ("who owns …?"): a URL or an e-mail address gives its
    host, and an IP block with host bits set is read as its network instead of refused.
    Raises DomainError naming `field` (or "kind" when the kind itself is wrong).
    """
    text = (value or "").strip()
    if not text:
        raise _error(_("Hãy nhập một địa chỉ IP, dải CIDR, số hiệu mạng (ASN) hoặc tên miền."), field)
    if len(text) > 255:
        raise _error(_("Giá trị dài quá 255 ký tự."), field)
    if lookup:
        text = _strip_query_wrapping(text)
    if kind not in (None, "", *Kind.values):
        raise DomainError(
            _("Loại không hợp lệ: “%(k)s”; chọn một trong: %(all)s.") % {"k": kind, "all": ", ".join(Kind.values)},
            field="kind", code="invalid-kind",
        )
    if not kind:
        if ASN_RE.match(text):
            return _parse_asn(text, field)
        if _looks_like_ip(text):
            return _parse_ip(text, field, strict=not lookup)
        return _parse_domain(text, field)
    if kind == Kind.ASN:
        return _parse_asn(text, field)
    if kind == Kind.DOMAIN:
        if _looks_like_ip(text):
            raise _error(_("“%(v)s” là địa chỉ IP, không phải tên miền.") % {"v": text}, field)
        return _parse_domain(text, field)
    parsed = _parse_ip(text, field, strict=not lookup)
    if parsed.kind != kind:
        raise _error(
            _("“%(v)s” là địa chỉ %(found)s, không phải %(kind)s.")
            % {"v": text, "found": Kind(parsed.kind).label, "kind": Kind(kind).label},
            field,
        )
    return parsed


# --------------------------------------------------------------------------- writes

# Claiming is managing the unit: the roles that manage its people (head, deputy, focal
# point, administrator) may claim, not every analyst.
CLAIM_ACTION = "manage_members"
REQUESTED = "org.constituency.requested"
DECIDED = "org.constituency.decided"
GROUP = gettext_lazy("Phạm vi quản lý")
KINDS = [
    NotificationKind(REQUESTED, gettext_lazy("Đơn vị khác xin nhận phạm vi trùng với phạm vi của đơn vị"), GROUP),
    NotificationKind(DECIDED, gettext_lazy("Yêu cầu nhận phạm vi được chấp thuận hoặc bị từ chối"), GROUP),
]


def _check(actor: Actor, unit: Unit) -> None:
    if actor.user is not None:  # reference loaders and the demo run with the platform's authority
        require_in_unit(actor.user, CLAIM_ACTION, unit)


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


def may_consent(user, units) -> bool:
    """Whether `user` may accept a delegation on behalf of every unit in `units` (they
    manage each of them, or the whole network)."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    scope = scope_of(user)
    return scope.network_wide(CLAIM_ACTION) or all(scope.allows(CLAIM_ACTION, u) for u in units)


def _request_url(entry: ConstituencyEntry) -> str:
    return reverse("org:constituency_requests") + f"#claim-{entry.pk}"


def _create(actor: Actor, unit: Unit, parsed: ParsedValue, note: str) -> ConstituencyEntry:
    if ConstituencyEntry.objects.filter(unit=unit, kind=parsed.kind, value=parsed.value).exists():
        raise Conflict(
            _("Đơn vị đã khai báo giá trị này: %(v)s.") % {"v": parsed.value}, field="value", code="duplicate"
        )
    consent = consent_units_for(parsed, unit)
    user = actor.user if actor is not None and getattr(actor.user, "is_authenticated", False) else None
    accepted = may_consent(actor.user, consent)
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
        raise _error(_("Hãy nhập một địa chỉ IP, dải CIDR, số hiệu mạng (ASN) hoặc tên miền."), "values")
    if len(lines) > MAX_BATCH:
        raise _error(_("Tối đa %(n)s giá trị mỗi lần.") % {"n": MAX_BATCH}, "values")
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
        raise _error(_("Ý kiến dài quá 300 ký tự."), "note")
    with transaction.atomic():
        entry = ConstituencyEntry.objects.select_for_update().select_related("unit").get(pk=entry.pk)
        consent = list(entry.consent_units.all())
        if not may_consent(actor.user, consent):
            raise AccessDenied()
        if entry.status != ConstituencyEntry.Status.PENDING:
            raise Conflict(
                _("Yêu cầu này đã được xử lý (%(s)s).") % {"s": entry.get_status_display()},
                field="status", code="already-decided",
            )
        before = audit.snapshot(entry)
        entry.status = ConstituencyEntry.Status.ACTIVE if accept else ConstituencyEntry.Status.REFUSED
        entry.decided_by = actor.user if getattr(actor.user, "is_authenticated", False) else None
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
