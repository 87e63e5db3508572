"""STIX 2.1 (and 2.0) bundles in and out.

Import reads a bundle, a bare JSON array of objects or a single object, checks every
object (naming it by id or 1-based position, and the field at fault), and yields one
Record per indicator value: each value an `indicator` object's STIX pattern names, and
each cyber-observable that carries one (top-level SCOs and the `objects` of STIX 2.0
`observed-data`), as MISP's STIX import does. Other objects (ATT&CK techniques,
relationships, reports, custom `x-mitre-*` objects) are checked and left to
`services.stix_store`, which keeps them as sent for the TAXII server.

Checking is two-layered because of speed: light checks of our own on every object
(required common properties, id form, timestamps, `modified` not before `created`,
indicator pattern) and the `stix2` library on SDOs/SROs other than indicators (about
0.25 ms an object: ~6 s for the 24,771 objects of ATT&CK Enterprise). Indicators skip
`stix2` by default because it runs the ANTLR pattern parser (~1 ms a pattern: 100 s on
a 100,000-indicator bundle); their pattern is read by `stixmap.parse_pattern`, whose fast
path accepts the simple forms and falls back to the real parser. `strict` runs `stix2` on
everything and refuses custom properties that lack the `x_` prefix.

Export streams a STIX 2.1 bundle: Vigil's identity, one indicator per row, then the
official TLP 2.0 marking definitions the indicators used.
"""

from __future__ import annotations

import json
import re
import uuid
from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import safejson

from .. import stixmap
from .base import ExportFormat, ImportFormat, Problem, Record

SDO_TYPES = frozenset({
    "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator",
    "infrastructure", "intrusion-set", "location", "malware", "malware-analysis", "note", "observed-data",
    "opinion", "report", "threat-actor", "tool", "vulnerability",
})
SRO_TYPES = frozenset({"relationship", "sighting"})
META_TYPES = frozenset({"marking-definition", "language-content", "extension-definition"})
SCO_TYPES = frozenset({
    "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file",
    "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url",
    "user-account", "windows-registry-key", "x509-certificate", "x-vigil-phone-number", "x-vigil-bank-account",
})
TIMESTAMP_FIELDS = ("created", "modified", "valid_from", "valid_until", "first_seen", "last_seen",
                    "first_observed", "last_observed", "published")
ATTACK_SOURCES = frozenset({"mitre-attack", "mitre-ics-attack", "mitre-mobile-attack"})
_TYPE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ID_RE = re.compile(rf"^([a-z0-9]+(?:-[a-z0-9]+)*)--{_UUID}$")
_SCO_SIMPLE = {
    "ipv4-addr": "ipv4", "ipv6-addr": "ipv6", "domain-name": "domain", "url": "url", "email-addr": "email",
    "x-vigil-phone-number": "phone", "x-vigil-bank-account": "bank_account",
}


def object_name(obj, position: int) -> str:
    """How an error names an object: its id, or its 1-based position when it has none."""
    stix_id = obj.get("id") if isinstance(obj, dict) else None
    if isinstance(stix_id, str) and stix_id:
        return f"{stix_id[:120]} (#{position})"
    return _("thứ %(n)s") % {"n": position}


def _problem(obj, position: int, field: str, message: str) -> Problem:
    ref = obj.get("id", "") if isinstance(obj, dict) and isinstance(obj.get("id"), str) else ""
    return Problem(position, _("Đối tượng %(name)s, thuộc tính %(field)s: %(message)s")
                   % {"name": object_name(obj, position), "field": field, "message": message},
                   ref=ref[:120], field=field)


def spec_version_of(obj: dict, default: str | None) -> str:
    """The STIX version an object follows: its own `spec_version`, else the bundle's, else
    2.1 for a top-level SCO (2.0 had none) and 2.0 for anything else (2.1 requires it)."""
    version = obj.get("spec_version") or default
    if version in ("2.0", "2.1"):
        return version
    return "2.1" if obj.get("type") in SCO_TYPES else "2.0"


def check_object(obj, position: int, *, spec_version: str | None = None) -> list[Problem]:
    """Light checks every object passes (no stix2): shape, type, id, required common
    properties, timestamps, `modified` not before `created`, indicator essentials."""
    if not isinstance(obj, dict):
        return [Problem(position, _("Đối tượng thứ %(n)s không phải là một đối tượng JSON.") % {"n": position},
                        field="type")]
    problems: list[Problem] = []
    kind = obj.get("type")
    if not isinstance(kind, str) or not kind:
        return [_problem(obj, position, "type", _("thiếu loại đối tượng."))]
    if not _TYPE_RE.match(kind) or not 3 <= len(kind) <= 250:
        return [_problem(obj, position, "type", _("loại “%(type)s” không hợp lệ.") % {"type": kind[:80]})]
    if kind == "bundle":
        return [_problem(obj, position, "type", _("một gói (bundle) không được nằm trong gói khác."))]
    stix_id = obj.get("id")
    version = spec_version_of(obj, spec_version)
    if stix_id is None:
        if version == "2.1" or kind not in SCO_TYPES:
            problems.append(_problem(obj, position, "id", _("thiếu mã định danh (id).")))
    else:
        match = _ID_RE.match(stix_id) if isinstance(stix_id, str) else None
        if not match:
            problems.append(_problem(obj, position, "id", _("mã “%(id)s” không có dạng loại--uuid.")
                                     % {"id": str(stix_id)[:120]}))
        elif match.group(1) != kind:
            problems.append(_problem(obj, position, "id", _("mã “%(id)s” không khớp với loại “%(type)s”.")
                                     % {"id": stix_id[:120], "type": kind}))
    if "spec_version" in obj and obj["spec_version"] not in ("2.0", "2.1"):
        problems.append(_problem(obj, position, "spec_version", _("chỉ hỗ trợ phiên bản 2.0 và 2.1.")))
    required: tuple = ()
    if kind in SDO_TYPES or kind in SRO_TYPES or kind in ("language-content", "extension-definition"):
        required = ("created", "modified")
    elif kind == "marking-definition":
        required = ("created",)
    for name in required:
        if obj.get(name) in (None, ""):
            problems.append(_problem(obj, position, name, _("thiếu thuộc tính bắt buộc.")))
    stamps = {}
    for name in TIMESTAMP_FIELDS:
        if name in obj:
            value = stixmap.parse_timestamp(obj[name])
            if value is None:
                problems.append(_problem(obj, position, name, _("“%(value)s” không phải thời điểm STIX hợp lệ "
                                                                "(YYYY-MM-DDTHH:MM:SS[.sss]Z).")
                                         % {"value": str(obj[name])[:60]}))
            stamps[name] = value
    if stamps.get("created") and stamps.get("modified") and stamps["modified"] < stamps["created"]:
        problems.append(_problem(obj, position, "modified", _("modified (%(modified)s) sớm hơn created (%(created)s).")
                                 % {"modified": obj["modified"], "created": obj["created"]}))
    if "confidence" in obj:
        confidence = obj["confidence"]
        if isinstance(confidence, bool) or not isinstance(confidence, int) or not 0 <= confidence <= 100:
            problems.append(_problem(obj, position, "confidence", _("phải là số nguyên từ 0 đến 100.")))
    refs = obj.get("object_marking_refs")
    if refs is not None and (not isinstance(refs, list) or not all(isinstance(r, str) for r in refs)):
        problems.append(_problem(obj, position, "object_marking_refs", _("phải là danh sách mã định danh.")))
    if kind == "indicator":
        problems.extend(_check_indicator(obj, position, version, stamps))
    return problems


def _check_indicator(obj: dict, position: int, version: str, stamps: dict) -> list[Problem]:
    problems = []
    for name in ("pattern", "valid_from") + (("pattern_type",) if version == "2.1" else ("labels",)):
        if obj.get(name) in (None, "", []):
            problems.append(_problem(obj, position, name, _("thiếu thuộc tính bắt buộc.")))
    if stamps.get("valid_from") and stamps.get("valid_until") and stamps["valid_until"] <= stamps["valid_from"]:
        problems.append(_problem(obj, position, "valid_until", _("valid_until phải sau valid_from.")))
    if obj.get("pattern") not in (None, "") and not isinstance(obj["pattern"], str):
        problems.append(_problem(obj, position, "pattern", _("phải là một chuỗi.")))
    return problems


def _stix2_problems(obj: dict, position: int, version: str, strict: bool) -> list[Problem]:
    """The stix2 library's verdict on one object, as Problems naming the object and field."""
    import stix2
    from stix2 import exceptions as ex

    def parse(allow_custom: bool):
        stix2.parse(obj, allow_custom=allow_custom, version=version)

    try:
        if strict:
            try:
                parse(False)
            except ex.ExtraPropertiesError as exc:
                bad = [p for p in exc.properties if not str(p).startswith("x_")]
                if bad:
                    return [_problem(obj, position, bad[0], _("thuộc tính tuỳ biến “%(names)s” phải bắt đầu bằng "
                                                              "“x_” (chế độ nghiêm ngặt).")
                                     % {"names": ", ".join(sorted(map(str, bad)))})]
                parse(True)
            except ex.ParseError:
                if not obj.get("type", "").startswith("x-"):
                    raise
                parse(True)
        else:
            parse(True)
    except ex.MissingPropertiesError as exc:
        names = sorted(map(str, exc.properties))
        return [_problem(obj, position, names[0] if names else "", _("thiếu thuộc tính bắt buộc: %(names)s.")
                         % {"names": ", ".join(names)})]
    except ex.ExtraPropertiesError as exc:
        names = sorted(map(str, exc.properties))
        return [_problem(obj, position, names[0] if names else "", _("thuộc tính không được phép: %(names)s.")
                         % {"names": ", ".join(names)})]
    except ex.InvalidValueError as exc:
        return [_problem(obj, position, str(exc.prop_name), _("giá trị không hợp lệ: %(reason)s.")
                         % {"reason": str(exc.reason)[:300]})]
    except ex.STIXError as exc:
        return [_problem(obj, position, "", _("không hợp lệ theo STIX %(version)s: %(reason)s.")
                         % {"version": version, "reason": str(exc)[:300]})]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return [_problem(obj, position, "", _("không hợp lệ theo STIX %(version)s: %(reason)s.")
                         % {"version": version, "reason": str(exc)[:300]})]
    return []


def read_objects(data) -> tuple[list, str | None, list[Problem]]:
    """The objects of a parsed JSON document (a bundle, a bare array, one object), the
    bundle's spec_version, and problems of the document itself (line 0)."""
    if isinstance(data, list):
        return data, None, []
    if not isinstance(data, dict):
        return [], None, [Problem(1, _("Tệp STIX phải là một gói (bundle), một mảng đối tượng hoặc một đối tượng."),
                                  field="type")]
    if "objects" in data and data.get("type") in (None, "bundle"):
        problems = []
        bundle_id = data.get("id", "")
        if data.get("type") != "bundle":
            problems.append(Problem(1, _("Gói %(id)s thiếu thuộc tính type (phải là “bundle”).")
                                    % {"id": str(bundle_id)[:120] or "—"}, ref=str(bundle_id)[:120], field="type"))
        if not isinstance(bundle_id, str) or not re.match(rf"^bundle--{_UUID}$", bundle_id):
            problems.append(Problem(1, _("Gói có mã định danh “%(id)s” không đúng dạng bundle--uuid.")
                                    % {"id": str(bundle_id)[:120]}, field="id"))
        objects = data.get("objects")
        if not isinstance(objects, list):
            problems.append(Problem(1, _("Thuộc tính objects của gói phải là một mảng."), field="objects"))
            objects = []
        return objects, data.get("spec_version"), problems
    if data.get("type") == "bundle":
        return [], data.get("spec_version"), []  # an empty bundle
    return [data], None, []


def _attack_ids(obj: dict) -> tuple:
    ids = []
    for ref in obj.get("external_references") or ():
        if isinstance(ref, dict) and ref.get("source_name") in ATTACK_SOURCES and ref.get("external_id"):
            ids.append(str(ref["external_id"]))
    return tuple(ids)


def _kill_chain(obj: dict) -> tuple:
    return tuple(
        {"kill_chain_name": str(p["kill_chain_name"]), "phase_name": str(p["phase_name"])}
        for p in obj.get("kill_chain_phases") or ()
        if isinstance(p, dict) and p.get("kill_chain_name") and p.get("phase_name")
    )


def sco_values(sco: dict) -> list[tuple[str, str]]:
    """The indicator values a cyber-observable carries: [(type code, raw value)]."""
    kind = sco.get("type")
    if kind in _SCO_SIMPLE and isinstance(sco.get("value"), str):
        hit = stixmap.comparison_value(kind, "value", sco["value"])  # an address with a prefix is a network
        return [hit] if hit else []
    if kind == "autonomous-system" and isinstance(sco.get("number"), int) and not isinstance(sco["number"], bool):
        return [("asn", f"AS{sco['number']}")]
    if kind == "file" and isinstance(sco.get("hashes"), dict):
        found = []
        for name, value in sco["hashes"].items():
            code = stixmap.HASH_NAMES.get(str(name).lower())
            if code and isinstance(value, str):
                found.append((code, value))
        return found
    return []


class StixImport(ImportFormat):
    """STIX 2.1 / 2.0 bundles (see the module docstring)."""

    code = "stix"
    label = gettext_lazy("STIX 2.1")
    options = {"strict": bool}

    def records(self, stream):
        strict = bool(self.settings.get("strict"))
        try:
            data = safejson.load(stream)
        except json.JSONDecodeError as exc:
            yield Problem(exc.lineno or 1, _("Tệp không phải JSON hợp lệ: %(error)s (dòng %(line)s, cột %(col)s).")
                          % {"error": exc.msg, "line": exc.lineno, "col": exc.colno}, field="json")
            return
        except UnicodeDecodeError:
            yield Problem(1, _("Tệp không phải văn bản UTF-8."), field="json")
            return
        objects, bundle_version, problems = read_objects(data)
        yield from problems
        markings = {o["id"]: o for o in objects
                    if isinstance(o, dict) and o.get("type") == "marking-definition" and isinstance(o.get("id"), str)}
        for position, obj in enumerate(objects, start=1):
            found = check_object(obj, position, spec_version=bundle_version)
            if found:
                yield from found
                continue
            version = spec_version_of(obj, bundle_version)
            kind = obj["type"]
            if strict or (kind != "indicator" and (kind in SDO_TYPES or kind in SRO_TYPES or kind in META_TYPES)):
                found = _stix2_problems(obj, position, version, strict)
                if found:
                    yield from found
                    continue
            if kind == "indicator":
                yield from self._indicator(obj, position, markings)
            elif kind == "observed-data" and isinstance(obj.get("objects"), dict):
                yield from self._observed(obj, position, markings)
            elif kind in SCO_TYPES:
                tlp = stixmap.tlp_from_markings(obj.get("object_marking_refs"), markings)
                for type_code, value in sco_values(obj):
                    yield Record(type=type_code, value=value, line=position, ref=obj.get("id", ""), tlp=tlp,
                                 external_id=obj.get("id", ""), lenient=True)

    def _indicator(self, obj: dict, position: int, markings: dict):
        pattern_type = obj.get("pattern_type", "stix")
        if pattern_type != "stix":
            yield _problem(obj, position, "pattern_type",
                           _("chỉ đọc được mẫu STIX, không đọc được mẫu “%(type)s”.") % {"type": str(pattern_type)[:40]})
            return
        try:
            values = stixmap.parse_pattern(obj["pattern"])
        except ValueError as exc:
            yield _problem(obj, position, "pattern", str(exc))
            return
        modified = stixmap.parse_timestamp(obj.get("modified"))
        valid_until = stixmap.parse_timestamp(obj.get("valid_until"))
        if obj.get("revoked") is True:  # withdrawn by its producer: the claim ends now
            valid_until = min(valid_until, modified) if valid_until and modified else (modified or valid_until)
        common = dict(
            line=position, ref=obj["id"], confidence=obj.get("confidence"),
            tlp=stixmap.tlp_from_markings(obj.get("object_marking_refs"), markings),
            first_seen=stixmap.parse_timestamp(obj.get("valid_from")), last_seen=modified, valid_until=valid_until,
            description=str(obj.get("description") or obj.get("name") or ""), external_id=obj["id"],
            tags=tuple(str(t) for t in obj.get("labels") or () if isinstance(t, str)),
            attack_ids=_attack_ids(obj), kill_chain=_kill_chain(obj), lenient=True,
        )
        for type_code, value in values:
            yield Record(type=type_code, value=value, **common)

    def _observed(self, obj: dict, position: int, markings: dict):
        first = stixmap.parse_timestamp(obj.get("first_observed"))
        last = stixmap.parse_timestamp(obj.get("last_observed"))
        tlp = stixmap.tlp_from_markings(obj.get("object_marking_refs"), markings)
        for sco in obj["objects"].values():
            if not isinstance(sco, dict):
                continue
            for type_code, value in sco_values(sco):
                yield Record(type=type_code, value=value, line=position, ref=obj["id"], confidence=obj.get("confidence"),
                             tlp=tlp, first_seen=first, last_seen=last, external_id=obj["id"],
                             tags=tuple(str(t) for t in obj.get("labels") or () if isinstance(t, str)), lenient=True)


def _claims_of(indicator):
    """The indicator's claims when the caller prefetched them (never a query per row)."""
    cache = getattr(indicator, "_prefetched_objects_cache", {}) or {}
    if "claims" not in cache:
        return None
    claims = []
    for claim in cache["claims"]:
        tag_cache = getattr(claim, "_prefetched_objects_cache", {}) or {}
        names = [t.name for t in tag_cache["tags"]] if "tags" in tag_cache else []
        claims.append(SimpleNamespace(tag_names=names, attack_ids=claim.attack_ids, kill_chain=claim.kill_chain))
    return claims


class StixExport(ExportFormat):
    """A STIX 2.1 bundle, written as it goes (constant memory whatever the row count)."""

    code = "stix"
    label = gettext_lazy("STIX 2.1")
    content_type = "application/stix+json;version=2.1"
    extension = "json"

    def write(self, indicators, options):
        used: set[str] = set()
        head = json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}"})[:-1]
        yield head + ', "objects": [\n'
        yield json.dumps(stixmap.VIGIL_IDENTITY, ensure_ascii=False)
        for ind in indicators:
            if not stixmap.exportable(ind.type):
                continue
            data = stixmap.stix_for_indicator(ind, claims=_claims_of(ind))
            used.add(data["object_marking_refs"][0])
            yield ",\n" + json.dumps(data, ensure_ascii=False)
        for marking in stixmap.TLP_MARKINGS.values():
            if marking["id"] in used:
                yield ",\n" + json.dumps(marking, ensure_ascii=False)
        yield "\n]}\n"
