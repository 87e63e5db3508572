"""MISP event JSON: the real events of PyMISP's test data import whole, and Vigil's export
is a MISP event that PyMISP loads and that re-imports to the same indicators."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.intel.formats.base import ExportOptions, Problem, Record
from vigil.intel.formats.misp import MispExport, MispImport
from vigil.testing import shared_data_dir

pytestmark = pytest.mark.django_db

EVENTS = shared_data_dir() / "misp/events"
EVENT_FILES = sorted(EVENTS.glob("*.json")) if EVENTS.is_dir() else []
NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _event_file(name: str) -> Path:
    path = EVENTS / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def _read(data, **options) -> list:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(MispImport(**options).records(io.BytesIO(raw)))


def _records(items) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]


def _event(attributes=(), tags=(), objects=(), galaxies=()) -> dict:
    return {"Event": {"info": "test event", "uuid": "5a3c2fda-0000-4000-8000-000000000001",
                      "timestamp": "1700000000", "Attribute": list(attributes),
                      "Object": list(objects), "Tag": [{"name": t} for t in tags], "Galaxy": list(galaxies)}}


def _attribute(type_, value, uuid="0000", to_ids=True, tags=(), **extra) -> dict:
    return {"type": type_, "value": value, "uuid": f"5a3c2fda-0000-4000-8000-{uuid:0>12}", "to_ids": to_ids,
            "category": "Network activity", "timestamp": "1700000000", "Tag": [{"name": t} for t in tags], **extra}


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """Until the registry names this format (the lead adds it), register it for these tests."""
    from vigil.intel import formats

    monkeypatch.setitem(formats.IMPORTERS, "misp", "vigil.intel.formats.misp.MispImport")
    monkeypatch.setitem(formats.EXPORTERS, "misp", "vigil.intel.formats.misp.MispExport")


@pytest.fixture
def reference(db):
    from vigil.intel import reference as reference_data

    reference_data.load_all()


@pytest.fixture
def source(net, reference):
    from vigil.intel.models import Source

    return Source.objects.create(owner_unit=net.agency, name="MISP partner", tlp="green")


@pytest.fixture
def actor(net):
    return Actor(user=net.agency_analyst, channel="cli")


# --------------------------------------------------------------------------- real events


@pytest.mark.parametrize("path", EVENT_FILES, ids=[p.name for p in EVENT_FILES])
def test_every_real_misp_event_imports_without_problems(path, source, actor):
    from vigil.intel.services.ingest import import_file

    job = import_file(actor=actor, source=source, path=path, format="misp")
    assert job.status == "done", job.errors
    assert job.errors == []
    assert job.counts["invalid"] == 0


def test_misp_event_import_keeps_values_tags_and_maps_tlp_white_to_clear(source, actor):
    from vigil.intel.models import IndicatorSource
    from vigil.intel.services.ingest import import_file

    path = _event_file("circl-xorist-ransomware-57c4445b.json")
    job = import_file(actor=actor, source=source, path=path, format="misp")
    assert job.status == "done", job.errors
    claims = IndicatorSource.objects.filter(source=source).select_related("indicator").prefetch_related("tags")
    by_value = {c.indicator.value: c for c in claims}
    sha256 = "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68"
    assert sha256 in by_value
    claim = by_value[sha256]
    assert claim.tlp == "clear"
    names = {t.name for t in claim.tags.all()}
    assert 'circl:incident-classification="malware"' in names
    assert not any(n.lower().startswith("tlp:") for n in names)


def test_unwrapped_event_with_objects_yields_object_attributes_and_composite_hashes():
    path = _event_file("osint-sednit-fancy-bear.json")
    data = json.loads(path.read_bytes())
    assert "Event" not in data
    records = _records(_read(path.read_bytes()))
    values = {(r.type, r.value) for r in records}
    object_hashes = {a["value"] for o in data["Object"] for a in o["Attribute"] if a["type"] == "sha1"}
    assert object_hashes and {("sha1", v) for v in object_hashes} <= values
    assert all(r.line >= 1 and r.ref for r in records)
    assert 'misp-galaxy:threat-actor="Sofacy"' in records[0].tags


def test_wrapped_and_unwrapped_forms_give_the_same_records():
    path = _event_file("pymisp-random-event.json")
    data = json.loads(path.read_bytes())
    plain = _records(_read(data))
    wrapped = _records(_read({"Event": data}))
    assert [(r.type, r.value, r.line) for r in plain] == [(r.type, r.value, r.line) for r in wrapped]
    assert ("url", "http://fake.website.com/malware/is/here") in {(r.type, r.value) for r in plain}


def test_rest_search_response_and_list_of_events_are_read_in_order():
    first = _event([_attribute("domain", "first.example", "1")])
    second = _event([_attribute("domain", "second.example", "2")])
    for document in ({"response": [first, second]}, [first, second]):
        records = _records(_read(document))
        assert [(r.value, r.line) for r in records] == [("first.example", 1), ("second.example", 2)]


def test_composite_and_renamed_misp_types_map_to_vigil_types():
    event = _event([
        _attribute("ip-dst|port", "198.51.100.7|443", "1"),
        _attribute("domain|ip", "evil.example|2001:db8::5", "2"),
        _attribute("filename|sha256", "a.exe|" + "ab" * 32, "3"),
        _attribute("hostname", "c2.evil.example", "4"),
        _attribute("email-src", "Scam@Evil.example", "5"),
        _attribute("link", "https://evil.example/x", "6"),
        _attribute("AS", "AS64500", "7"),
        _attribute("phone-number", "+84912345678", "8"),
        _attribute("bank-account-nr", "VCB:0123456789", "9"),
        _attribute("ip-src", "203.0.113.0/24", "10"),
        _attribute("comment", "not an indicator", "11"),
        _attribute("regkey", "HKLM\\Software\\x", "12"),
    ])
    records = _records(_read(event))
    got = {(r.type, r.value) for r in records}
    assert got == {
        ("ipv4", "198.51.100.7"), ("domain", "evil.example"), ("ipv6", "2001:db8::5"), ("sha256", "ab" * 32),
        ("domain", "c2.evil.example"), ("email", "scam@evil.example"), ("url", "https://evil.example/x"),
        ("asn", "AS64500"), ("phone", "+84912345678"), ("bank_account", "VCB:0123456789"),
        ("cidr", "203.0.113.0/24"),
    }
    lines = {r.value: r.line for r in records}
    assert lines["evil.example"] == lines["2001:db8::5"] == 2
    assert lines["c2.evil.example"] == 4


def test_attribute_tlp_tag_wins_over_event_tag_and_to_ids_false_caps_confidence():
    event = _event(
        [_attribute("domain", "a.example", "1", tags=["tlp:red", "kill-chain:delivery"]),
         _attribute("domain", "b.example", "2", to_ids=False, tags=['osint:certainty="93"']),
         _attribute("domain", "c.example", "3", tags=['osint:certainty="75"'])],
        tags=["tlp:amber", "type:OSINT"],
    )
    by_value = {r.value: r for r in _records(_read(event))}
    assert by_value["a.example"].tlp == "red"
    assert by_value["b.example"].tlp == "amber"
    assert by_value["b.example"].confidence == 30
    assert by_value["c.example"].confidence == 75
    assert by_value["a.example"].confidence is None
    assert set(by_value["a.example"].tags) == {"type:OSINT", "kill-chain:delivery"}


def test_event_without_tlp_tag_leaves_the_label_to_the_source():
    records = _records(_read(_event([_attribute("domain", "a.example", "1")])))
    assert records[0].tlp is None


def test_seen_times_come_from_first_and_last_seen_or_the_timestamp():
    event = _event([
        _attribute("domain", "a.example", "1", first_seen="2024-01-02T03:04:05+00:00",
                   last_seen="2024-02-02T03:04:05+00:00"),
        _attribute("domain", "b.example", "2"),
    ])
    by_value = {r.value: r for r in _records(_read(event))}
    assert by_value["a.example"].first_seen == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert by_value["a.example"].last_seen == dt.datetime(2024, 2, 2, 3, 4, 5, tzinfo=dt.UTC)
    stamp = dt.datetime.fromtimestamp(1700000000, tz=dt.UTC)
    assert by_value["b.example"].first_seen == by_value["b.example"].last_seen == stamp


def test_attack_pattern_galaxy_clusters_become_attack_ids():
    galaxy = {"name": "Attack Pattern", "type": "mitre-attack-pattern", "uuid": "c4e851fa-775f-11e7-8163-b774922098cd",
              "GalaxyCluster": [{"value": "Spearphishing Attachment - T1566.001", "type": "mitre-attack-pattern",
                                 "tag_name": 'misp-galaxy:mitre-attack-pattern="Spearphishing Attachment - T1566.001"',
                                 "uuid": "2e34237d-8574-43f6-aace-ae2915de8597",
                                 "meta": {"external_id": ["T1566.001"]}}]}
    mitigation = 'misp-galaxy:mitre-course-of-action="AppCert DLLs Mitigation - T1182"'
    event = _event([_attribute("domain", "a.example", "1")], tags=[mitigation], galaxies=[galaxy])
    record = _records(_read(event))[0]
    assert record.attack_ids == ("T1566.001",)
    assert 'misp-galaxy:mitre-attack-pattern="Spearphishing Attachment - T1566.001"' in record.tags
    assert mitigation in record.tags


def test_comment_markup_is_kept_as_text():
    event = _event([_attribute("domain", "a.example", "1", comment="<script>alert(1)</script> C2")])
    assert _records(_read(event))[0].description == "<script>alert(1)</script> C2"


def test_url_fragments_are_skipped_unless_strict():
    path = _event_file("osint-asert-four-element-sword-370-attrs.json")
    loose = _read(path.read_bytes())
    assert not [p for p in loose if isinstance(p, Problem)]
    assert ("url", "http://www.whitewall.top/") in {(r.type, r.value) for r in _records(loose)}
    strict = [p for p in _read(path.read_bytes(), strict=True) if isinstance(p, Problem)]
    assert len(strict) == 3
    assert all(p.ref and p.line >= 1 and "url" in p.message for p in strict)


def test_invalid_json_is_one_problem_naming_the_line():
    problems = _read(b'{"Event": {"info": "x",\n "Attribute": [}')
    assert len(problems) == 1 and isinstance(problems[0], Problem)
    assert problems[0].line == 2
    assert "JSON" in problems[0].message


def test_json_that_is_not_an_event_is_refused():
    for document in ({"type": "bundle", "objects": []}, [1, 2], "text", {"Event": "x"}):
        problems = _read(document)
        assert len(problems) == 1 and isinstance(problems[0], Problem)
        assert "MISP" in problems[0].message


def test_event_without_info_is_a_problem_naming_the_event():
    problems = _read({"Event": {"Attribute": [_attribute("domain", "a.example")]}})
    assert len(problems) == 1 and isinstance(problems[0], Problem)
    assert "info" in problems[0].message


def test_unknown_option_is_refused():
    with pytest.raises(DomainError) as err:
        MispImport(mapping={})
    assert "mapping" in str(err.value.message)


# --------------------------------------------------------------------------- export


def _fake(type_, value, tlp="green", **extra):
    base = {"type": type_, "value": value, "tlp": tlp, "confidence": 80, "first_seen": NOW,
            "last_seen": NOW, "expires_at": NOW + dt.timedelta(days=30), "description": "", "warning": "",
            "revoked_at": None, "status": "active"}
    base.update(extra)
    return SimpleNamespace(**base)


def test_export_is_a_misp_event_that_pymisp_loads():
    from pymisp import MISPEvent

    indicators = [_fake("domain", "evil.example", "amber"), _fake("cidr", "203.0.113.0/24"),
                  _fake("bank_account", "VCB:0123456789", "red"), _fake("phone", "+84912345678"),
                  _fake("asn", "AS64500"), _fake("sha256", "ab" * 32, "clear")]
    text = "".join(MispExport().write(iter(indicators), ExportOptions(title="Tuần 9", generated_at=NOW)))
    data = json.loads(text)
    assert set(data) == {"Event"}
    event = MISPEvent()
    event.load(data)
    assert event.info == "Tuần 9"
    assert int(event.distribution) == 0
    assert [t.name for t in event.tags] == ["tlp:red"]
    types_by_value = {a.value: a.type for a in event.attributes}
    assert types_by_value == {"evil.example": "domain", "203.0.113.0/24": "ip-dst", "VCB:0123456789": "bank-account-nr",
                              "+84912345678": "phone-number", "AS64500": "AS", "ab" * 32: "sha256"}
    tlp_by_value = {a.value: [t.name for t in a.tags] for a in event.attributes}
    assert tlp_by_value["evil.example"] == ["tlp:amber"]


def test_export_marks_revoked_and_warninglisted_indicators_not_for_detection():
    indicators = [_fake("domain", "ok.example"), _fake("domain", "gone.example", revoked_at=NOW, status="revoked"),
                  _fake("domain", "google.com", warning="google", status="warninglisted")]
    data = json.loads("".join(MispExport().write(indicators, ExportOptions(generated_at=NOW))))
    to_ids = {a["value"]: a["to_ids"] for a in data["Event"]["Attribute"]}
    assert to_ids == {"ok.example": True, "gone.example": False, "google.com": False}


def test_export_is_stable_between_runs():
    indicators = [_fake("domain", "evil.example")]
    options = ExportOptions(title="Vigil", generated_at=NOW)
    assert "".join(MispExport().write(indicators, options)) == "".join(MispExport().write(indicators, options))


def test_export_of_nothing_is_an_empty_event():
    data = json.loads("".join(MispExport().write([], ExportOptions(generated_at=NOW))))
    assert data["Event"]["info"] == "Vigil"
    assert data["Event"].get("Attribute", []) == []


def test_exported_event_reimports_to_the_same_indicators(source, actor):
    from vigil.intel.models import Indicator
    from vigil.intel.services.ingest import import_bytes, import_records

    values = [("domain", "evil.example"), ("ipv4", "198.51.100.7"), ("ipv6", "2001:db8::7"),
              ("cidr", "203.0.113.0/24"), ("url", "https://evil.example/login?a=1"), ("md5", "ab" * 16),
              ("sha1", "ab" * 20), ("sha256", "ab" * 32), ("email", "scam@evil.example"),
              ("phone", "+84912345678"), ("bank_account", "VCB:0123456789"), ("asn", "AS64500")]
    job = import_records(actor=actor, source=source, label="seed",
                         records=[Record(type=t, value=v, line=i) for i, (t, v) in enumerate(values, 1)])
    assert job.status == "done", job.errors
    exported = "".join(MispExport().write(Indicator.objects.order_by("id"), ExportOptions(generated_at=NOW)))
    back = _records(_read(exported.encode()))
    assert {(r.type, r.value) for r in back} == set(values)

    from vigil.intel.models import Source

    other = Source.objects.create(owner_unit=source.owner_unit, name="MISP round trip", tlp="green")
    job = import_bytes(actor=actor, source=other, data=exported.encode(), format="misp")
    assert job.status == "done", job.errors
    assert job.counts["created"] == 0
    assert set(Indicator.objects.filter(claims__source=other).values_list("type", "value")) == set(values)
