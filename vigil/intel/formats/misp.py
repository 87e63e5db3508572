"""MISP event JSON, read and written with PyMISP's data model (`MISPEvent`), so that what
MISP instances exchange (an event, `{"Event": …}`, a list of them, or the
`{"response": [...]}` of MISP's restSearch) loads the way MISP itself loads it.

Import: one Record per attribute whose MISP type carries an indicator type Vigil indexes,
at the top level of the event and inside its objects. Composite types are split on "|"
(`domain|ip` gives both values, `ip-dst|port` the address, `filename|sha256` the hash).
Attribute types Vigil does not index (comment, text, regkey, filename…) are skipped
without error: they are context, not indicators.

Decisions, and why:
- `to_ids = false` attributes are imported too (MISP keeps them for context and
  correlation, and Vigil's correlation is what analysts want them for), but with their
  confidence capped at 30 so that blocklists filtered on confidence leave them out.
- MISP's free-text import stores URLs without a scheme (`www.example.com/a.php`) as
  `url` attributes: they get `http://`, as MISP's own exports assume. Values that still
  are not an indicator of their type (a file name or a truncated address filed as `url`)
  are skipped like context, the way MISP's NIDS and RPZ exports skip them; the `strict`
  option reports them as problems instead.
- Confidence comes from the `osint:certainty="NN"` tag when there is one.
- Comments are kept as text: untrusted markup is escaped where it is shown, never
  stripped here. Sightings are not read (they are not indicator values).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import safejson
from vigil.core.samples import sample

from .. import types
from .base import ExportFormat, ImportFormat, Problem, Record

TLP_TAGS = {"white": "clear", "clear": "clear", "green": "green", "amber": "amber",
            "amber+strict": "amber+strict", "red": "red"}
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")  # most permissive first
UNTRUSTED_CONFIDENCE = 30  # cap for attributes MISP marks as not for detection (to_ids false)
_ATTACK_ID = re.compile(r"\bT\d{4}(?:\.\d{3})?\b")
_CERTAINTY = re.compile(r'^osint:certainty="(\d{1,3})"$', re.IGNORECASE)
IP = "ip"  # pseudo type: ipv4, ipv6 or cidr, by the value's form

# MISP attribute type -> Vigil type. Built from the field dictionary, plus the types MISP
# uses for the same values elsewhere.
MISP_TYPES: dict[str, str] = {}
for _code, _t in types.TYPES.items():
    for _mt in _t.misp_types:
        MISP_TYPES.setdefault(_mt, IP if _code in types.NETWORK_TYPES else _code)
MISP_TYPES.update({
    "ip-dst": IP, "ip-src": IP, "hostname": "domain", "link": "url", "uri": "url", "AS": "asn",
    "email-src": "email", "email-dst": "email", "whois-registrant-email": "email",
    "phone-number": "phone", "iban": "bank_account", "bank-account-nr": "bank_account",
})
# Composite MISP types: the Vigil type of each "|"-separated part ("" = not an indicator).
MISP_COMPOSITE: dict[str, tuple[str, ...]] = {
    "ip-dst|port": (IP, ""), "ip-src|port": (IP, ""), "hostname|port": ("domain", ""),
    "domain|ip": ("domain", IP), "filename|md5": ("", "md5"), "filename|sha1": ("", "sha1"),
    "filename|sha256": ("", "sha256"), "malware-sample": ("", "md5"),
}
# Export: Vigil type -> MISP attribute type.
EXPORT_TYPES = {code: t.misp_types[0] for code, t in types.TYPES.items()}
EXPORT_TYPES.update({"cidr": "ip-dst", "bank_account": "bank-account-nr", "phone": "phone-number", "asn": "AS"})


def ip_type(value: str) -> str:
    """ipv4, ipv6 or cidr, by the form of an address value."""
    if "/" in value:
        return "cidr"
    return "ipv6" if ":" in value else "ipv4"


def split_typed(misp_type: str, value: str) -> list[tuple[str, str]] | None:
    """The (Vigil type, raw value) pairs a MISP-typed value carries; None when Vigil does
    not index that MISP type. Shared with the CSV format (MISP CSV exports)."""
    value = str(value or "").strip()
    if misp_type in MISP_TYPES:
        parts = [(MISP_TYPES[misp_type], value)]
    elif misp_type in MISP_COMPOSITE:
        codes = MISP_COMPOSITE[misp_type]
        # A file name may itself hold "|": split it off from the right.
        pieces = value.rsplit("|", len(codes) - 1) if not codes[0] else value.split("|", len(codes) - 1)
        parts = [(code, piece.strip()) for code, piece in zip(codes, pieces, strict=False) if code]
    else:
        return None
    return [(ip_type(v) if code == IP else code, v) for code, v in parts if v]


def repair(type_code: str, value: str) -> str:
    """MISP stores scheme-less URLs as `url`: read them as http URLs."""
    if type_code == "url" and "://" not in value:
        return f"http://{value}"
    return value


def tlp_of(tag_names) -> str | None:
    """The TLP code named by `tlp:*` tags (the most restrictive when several), or None."""
    found = None
    for name in tag_names:
        low = str(name).strip().lower()
        if not low.startswith("tlp:"):
            continue
        code = TLP_TAGS.get(low[4:])
        if code and (found is None or TLP_ORDER.index(code) > TLP_ORDER.index(found)):
            found = code
    return found


def _is_tlp(name: str) -> bool:
    return str(name).strip().lower().startswith("tlp:")


def _certainty(tag_names) -> int | None:
    for name in tag_names:
        match = _CERTAINTY.match(str(name).strip())
        if match and int(match.group(1)) <= 100:
            return int(match.group(1))
    return None


def _attack_ids_from_tags(tag_names) -> set[str]:
    found = set()
    for name in tag_names:
        head, _sep, value = str(name).partition("=")
        if head.startswith("misp-galaxy:") and "attack-pattern" in head:
            found.update(_ATTACK_ID.findall(value))
    return found


def _galaxy_context(galaxies) -> tuple[list[str], set[str]]:
    """Tag names of the galaxy clusters, and the ATT&CK technique ids among them."""
    tags, attack = [], set()
    for galaxy in galaxies or []:
        gtype = str(getattr(galaxy, "type", "") or "")
        for cluster in getattr(galaxy, "clusters", None) or []:
            value = str(getattr(cluster, "value", "") or "")
            tag = getattr(cluster, "tag_name", None) or f'misp-galaxy:{gtype}="{value}"'
            tags.append(tag)
            if "attack-pattern" in gtype:
                meta = getattr(cluster, "meta", None) or {}
                ids = meta.get("external_id") if isinstance(meta, dict) else None
                ids = [ids] if isinstance(ids, str) else list(ids or [])
                found = {i for i in ids if _ATTACK_ID.fullmatch(str(i))} or set(_ATTACK_ID.findall(value))
                attack.update(found)
    return tags, attack


def _aware(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def _events(data) -> list | None:
    """The event dicts of a loaded JSON document, or None when it holds no MISP event."""
    if isinstance(data, dict) and isinstance(data.get("response"), list):
        data = data["response"]
    items = data if isinstance(data, list) else [data]
    events = []
    for item in items:
        if not isinstance(item, dict):
            return None
        if "Event" in item:
            if not isinstance(item["Event"], dict):
                return None
            events.append(item)
        elif "info" in item or "Attribute" in item or "Object" in item:
            events.append(item)
        else:
            return None
    return events


class MispImport(ImportFormat):
    """One Record per indexable attribute of each event (see the module's decisions);
    `strict` turns values that are not indicators of their type into problems."""

    code = "misp"
    label = gettext_lazy("Sự kiện MISP (JSON)")
    options = {"strict": bool}

    def records(self, stream):
        from pymisp import MISPEvent
        from pymisp.exceptions import PyMISPError

        raw = stream.read()
        if not raw.strip():
            return
        try:
            data = safejson.loads(raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw)
        except UnicodeDecodeError:
            yield Problem(1, _("Tệp MISP không phải văn bản UTF-8."))
            return
        except json.JSONDecodeError as exc:
            yield Problem(max(1, exc.lineno), _("Tệp không phải JSON hợp lệ (dòng %(line)s, cột %(col)s): %(error)s.")
                          % {"line": exc.lineno, "col": exc.colno, "error": exc.msg})
            return
        events = _events(data)
        if not events:
            yield Problem(1, _("Tệp không phải sự kiện MISP: cần một đối tượng “Event” (hoặc danh sách sự kiện)."))
            return
        position = 0
        for number, item in enumerate(events, start=1):
            event = MISPEvent()
            try:
                event.load(item)
            except (PyMISPError, ValueError, TypeError, KeyError, AttributeError) as exc:
                yield Problem(max(1, position), _("Sự kiện MISP thứ %(n)s không đọc được: %(error)s.")
                              % {"n": number, "error": sample(exc, 120)}, ref=str(item.get("uuid", "")))
                continue
            for outcome in self._event_records(event, position):
                if isinstance(outcome, int):
                    position = outcome
                else:
                    yield outcome

    def _event_records(self, event, position):
        """Records of one event; yields the running attribute position as an int at the end."""
        event_tags = [t.name for t in getattr(event, "tags", []) or []]
        galaxy_tags, galaxy_attack = _galaxy_context(getattr(event, "galaxies", None))
        event_tlp = tlp_of(event_tags)
        event_time = _aware(getattr(event, "timestamp", None)) or _aware(getattr(event, "date", None))
        attributes = list(event.attributes)
        for obj in event.objects:
            attributes.extend(obj.attributes)
        for attribute in attributes:
            position += 1
            if getattr(attribute, "deleted", False):
                continue
            pairs = split_typed(str(getattr(attribute, "type", "")), getattr(attribute, "value", ""))
            if not pairs:
                continue
            attr_tags = [t.name for t in getattr(attribute, "tags", []) or []]
            attr_galaxy_tags, attr_attack = _galaxy_context(getattr(attribute, "galaxies", None))
            tag_names = [n for n in dict.fromkeys(event_tags + galaxy_tags + attr_tags + attr_galaxy_tags)
                         if not _is_tlp(n)]
            confidence = _certainty(attr_tags)
            if confidence is None:
                confidence = _certainty(event_tags)
            if not getattr(attribute, "to_ids", True):
                confidence = min(UNTRUSTED_CONFIDENCE, UNTRUSTED_CONFIDENCE if confidence is None else confidence)
            stamp = _aware(getattr(attribute, "timestamp", None)) or event_time
            first = _aware(getattr(attribute, "first_seen", None)) or stamp
            last = _aware(getattr(attribute, "last_seen", None))
            if last is None and stamp is not None:
                last = max(stamp, first) if first else stamp
            ref = str(getattr(attribute, "uuid", "") or "")
            attack = sorted(galaxy_attack | attr_attack | _attack_ids_from_tags(event_tags + attr_tags))
            for type_code, raw_value in pairs:
                value = types.normalise_or_none(type_code, repair(type_code, raw_value))
                if value is None:
                    if self.settings.get("strict"):
                        message = _("Thuộc tính MISP %(ref)s (%(type)s): “%(value)s” không phải là "
                                    "%(label)s hợp lệ.") % {
                            "ref": ref, "type": attribute.type, "label": types.TYPES[type_code].label,
                            "value": sample(types.obs.defang_text(raw_value))}
                        yield Problem(position, message, ref=ref, field="value")
                    continue
                yield Record(
                    type=type_code, value=value, line=position, ref=ref, confidence=confidence,
                    tlp=tlp_of(attr_tags) or event_tlp, first_seen=first, last_seen=last,
                    description=str(getattr(attribute, "comment", "") or ""), external_id=ref,
                    tags=tuple(tag_names), attack_ids=tuple(attack),
                )
        yield position


def _tag_names(ind) -> list[str]:
    tags = getattr(ind, "tags", None)
    if tags is None:
        return []
    if hasattr(tags, "all") and callable(tags.all):
        tags = tags.all()
    return [str(getattr(t, "name", t)) for t in tags]


def _is_blocking(ind) -> bool:
    """Revoked and warninglisted indicators are exported for context, not for detection."""
    if getattr(ind, "revoked_at", None) or getattr(ind, "warning", ""):
        return False
    return getattr(ind, "status", "active") not in ("revoked", "warninglisted")


def _attribute_uuid(ind) -> str:
    stored = getattr(ind, "stix_uuid", None)
    if stored:
        return str(stored)
    from ..models import Indicator

    return str(Indicator.uuid_for(ind.type, ind.value))


class MispExport(ExportFormat):
    """One MISP event holding the exported indicators (built in memory: MISP events are
    exchanged by the thousand attributes, not by the million). Distribution is "your
    organisation only" (0): the receiving MISP shares it further only if its users decide
    to; the event carries the most restrictive TLP of its attributes, each attribute its own.
    Uuids are stable (the indicator's), so a re-export is the same event to MISP."""

    code = "misp"
    label = gettext_lazy("Sự kiện MISP (JSON)")
    content_type = "application/json"
    extension = "json"

    def write(self, indicators, options):
        from pymisp import MISPEvent

        now = options.generated_at or timezone.now()
        event = MISPEvent()
        event.uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"vigil:misp-export:{options.title}"))
        event.info = options.title or "Vigil"
        event.distribution = 0
        event.threat_level_id = 4
        event.analysis = 2
        event.date = now.date()
        event.timestamp = now
        strictest = None
        for ind in indicators:
            misp_type = EXPORT_TYPES.get(ind.type)
            if misp_type is None:
                continue
            kwargs = {"to_ids": _is_blocking(ind), "uuid": _attribute_uuid(ind)}
            first, last = _aware(getattr(ind, "first_seen", None)), _aware(getattr(ind, "last_seen", None))
            if first:
                kwargs["first_seen"] = first
            if last and (first is None or last >= first):
                kwargs["last_seen"] = last
            comment = getattr(ind, "description", "") or ""
            if comment:
                kwargs["comment"] = comment
            attribute = event.add_attribute(misp_type, ind.value, **kwargs)
            tlp = getattr(ind, "tlp", None)
            if tlp in TLP_ORDER:
                attribute.add_tag(f"tlp:{tlp}")
                if strictest is None or TLP_ORDER.index(tlp) > TLP_ORDER.index(strictest):
                    strictest = tlp
            for name in _tag_names(ind):
                if not _is_tlp(name):
                    attribute.add_tag(name)
        if strictest:
            event.add_tag(f"tlp:{strictest}")
        yield '{"Event": ' + event.to_json(sort_keys=True) + "}\n"
