"""The mapping between Vigil's indicators and STIX 2.1, shared by the STIX import and
export formats and the TAXII server, so that every path gives one value the same STIX id,
the same pattern and the same TLP marking.

- TLP: the five official TLP 2.0 marking definitions (FIRST / OASIS common objects, fixed
  ids) are emitted; on import the TLP 2.0 ids, the TLP 1.0 ids built into STIX 2.x (WHITE
  read as CLEAR) and marking-definition objects carried in the same bundle are understood.
- Ids: `indicator--uuid5(namespace, "type:value")` (the namespace of `models.Indicator`),
  stable across exports, servers and re-imports.
- Patterns: written with proper quoting; read with a fast regular-expression path for the
  simple forms nearly every producer writes (the ANTLR parser of `stix2-patterns` costs
  about a millisecond a pattern, too slow for bundles of 100,000 indicators) and the real
  parser for everything else.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.utils.translation import gettext as _

from .models import STIX_NAMESPACE

# --------------------------------------------------------------------------- TLP

TLP_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_TLP2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def _tlp2_marking(code: str) -> dict:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": _TLP2_IDS[code],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{code.upper()}",
        "extensions": {TLP_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": code}},
    }


#: The official TLP 2.0 marking-definition objects, by Vigil TLP code (emit these exactly).
TLP_MARKINGS: dict[str, dict] = {code: _tlp2_marking(code) for code in _TLP2_IDS}

#: The TLP 1.0 marking definitions built into STIX 2.0 / 2.1 (WHITE became CLEAR in TLP 2.0).
TLP1_IDS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}
#: Every marking id Vigil understands without seeing its object.
KNOWN_TLP_IDS: dict[str, str] = {**{v: k for k, v in _TLP2_IDS.items()}, **TLP1_IDS}
_TLP_RANK = {code: i for i, code in enumerate(("clear", "green", "amber", "amber+strict", "red"))}
_TLP_WORDS = {"white": "clear", "clear": "clear", "green": "green", "amber": "amber",
              "amber+strict": "amber+strict", "amber-strict": "amber+strict", "red": "red"}


def tlp_of_marking(marking: dict) -> str | None:
    """The Vigil TLP code a marking-definition object states, or None (a statement, a
    copyright notice, an unknown scheme)."""
    if not isinstance(marking, dict):
        return None
    known = KNOWN_TLP_IDS.get(marking.get("id", ""))
    if known:
        return known
    if marking.get("definition_type") == "tlp":
        word = str((marking.get("definition") or {}).get("tlp", "")).lower()
        return _TLP_WORDS.get(word)
    ext = (marking.get("extensions") or {}).get(TLP_EXTENSION_ID)
    if isinstance(ext, dict):
        return _TLP_WORDS.get(str(ext.get("tlp_2_0", "")).lower())
    name = str(marking.get("name", "")).strip().lower()
    if name.startswith("tlp:"):
        return _TLP_WORDS.get(name[4:])
    return None


def tlp_from_markings(object_marking_refs, markings_by_id: dict | None = None) -> str | None:
    """The TLP of an object from its `object_marking_refs`: the official TLP 2.0 and TLP 1.0
    ids, or marking-definition objects of the same bundle (`markings_by_id`: id -> object).
    With several TLP markings the most restrictive wins; None when none is a TLP marking."""
    found = None
    for ref in object_marking_refs or ():
        code = KNOWN_TLP_IDS.get(ref)
        if code is None and markings_by_id:
            code = tlp_of_marking(markings_by_id.get(ref))
        if code and (found is None or _TLP_RANK[code] > _TLP_RANK[found]):
            found = code
    return found


# --------------------------------------------------------------------------- identity and ids

VIGIL_IDENTITY: dict = {
    "type": "identity",
    "spec_version": "2.1",
    "id": "identity--8c3f6a52-1d0e-4b7a-9f44-2e6b1c0d7a35",
    "created": "2024-01-01T00:00:00.000Z",
    "modified": "2024-01-01T00:00:00.000Z",
    "name": "Vigil",
    "identity_class": "system",
}


def indicator_stix_id(type_code: str, value: str) -> str:
    """The STIX id of the indicator for one normalised value (same as `Indicator.stix_id`)."""
    return f"indicator--{uuid.uuid5(STIX_NAMESPACE, f'{type_code}:{value}')}"


def stix_timestamp(value: dt.datetime | None) -> str | None:
    """A STIX timestamp: UTC, millisecond precision, `Z`."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$")


def parse_timestamp(text) -> dt.datetime | None:
    """A STIX timestamp (`YYYY-MM-DDTHH:MM:SS[.s+]Z`) as an aware datetime; None when it
    is not one (wrong shape, impossible date)."""
    if not isinstance(text, str):
        return None
    match = _TS.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, frac = match.groups()
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    try:
        return dt.datetime(int(year), int(month), int(day), int(hour), int(minute),
                           min(int(second), 59), micro, tzinfo=dt.UTC)
    except ValueError:
        return None


# --------------------------------------------------------------------------- patterns

_HASH_PATH = {"md5": "hashes.MD5", "sha1": "hashes.'SHA-1'", "sha256": "hashes.'SHA-256'"}
_SIMPLE = {
    "ipv4": "ipv4-addr:value", "ipv6": "ipv6-addr:value", "domain": "domain-name:value",
    "url": "url:value", "email": "email-addr:value", "phone": "x-vigil-phone-number:value",
    "bank_account": "x-vigil-bank-account:value",
}


def quote_literal(value: str) -> str:
    """A STIX patterning string literal: backslash and quote escaped."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def exportable(type_code: str) -> bool:
    """Whether Vigil can write a STIX pattern for this indicator type."""
    return type_code in _HASH_PATH or type_code in _SIMPLE or type_code in ("cidr", "asn")


def pattern_for(type_code: str, value: str) -> str:
    """The STIX pattern of one normalised indicator value."""
    if type_code in _HASH_PATH:
        return f"[file:{_HASH_PATH[type_code]} = {quote_literal(value)}]"
    if type_code == "cidr":
        kind = "ipv6-addr" if ":" in value else "ipv4-addr"
        return f"[{kind}:value = {quote_literal(value)}]"
    if type_code == "asn":
        number = int(str(value).upper().removeprefix("AS"))
        return f"[autonomous-system:number = {number}]"
    if type_code in _SIMPLE:
        return f"[{_SIMPLE[type_code]} = {quote_literal(value)}]"
    raise ValueError(f"no STIX pattern for indicator type {type_code!r}")


HASH_NAMES = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256"}
_OBJECT_TYPES = {
    "domain-name": "domain", "url": "url", "email-addr": "email",
    "x-vigil-phone-number": "phone", "x-vigil-bank-account": "bank_account",
}
_REF_PATHS = {  # object:path (path joined by ".") whose value is an indicator value of a detected type
    ("email-message", "from_ref.value"): "email", ("email-message", "sender_ref.value"): "email",
    ("network-traffic", "dst_ref.value"): "", ("network-traffic", "src_ref.value"): "",
    ("domain-name", "resolves_to_refs[*].value"): "",
}


def _address(kind: str, text: str) -> tuple[str, str]:
    if "/" in text:
        prefix = text.rsplit("/", 1)[1]
        if (kind == "ipv4" and prefix == "32") or (kind == "ipv6" and prefix == "128"):
            return kind, text.rsplit("/", 1)[0]
        return "cidr", text
    return kind, text


def comparison_value(obj: str, path: str, value: str) -> tuple[str, str] | None:
    """(type code, raw value) of one equality comparison, or None for what Vigil does not hold."""
    if obj == "ipv4-addr" and path == "value":
        return _address("ipv4", value)
    if obj == "ipv6-addr" and path == "value":
        return _address("ipv6", value)
    if obj == "file" and path.lower().startswith("hashes."):
        name = path[7:].strip("'\"").lower()
        code = HASH_NAMES.get(name)
        return (code, value) if code else None
    if obj == "autonomous-system" and path == "number":
        return ("asn", f"AS{value}") if value.isdigit() else None
    if path == "value" and obj in _OBJECT_TYPES:
        return _OBJECT_TYPES[obj], value
    if (obj, path) in _REF_PATHS:
        code = _REF_PATHS[(obj, path)]
        if not code:
            code = "ipv6" if ":" in value else ("ipv4" if value[:1].isdigit() else "domain")
            if code in ("ipv4", "ipv6"):
                return _address(code, value)
        return code, value
    return None


_STR = r"'(?:[^'\\]|\\.)*'"
_PATH = r"[A-Za-z0-9_-]+(?:\.(?:[A-Za-z0-9_-]+|'[^']*'|\"[^\"]*\"))*"
_COMP = rf"\s*([a-z0-9-]+):({_PATH})\s*=\s*({_STR}|\d+)\s*"
_COMP_RE = re.compile(_COMP)
_OBS = rf"\[{_COMP}(?:(?:AND|OR){_COMP})*\]"
_FAST = re.compile(rf"^\s*{_OBS}(?:\s+(?:AND|OR)\s+{_OBS})*\s*$")
_UNESCAPE = re.compile(r"\\(.)")


def _literal(token: str) -> str:
    if token.startswith("'"):
        return _UNESCAPE.sub(r"\1", token[1:-1])
    return token


def parse_pattern(pattern: str) -> list[tuple[str, str]]:
    """The indicator values a STIX pattern names: [(type code, raw value), ...] in pattern
    order, without duplicates. Comparisons on objects Vigil does not hold (file names,
    certificates, MATCHES, LIKE, !=) are ignored. Raises ValueError when the pattern is not
    valid STIX patterning."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(_("Mẫu STIX trống."))
    found: list[tuple[str, str]] = []
    if _FAST.match(pattern):
        for obj, path, token in _COMP_RE.findall(pattern):
            hit = comparison_value(obj, path, _literal(token))
            if hit and hit not in found:
                found.append(hit)
        return found
    return _parse_slow(pattern)


def _parse_slow(pattern: str) -> list[tuple[str, str]]:
    from stix2patterns.exceptions import ParseException
    from stix2patterns.v20.pattern import Pattern as Pattern20
    from stix2patterns.v21.pattern import Pattern as Pattern21

    try:
        parsed = Pattern21(pattern)
    except ParseException as exc21:
        try:
            parsed = Pattern20(pattern)
        except ParseException:
            raise ValueError(_("Mẫu STIX không hợp lệ: %(error)s") % {"error": str(exc21)}) from exc21
    found: list[tuple[str, str]] = []
    for obj, comparisons in parsed.inspect().comparisons.items():
        for path_parts, op, token in comparisons:
            path = ".".join(p if isinstance(p, str) else "[*]" for p in path_parts)
            path = path.replace(".[*]", "[*]")
            if obj == "file" and len(path_parts) == 2 and path_parts[0] == "hashes":
                path = f"hashes.{path_parts[1]}"
            op = op.strip()
            values: list[str] = []
            if op == "=":
                values = [_literal(token)]
            elif op == "IN" and token.startswith("("):
                values = [_literal(t) for t in re.findall(rf"{_STR}|\d+", token)]
            elif op == "ISSUBSET" and obj in ("ipv4-addr", "ipv6-addr") and path == "value":
                values = [_literal(token)]
            for value in values:
                hit = comparison_value(obj, path, value)
                if hit and hit not in found:
                    found.append(hit)
    return found


# --------------------------------------------------------------------------- indicator objects


def _attack_url(attack_id: str) -> str:
    kind = {"T": "techniques", "TA": "tactics", "S": "software", "G": "groups", "M": "mitigations",
            "C": "campaigns", "DS": "datasources"}
    prefix = re.match(r"^[A-Z]+", attack_id)
    folder = kind.get(prefix.group(0) if prefix else "", "techniques")
    return f"https://attack.mitre.org/{folder}/{attack_id.replace('.', '/')}/"


def _claim_tags(claim) -> list[str]:
    names = getattr(claim, "tag_names", None)
    if names is not None:
        return list(names)
    tags = getattr(claim, "tags", None)
    if tags is None:
        return []
    if hasattr(tags, "all"):
        return [t.name for t in tags.all()]
    return [getattr(t, "name", str(t)) for t in tags]


def _kill_chain_phase(item) -> dict | None:
    if isinstance(item, dict):
        name = item.get("kill_chain_name") or item.get("name")
        phase = item.get("phase_name") or item.get("phase")
    elif isinstance(item, (list, tuple)) and len(item) == 2:
        name, phase = item
    elif isinstance(item, str) and ":" in item:
        name, phase = item.split(":", 1)
    else:
        return None
    if not name or not phase:
        return None
    return {"kill_chain_name": str(name), "phase_name": str(phase)}


def stix_for_indicator(indicator, *, claims=None) -> dict:
    """The STIX 2.1 `indicator` object of one Indicator row (plus its claims' tags, ATT&CK
    ids and kill-chain phases when given). Valid for `stix2-validator`."""
    created = indicator.created_at
    modified = max(indicator.updated_at or created, created)
    data = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": indicator_stix_id(indicator.type, indicator.value),
        "created_by_ref": VIGIL_IDENTITY["id"],
        "created": stix_timestamp(created),
        "modified": stix_timestamp(modified),
        "name": f"{indicator.type}: {indicator.value}"[:500],
        "indicator_types": ["malicious-activity"],
        "pattern": pattern_for(indicator.type, indicator.value),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": stix_timestamp(indicator.first_seen),
    }
    description = getattr(indicator, "description", "")
    if description:
        data["description"] = description
    if indicator.expires_at and indicator.first_seen and indicator.expires_at > indicator.first_seen:
        data["valid_until"] = stix_timestamp(indicator.expires_at)
    if indicator.confidence is not None:
        data["confidence"] = int(indicator.confidence)
    if getattr(indicator, "revoked_at", None) or (
        getattr(indicator, "warning", "") and not getattr(indicator, "warning_allowed_at", None)
    ):
        # Withdrawn, or known-benign (on a warninglist, not allowed by an analyst): marked
        # revoked, so that no member blocks it.
        data["revoked"] = True
    labels: list[str] = []
    attack_ids: list[str] = []
    phases: list[dict] = []
    for name in getattr(indicator, "tag_names", None) or ():
        if name not in labels:
            labels.append(name)
    for claim in claims or ():
        for name in _claim_tags(claim):
            if name not in labels:
                labels.append(name)
        for attack_id in claim.attack_ids or ():
            if attack_id not in attack_ids:
                attack_ids.append(attack_id)
        for item in claim.kill_chain or ():
            phase = _kill_chain_phase(item)
            if phase and phase not in phases:
                phases.append(phase)
    if labels:
        data["labels"] = labels
    if phases:
        data["kill_chain_phases"] = phases
    if attack_ids:
        data["external_references"] = [
            {"source_name": "mitre-attack", "external_id": a, "url": _attack_url(a)} for a in sorted(attack_ids)
        ]
    tlp = indicator.tlp if indicator.tlp in TLP_MARKINGS else "amber"
    data["object_marking_refs"] = [TLP_MARKINGS[tlp]["id"]]
    return data
