"""STIX import: the committee's own examples, python-stix2's observables and whole MITRE
ATT&CK bundles import and are kept as objects; broken examples are refused naming the
object and the field; TLP markings become Vigil labels; the pattern reader's fast path
and its fallback agree with the specification."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from vigil.core.actors import Actor, system_actor
from vigil.core.errors import AccessDenied, DomainError
from vigil.intel import stixmap
from vigil.intel.formats.base import Problem, Record
from vigil.intel.formats.stix import StixImport
from vigil.testing import shared_data_dir

pytestmark = pytest.mark.django_db

DATA = shared_data_dir() / "stix"
OASIS = sorted((DATA / "oasis-examples").glob("*.json")) if (DATA / "oasis-examples").is_dir() else []
ENTERPRISE = "mitre-attack/enterprise-attack-v18.1-stix20.json.gz"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"


def _file(name: str) -> Path:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def _count_objects(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = json.load(fh)
    if isinstance(data, list):
        return len(data)
    return len(data["objects"]) if "objects" in data else 1


def _read(data, **options) -> list:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return list(StixImport(**options).records(io.BytesIO(raw)))


def _records(items) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]


def _problems(items) -> list[Problem]:
    return [i for i in items if isinstance(i, Problem)]


def _indicator(pattern: str, **extra) -> dict:
    return {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-02T10:00:00.000Z",
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-03-01T10:00:00Z", **extra}


def _bundle(*objects) -> dict:
    return {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": list(objects)}


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """Until the registry names this format (the lead adds it), register it for these tests."""
    from vigil.intel import formats

    monkeypatch.setitem(formats.IMPORTERS, "stix", "vigil.intel.formats.stix.StixImport")
    monkeypatch.setitem(formats.EXPORTERS, "stix", "vigil.intel.formats.stix.StixExport")


@pytest.fixture
def reference(db):
    from vigil.intel import reference as reference_data

    reference_data.load_all()


@pytest.fixture
def source(net, reference):
    from vigil.intel.models import Source

    return Source.objects.create(owner_unit=net.agency, name="STIX partner", tlp="green")


@pytest.fixture
def actor(net):
    return Actor(user=net.agency_analyst, channel="cli")


def _import(actor, source, path, **kwargs):
    from vigil.intel.services import stix_store
    from vigil.intel.services.ingest import import_file

    job = import_file(actor=actor, source=source, path=path, format="stix", **kwargs)
    stored = stix_store.store_file(actor=actor, source=source, path=path) if job.status == "done" else None
    return job, stored


def _claims(source) -> dict:
    from vigil.intel.models import IndicatorSource

    return {(c.indicator.type, c.indicator.value): c
            for c in IndicatorSource.objects.filter(source=source).select_related("indicator").prefetch_related("tags")}


# --------------------------------------------------------------------------- pattern reader


@pytest.mark.parametrize(("pattern", "expected"), [
    ("[domain-name:value = 'evil.example']", [("domain", "evil.example")]),
    ("[ ipv4-addr:value = '10.0.0.0' ]", [("ipv4", "10.0.0.0")]),
    ("[ipv4-addr:value = '112.64.0.0/15']", [("cidr", "112.64.0.0/15")]),
    ("[ipv4-addr:value = '198.51.100.7/32']", [("ipv4", "198.51.100.7")]),
    ("[ipv6-addr:value = '2001:db8::/32']", [("cidr", "2001:db8::/32")]),
    ("[url:value = 'http://x4z9arb.cn/4712']", [("url", "http://x4z9arb.cn/4712")]),
    ("[email-addr:value = 'scam@example.org']", [("email", "scam@example.org")]),
    ("[file:hashes.'SHA-256' = 'ef53']", [("sha256", "ef53")]),
    ("[file:hashes.md5 = '001d']", [("md5", "001d")]),
    ("[file:hashes.\"SHA-1\" = 'aa'] OR [file:hashes.SHA1 = 'bb']", [("sha1", "aa"), ("sha1", "bb")]),
    ("[autonomous-system:number = 64500]", [("asn", "AS64500")]),
    ("[x-vigil-phone-number:value = '+84901234567']", [("phone", "+84901234567")]),
    ("[x-vigil-bank-account:value = 'VCB:0123456789']", [("bank_account", "VCB:0123456789")]),
    ("[domain-name:value = 'a.example' OR ipv4-addr:value = '60.10.1.120' OR domain-name:value = 'a.example']",
     [("domain", "a.example"), ("ipv4", "60.10.1.120")]),
    ("[domain-name:value = 'a.example'] AND [url:value = 'http://b.example/']",
     [("domain", "a.example"), ("url", "http://b.example/")]),
    ("[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b']", []),
    ("[file:name = 'CBricksDoc']", []),
])
def test_simple_patterns_are_read_by_the_fast_path(pattern, expected):
    assert stixmap.parse_pattern(pattern) == expected


def test_quotes_and_backslashes_in_literals_are_unescaped_and_round_trip():
    value = "http://evil.example/it's\\here"
    pattern = stixmap.pattern_for("url", value)
    assert pattern == "[url:value = 'http://evil.example/it\\'s\\\\here']"
    assert stixmap.parse_pattern(pattern) == [("url", value)]


def test_pattern_for_every_type_reads_back_to_the_same_value():
    samples = {"ipv4": "198.51.100.7", "ipv6": "2001:db8::1", "cidr": "198.51.100.0/24", "domain": "evil.example",
               "url": "http://evil.example/a", "md5": "0" * 32, "sha1": "1" * 40, "sha256": "2" * 64,
               "email": "scam@example.org", "phone": "+84901234567", "bank_account": "VCB:0123456789",
               "asn": "AS64500"}
    for code, value in samples.items():
        assert stixmap.parse_pattern(stixmap.pattern_for(code, value)) == [(code, value)], code


def test_patterns_beyond_the_fast_path_go_to_the_real_parser():
    assert stixmap.parse_pattern("[ipv4-addr:value ISSUBSET '10.0.0.0/8'] REPEATS 5 TIMES") == [("cidr", "10.0.0.0/8")]
    assert stixmap.parse_pattern("[domain-name:value IN ('a.example', 'b.example')]") == [
        ("domain", "a.example"), ("domain", "b.example")]
    assert stixmap.parse_pattern("[ipv4-addr:value = '1.2.3.4'] WITHIN 300 SECONDS") == [("ipv4", "1.2.3.4")]
    assert stixmap.parse_pattern("[email-message:subject MATCHES '^[IMPORTANT] Please']") == []


@pytest.mark.parametrize("pattern", ["[domain-name:value = 'unterminated]", "domain-name:value = 'x'", "[]", ""])
def test_an_invalid_pattern_raises_a_clear_error(pattern):
    with pytest.raises(ValueError, match="STIX"):
        stixmap.parse_pattern(pattern)


# --------------------------------------------------------------------------- TLP markings


def test_tlp_markings_are_the_official_objects():
    for code in ("clear", "green", "amber", "amber+strict", "red"):
        path = _file(f"tlp2/tlp-{code.replace('+', '-')}.json")
        official = json.loads(path.read_text())["objects"][0]
        assert stixmap.TLP_MARKINGS[code] == official


def test_tlp_1_and_2_ids_and_bundle_markings_map_to_vigil_labels():
    assert stixmap.tlp_from_markings([AMBER]) == "amber"
    assert stixmap.tlp_from_markings(["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]) == "clear"
    assert stixmap.tlp_from_markings(["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]) == "green"
    assert stixmap.tlp_from_markings(["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]) == "red"
    custom = {"marking-definition--00000000-0000-4000-8000-000000000001": {"definition_type": "tlp",
                                                                          "definition": {"tlp": "white"}}}
    assert stixmap.tlp_from_markings(list(custom), custom) == "clear"
    assert stixmap.tlp_from_markings(["marking-definition--00000000-0000-4000-8000-000000000002"]) is None
    # the most restrictive of several TLP markings wins
    assert stixmap.tlp_from_markings([AMBER, stixmap.TLP_MARKINGS["red"]["id"]]) == "red"


def test_a_tlp_amber_marked_indicator_becomes_an_amber_claim(source, actor, tmp_path):
    marked = _indicator("[domain-name:value = 'amber.example']", object_marking_refs=[AMBER])
    strict_id = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
    other = _indicator("[domain-name:value = 'strict.example']", id="indicator--1b7bd0e4-52a1-4c7e-9d32-1d7b6ce0fa11",
                       object_marking_refs=[strict_id])
    path = tmp_path / "marked.json"
    path.write_text(json.dumps(_bundle(stixmap.TLP_MARKINGS["amber+strict"], marked, other)))
    job, stored = _import(actor, source, path)
    assert job.status == "done", job.errors
    claims = _claims(source)
    assert claims[("domain", "amber.example")].tlp == "amber"
    assert claims[("domain", "strict.example")].tlp == "amber+strict"
    from vigil.intel.models import StixObject

    rows = {r.stix_id: r for r in StixObject.objects.filter(source=source).select_related("collection")}
    assert rows[other["id"]].tlp == "amber+strict" and rows[other["id"]].collection.alias == "shared-amber"
    assert rows[strict_id].tlp == "green" and rows[strict_id].collection.alias == "shared-green"
    assert stored["created"] == 3


# --------------------------------------------------------------------------- real bundles


@pytest.mark.parametrize("path", OASIS, ids=[p.name for p in OASIS])
def test_every_oasis_example_imports_and_is_kept_object_by_object(path, source, actor):
    from vigil.intel.models import StixObject

    job, stored = _import(actor, source, path)
    assert job.status == "done", job.errors
    assert stored["created"] == _count_objects(path) == StixObject.objects.filter(source=source).count()


def test_the_command_and_control_examples_give_their_values(source, actor):
    job, _stored = _import(actor, source, _file("oasis-examples/indicators-for-C2-with-COA.json"))
    assert job.status == "done", job.errors
    claims = _claims(source)
    assert set(claims) == {("ipv4", "10.0.0.0"),
                           ("sha256", "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c")}
    claim = claims[("ipv4", "10.0.0.0")]
    assert claim.external_id.startswith("indicator--")
    assert claim.indicator.warning  # RFC 1918: a warninglist names it, it is not activated
    source2 = type(source).objects.create(owner_unit=source.owner_unit, name="second", tlp="green")
    job, _stored = _import(actor, source2, _file("oasis-examples/indicator-for-c2-ip-address.json"))
    assert job.status == "done" and set(_claims(source2)) == {("ipv4", "10.0.0.0")}


def test_the_poisonivy_report_imports_and_warns_about_its_one_malformed_domain(source, actor):
    """The bundle is valid STIX; one pattern's value ("domain autuo.xicp.net") is not a
    domain: the value is skipped with a warning naming the object, the rest is imported."""
    path = _file("oasis-examples/threat-report-poisonivy.json")
    job, _stored = _import(actor, source, path)
    assert job.status == "done", job.errors
    assert len(job.errors) == 1
    error = job.errors[0]
    assert error["ref"] == "indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40" and error["field"] == "value"
    assert "autuo" in error["message"] and error["line"] == 43 and error["warning"] is True
    claims = _claims(source)
    assert ("domain", "www.webserver.dynssl.com") in claims
    assert ("ipv4", "219.90.112.203") in claims
    assert job.counts["read"] == len(_records(_read(path.read_bytes())))


def test_the_apt1_report_gives_its_networks(source, actor):
    job, _stored = _import(actor, source, _file("oasis-examples/threat-report-apt1.json"))
    assert job.status == "done", job.errors
    claims = _claims(source)
    assert ("cidr", "223.166.0.0/15") in claims
    assert ("md5", "001dd76872d80801692ff942308c64e6") in claims


def test_observables_of_a_bare_array_are_imported(source, actor):
    path = _file("python-stix2/sco-examples.json")
    job, stored = _import(actor, source, path)
    assert job.status == "done", job.errors
    claims = _claims(source)
    assert ("ipv4", "198.51.100.3") in claims
    assert ("cidr", "198.51.100.0/24") in claims
    assert ("ipv6", "2001:db8:85a3::8a2e:370:7334") in claims
    assert ("asn", "AS15139") in claims
    assert ("md5", "a92e5b2bae0b4b3a3d81c85610b95cd4") in claims
    assert ("url", "https://example.com/research/index.html") in claims
    # 82 objects, 70 distinct ids: an observable's id is derived from its value, one row each
    assert stored == {"objects": 82, "created": 70, "existing": 12, "failed": 0, "refused": 0}


def test_observed_data_of_a_misp_stix_2_0_export_is_imported(source, actor):
    job, stored = _import(actor, source, _file("misp-export/misp2stix2-stix20-minimal.json"))
    assert job.status == "done", job.errors
    claim = _claims(source)[("ipv4", "8.8.8.8")]
    assert claim.external_id.startswith("observed-data--")
    from vigil.intel.models import StixObject

    assert set(StixObject.objects.filter(source=source).values_list("spec_version", flat=True)) == {"2.0"}
    assert stored["created"] == 3


def test_the_ics_attack_bundle_keeps_every_object_including_custom_ones(source, actor):
    from vigil.intel.models import StixObject

    path = _file("mitre-attack/ics-attack-v18.1.json")
    job, stored = _import(actor, source, path)
    assert job.status == "done", job.errors
    assert job.errors == []
    assert stored["created"] == 1826 == StixObject.objects.filter(source=source).count()
    assert StixObject.objects.filter(source=source, type="x-mitre-analytic").count() == 82
    marked = StixObject.objects.filter(source=source, type="attack-pattern").first()
    assert marked.collection.alias == "shared-green" and marked.owner_unit_id == source.owner_unit_id


def test_the_enterprise_attack_stix_2_0_bundle_imports_whole(source, actor):
    from vigil.intel.models import StixObject

    path = _file(ENTERPRISE)
    job, stored = _import(actor, source, path)
    assert job.status == "done", job.errors
    assert job.errors == []
    assert stored["created"] == 24771 == StixObject.objects.filter(source=source).count()
    assert StixObject.objects.filter(source=source, type="relationship").count() == 20048
    assert set(StixObject.objects.filter(source=source).values_list("spec_version", flat=True)) == {"2.0"}


def test_reimporting_a_bundle_changes_nothing(source, actor):
    from vigil.core.models import AuditEntry
    from vigil.intel.models import Indicator, StixObject

    path = _file("oasis-examples/threat-report-apt1.json")
    job, stored = _import(actor, source, path)
    assert job.status == "done" and stored["created"] == 76
    before = (list(Indicator.objects.order_by("pk").values_list("pk", "updated_at")), StixObject.objects.count())
    from vigil.intel.services import stix_store

    again = stix_store.store_file(actor=actor, source=source, path=path)
    assert again == {"objects": 76, "created": 0, "existing": 76, "failed": 0, "refused": 0}
    entries = AuditEntry.objects.count()
    from vigil.intel.services.ingest import import_file

    assert import_file(actor=actor, source=source, path=path, format="stix").pk == job.pk
    records = _records(_read(path.read_bytes()))
    from vigil.intel.services.ingest import import_records

    import_records(actor=actor, source=source, records=records, label="again")
    after = (list(Indicator.objects.order_by("pk").values_list("pk", "updated_at")), StixObject.objects.count())
    assert after == before
    assert AuditEntry.objects.count() == entries


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(("name", "field", "needle"), [
    ("validator-examples-v21/invalid_braces.json", "json", "JSON"),
    ("validator-examples-v21/invalid_comma.json", "json", "JSON"),
    ("validator-examples-v21/invalid_identity.json", "modified", "identity--8c6af861-7b20-41ef-9b59-6344fd872a8f"),
    ("validator-examples-v21/invalid_timestamp.json", "modified", "identity--8c6af861-7b20-41ef-9b59-6344fd872a8f"),
])
def test_invalid_validator_examples_are_refused_naming_the_object_and_field(name, field, needle, source, actor):
    from vigil.intel.models import StixObject

    job, stored = _import(actor, source, _file(name))
    assert job.status == "failed" and stored is None
    assert any(e["field"] == field and needle in e["message"] for e in job.errors), job.errors
    assert StixObject.objects.filter(source=source).count() == 0


def test_the_committees_broken_tlp_example_names_the_relationship_and_created(source, actor):
    path = _file("tlp2/using-tlp2.0-green.json")
    job, _stored = _import(actor, source, path)
    assert job.status == "failed"
    fields = {(e["ref"], e["field"]) for e in job.errors}
    assert ("relationship--1621d4d4-b67d-11e3-9670-f01faf20d111", "created") in fields
    assert ("bundle--161f8ade-b67d-11e3-b8af-f01faf20d111", "type") in fields
    from vigil.intel.services import stix_store

    with pytest.raises(DomainError, match="bundle--161f8ade"):
        stix_store.store_file(actor=actor, source=source, path=path)


def test_store_file_refuses_an_invalid_object_naming_it(source, actor, tmp_path):
    from vigil.intel.models import StixObject
    from vigil.intel.services import stix_store

    good = _indicator("[domain-name:value = 'ok.example']")
    bad = _indicator("[domain-name:value = 'bad.example']", id="indicator--1b7bd0e4-52a1-4c7e-9d32-1d7b6ce0fa11",
                     created="2024-13-01T00:00:00Z")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_bundle(good, bad)))
    with pytest.raises(DomainError, match="indicator--1b7bd0e4.*created"):
        stix_store.store_file(actor=actor, source=source, path=path)
    assert StixObject.objects.filter(source=source).count() == 0


def test_the_lone_campaign_object_is_accepted_as_one_object(source, actor):
    from vigil.intel.models import StixObject

    path = _file("oasis-examples/interop-objectmarking-test.json")
    job, stored = _import(actor, source, path)
    assert job.status == "done" and stored["created"] == 1
    row = StixObject.objects.get(source=source)
    assert row.type == "campaign" and row.tlp == "red"  # its TLP 1.0 RED marking


def test_custom_properties_without_the_x_prefix_are_refused_only_in_strict_mode():
    path = _file("validator-examples-v21/identity_custom.json")
    assert _problems(_read(path.read_bytes())) == []
    problems = _problems(_read(path.read_bytes(), strict=True))
    assert len(problems) == 1 and problems[0].field == "foo"
    assert "identity--8c6af861-7b20-41ef-9b59-6344fd872a8f" in problems[0].message


@pytest.mark.parametrize(("obj", "field"), [
    ({"id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}, "type"),
    (_indicator("[domain-name:value = 'x.example']", id="indicator--not-a-uuid"), "id"),
    (_indicator("[domain-name:value = 'x.example']", type="malware"), "id"),
    (_indicator("[domain-name:value = 'x.example']", valid_until="2020-01-01T00:00:00Z"), "valid_until"),
    (_indicator("[domain-name:value = 'x.example']", confidence=101), "confidence"),
    (_indicator("[domain-name:value = 'x.example'"), "pattern"),
    (_indicator("alert tcp any any -> any any (msg:\"x\";)", pattern_type="snort"), "pattern_type"),
    ({**_indicator("[domain-name:value = 'x.example']"), "pattern_type": None}, "pattern_type"),
    ({"type": "relationship", "spec_version": "2.1", "id": "relationship--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
      "created": "2024-03-01T10:00:00Z", "modified": "2024-03-01T10:00:00Z", "relationship_type": "uses",
      "source_ref": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}, "target_ref"),
])
def test_invalid_objects_are_named_with_the_field(obj, field):
    problems = _problems(_read(_bundle(obj)))
    assert [p.field for p in problems] == [field], [p.as_dict() for p in problems]
    assert problems[0].line == 1


def test_an_indicator_record_carries_the_objects_metadata():
    indicator = _indicator(
        "[domain-name:value = 'evil.example' OR file:hashes.'SHA-256' = 'aa']", confidence=85, labels=["phishing"],
        name="Evil", valid_until="2024-06-01T00:00:00Z", object_marking_refs=[AMBER],
        kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": "command-and-control"}],
        external_references=[{"source_name": "mitre-attack", "external_id": "T1071"},
                             {"source_name": "capec", "external_id": "CAPEC-163"}])
    records = _records(_read(_bundle(indicator)))
    assert [(r.type, r.value) for r in records] == [("domain", "evil.example"), ("sha256", "aa")]
    first = records[0]
    assert first.ref == first.external_id == indicator["id"]
    assert (first.line, first.confidence, first.tlp, first.tags, first.attack_ids) == (1, 85, "amber", ("phishing",),
                                                                                        ("T1071",))
    assert first.kill_chain == ({"kill_chain_name": "mitre-attack", "phase_name": "command-and-control"},)
    assert first.first_seen.isoformat() == "2024-03-01T10:00:00+00:00"
    assert first.valid_until.isoformat() == "2024-06-01T00:00:00+00:00"
    assert first.description == "Evil"


def test_a_revoked_indicator_ends_at_its_modification():
    records = _records(_read(_bundle(_indicator("[domain-name:value = 'old.example']", revoked=True))))
    assert records[0].valid_until == records[0].last_seen


def test_store_objects_needs_the_right_to_add_to_the_source(source, net):
    from vigil.intel.services import stix_store

    with pytest.raises(AccessDenied):
        stix_store.store_objects(actor=Actor(user=net.b_analyst), source=source, objects=[_indicator("[x:y = 'z']")])
    result = stix_store.store_objects(actor=system_actor(), source=source, objects=[_indicator("[x:y = 'z']")])
    assert result["created"] == 1 and result["results"][0]["status"] == "created"
