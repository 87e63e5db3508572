"""STIX export: indicators imported through the ingest service come out as a STIX 2.1
bundle that the OASIS validator accepts, carrying exactly the official TLP 2.0 markings,
and that imports back to the same values."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from vigil.core.actors import Actor
from vigil.intel import stixmap
from vigil.intel.formats.base import ExportOptions, Record
from vigil.intel.formats.stix import StixExport

pytestmark = pytest.mark.django_db

VALUES = """\
198.51.100.7
2001:db8::7
203.0.113.0/24
evil.example
http://evil.example/login?next=it's
scam@example.org
d41d8cd98f00b204e9800998ecf8427e
da39a3ee5e6b4b0d3255bfef95601890afd80709
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
AS64500
"""


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
def actor(net):
    return Actor(user=net.agency_analyst, channel="cli")


@pytest.fixture
def sources(net, reference, actor, tmp_path):
    """A green feed with every type a plain list detects, and an amber partner with phone
    numbers, bank accounts, tags and ATT&CK references."""
    from vigil.intel.models import Source
    from vigil.intel.services.ingest import import_file, import_records

    green = Source.objects.create(owner_unit=net.agency, name="green feed", tlp="green")
    amber = Source.objects.create(owner_unit=net.agency, name="amber partner", tlp="amber")
    path = tmp_path / "values.txt"
    path.write_text(VALUES)
    job = import_file(actor=actor, source=green, path=path, format="list")
    assert job.status == "done", job.errors
    records = [
        Record(type="phone", value="0901234567", tags=("fraud:scam-call",), attack_ids=("T1566",),
               kill_chain=({"kill_chain_name": "mitre-attack", "phase_name": "initial-access"},)),
        Record(type="bank_account", value="VCB:0123456789", tags=("fraud:mule-account",)),
        Record(type="domain", value="shared.example", confidence=90),
    ]
    job = import_records(actor=actor, source=amber, records=records, label="partner")
    assert job.status == "done", job.errors
    return green, amber


def _indicators():
    from vigil.intel.models import Indicator

    return Indicator.objects.order_by("pk").prefetch_related("claims__tags")


def _export(indicators) -> str:
    return "".join(StixExport().write(indicators, ExportOptions(generated_at=dt.datetime.now(dt.UTC))))


def test_the_export_is_a_valid_stix_2_1_bundle(sources):
    from stix2validator import ValidationOptions, validate_string

    text = _export(_indicators())
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    bundle = json.loads(text)
    assert bundle["type"] == "bundle" and bundle["id"].startswith("bundle--")
    kinds = [o["type"] for o in bundle["objects"]]
    assert kinds[0] == "identity" and bundle["objects"][0] == stixmap.VIGIL_IDENTITY
    assert kinds.count("indicator") == len(VALUES.split()) + 3


def test_exactly_the_official_tlp_markings_in_use_are_emitted(sources):
    bundle = json.loads(_export(_indicators()))
    markings = [o for o in bundle["objects"] if o["type"] == "marking-definition"]
    assert {m["id"] for m in markings} == {stixmap.TLP_MARKINGS["green"]["id"], stixmap.TLP_MARKINGS["amber"]["id"]}
    assert all(m == stixmap.TLP_MARKINGS[m["extensions"][stixmap.TLP_EXTENSION_ID]["tlp_2_0"]] for m in markings)
    used = {ref for o in bundle["objects"] if o["type"] == "indicator" for ref in o["object_marking_refs"]}
    assert used == {m["id"] for m in markings}


def test_indicators_carry_vigils_ids_patterns_tags_and_attack_references(sources):
    from vigil.intel.models import Indicator

    bundle = json.loads(_export(_indicators()))
    by_id = {o["id"]: o for o in bundle["objects"]}
    phone = Indicator.objects.get(type="phone")
    data = by_id[phone.stix_id]
    assert data["pattern"] == "[x-vigil-phone-number:value = '+84901234567']"
    assert data["labels"] == ["fraud:scam-call"]
    assert data["external_references"][0]["external_id"] == "T1566"
    assert data["kill_chain_phases"] == [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}]
    assert data["created_by_ref"] == stixmap.VIGIL_IDENTITY["id"]
    assert data["object_marking_refs"] == [stixmap.TLP_MARKINGS["amber"]["id"]]
    url = Indicator.objects.get(type="url")
    assert by_id[url.stix_id]["pattern"] == "[url:value = 'http://evil.example/login?next=it\\'s']"
    asn = Indicator.objects.get(type="asn")
    assert by_id[asn.stix_id]["pattern"] == "[autonomous-system:number = 64500]"
    shared = Indicator.objects.get(value="shared.example")
    assert by_id[shared.stix_id]["confidence"] == 90
    for obj in by_id.values():
        if obj["type"] == "indicator":
            assert obj["created"].endswith("Z") and len(obj["created"]) == 24
            assert obj["valid_until"] > obj["valid_from"]


def test_a_revoked_indicator_is_exported_as_revoked(sources):
    from stix2validator import ValidationOptions, validate_string

    from vigil.intel.models import Indicator

    Indicator.objects.filter(value="evil.example").update(revoked_at=dt.datetime.now(dt.UTC))
    text = _export(_indicators())
    assert validate_string(text, ValidationOptions(version="2.1")).is_valid
    revoked = {o["pattern"] for o in json.loads(text)["objects"] if o.get("revoked")}
    assert "[domain-name:value = 'evil.example']" in revoked
    # values on a warninglist (documentation ranges here) are withdrawn too, nothing else
    held_back = {stixmap.pattern_for(i.type, i.value) for i in Indicator.objects.exclude(warning="")}
    assert revoked == held_back | {"[domain-name:value = 'evil.example']"}


def test_the_export_streams_in_chunks_without_a_query_per_row(sources, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        chunks = list(StixExport().write(_indicators(), ExportOptions()))
    assert len(chunks) > len(VALUES.split())
    assert StixExport.content_type == "application/stix+json;version=2.1" and StixExport.extension == "json"


def test_plain_rows_without_claims_export_too(sources):
    from vigil.intel.models import Indicator

    bundle = json.loads(_export(Indicator.objects.order_by("pk")))
    assert all("labels" not in o for o in bundle["objects"] if o["type"] == "indicator")


def test_exported_bundle_imports_back_to_the_same_values(sources, actor, net, tmp_path):
    from vigil.intel.models import Indicator, IndicatorSource, Source
    from vigil.intel.services import stix_store
    from vigil.intel.services.ingest import import_file

    expected = set(Indicator.objects.values_list("type", "value"))
    tlps = dict(((i.type, i.value), i.tlp) for i in Indicator.objects.all())
    path = tmp_path / "export.json"
    path.write_text(_export(_indicators()))
    other = Source.objects.create(owner_unit=net.agency, name="round trip", tlp="amber")
    job = import_file(actor=actor, source=other, path=path, format="stix")
    assert job.status == "done", job.errors
    claims = IndicatorSource.objects.filter(source=other).select_related("indicator")
    assert {(c.indicator.type, c.indicator.value) for c in claims} == expected
    assert all(c.tlp == tlps[(c.indicator.type, c.indicator.value)] for c in claims)
    stored = stix_store.store_file(actor=actor, source=other, path=path)
    assert stored["created"] == len(expected) + 1 + 2  # indicators, Vigil's identity, two markings
