"""The contract every import and export format keeps (IntelMQ's shared bot test is the
model): each registered format, and each format of this package even before it is
registered, is checked the same way."""

from __future__ import annotations

import csv
import datetime as dt
import io
import ipaddress
import json

import pytest
from django.utils.module_loading import import_string

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.intel import formats
from vigil.intel.formats.base import ExportFormat, ExportOptions, ImportFormat, Problem, Record

OWN_IMPORTERS = {
    "misp": "vigil.intel.formats.misp.MispImport",
    "csv": "vigil.intel.formats.csvfmt.CsvImport",
}
OWN_EXPORTERS = {
    "misp": "vigil.intel.formats.misp.MispExport",
    "csv": "vigil.intel.formats.csvfmt.CsvExport",
    "rpz": "vigil.intel.formats.blocklists.RpzExport",
    "nftables": "vigil.intel.formats.blocklists.NftablesExport",
    "ipset": "vigil.intel.formats.blocklists.IpsetExport",
    "suricata": "vigil.intel.formats.blocklists.SuricataExport",
}
IMPORTERS = sorted(set(formats.IMPORTERS.values()) | set(OWN_IMPORTERS.values()))
EXPORTERS = sorted(set(formats.EXPORTERS.values()) | set(OWN_EXPORTERS.values()))
NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
GARBAGE = [
    b"",
    b"\n\n",
    b"\xff\xfe\x00\x01 not text\n",
    b"{not json,,\n[",
    b'{"type": "bundle", "objects": [{"type": "indicator"}]}',
    b"value,type\n,,\n\"unterminated\n",
    b"# only a comment\n",
    b"\x1f\x8b\x08\x00 not really gzip",
]
MIXED = [("domain", "contract.example"), ("ipv4", "198.51.100.23"), ("sha256", "cd" * 32)]


def _short(dotted: str) -> str:
    return dotted.rsplit(".", 2)[-2] + "." + dotted.rsplit(".", 1)[-1]


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """Until the registry names these formats (the lead adds them), register them here."""
    for code, dotted in OWN_IMPORTERS.items():
        monkeypatch.setitem(formats.IMPORTERS, code, formats.IMPORTERS.get(code, dotted))
    for code, dotted in OWN_EXPORTERS.items():
        monkeypatch.setitem(formats.EXPORTERS, code, formats.EXPORTERS.get(code, dotted))


# --------------------------------------------------------------------------- importers


@pytest.mark.parametrize("dotted", IMPORTERS, ids=_short)
def test_importer_declares_a_code_and_refuses_an_unknown_option_by_name(dotted):
    cls = import_string(dotted)
    assert issubclass(cls, ImportFormat) and cls.code and cls.label
    with pytest.raises(DomainError) as err:
        cls(no_such_option_xyz=1)
    assert "no_such_option_xyz" in str(err.value.message)


@pytest.mark.parametrize("dotted", IMPORTERS, ids=_short)
def test_importer_on_empty_or_garbage_input_yields_only_located_problems(dotted):
    cls = import_string(dotted)
    assert all(isinstance(i, Problem) for i in cls().records(io.BytesIO(b"")))
    for raw in GARBAGE:
        for item in cls().records(io.BytesIO(raw)):
            assert isinstance(item, (Record, Problem))
            if isinstance(item, Problem):
                assert item.line >= 1, (raw, item)
                assert str(item.message).strip(), (raw, item)
            else:
                assert item.line >= 1


@pytest.mark.parametrize("code", sorted(OWN_IMPORTERS))
def test_registry_builds_each_importer_by_code(code):
    assert formats.importer(code).code == code


# --------------------------------------------------------------------------- exporters


@pytest.fixture
def indicators(net):
    from vigil.intel import reference as reference_data
    from vigil.intel.models import Indicator, Source
    from vigil.intel.services.ingest import import_records

    reference_data.load_all()
    source = Source.objects.create(owner_unit=net.agency, name="contract", tlp="green")
    job = import_records(actor=Actor(user=net.agency_analyst, channel="cli"), source=source, label="contract",
                         records=[Record(type=t, value=v, line=i) for i, (t, v) in enumerate(MIXED, 1)])
    assert job.status == "done", job.errors
    return Indicator.objects.filter(claims__source=source).order_by("id")


def _render(cls, indicators) -> str:
    exporter = cls()
    chunks = exporter.write(indicators, ExportOptions(title="Contract", generated_at=NOW))
    assert not isinstance(chunks, str), "write() yields chunks"
    parts = list(chunks)
    assert all(isinstance(p, str) for p in parts)
    return "".join(parts)


def _mentions(text: str, type_code: str, value: str) -> bool:
    if value in text:
        return True
    if type_code in ("ipv4", "ipv6", "cidr"):  # RPZ writes addresses as rpz-ip triggers
        from vigil.intel.formats.blocklists import rpz_ip_owner

        return rpz_ip_owner(ipaddress.ip_network(value, strict=False)) in text
    return False


@pytest.mark.parametrize("dotted", EXPORTERS, ids=_short)
@pytest.mark.django_db
def test_exporter_of_nothing_writes_valid_empty_output(dotted):
    from vigil.intel.models import Indicator

    cls = import_string(dotted)
    assert issubclass(cls, ExportFormat) and cls.code and cls.label and cls.extension
    text = _render(cls, Indicator.objects.none())
    if "json" in cls.content_type:
        json.loads(text)
    elif "csv" in cls.content_type:
        header = next(csv.reader(io.StringIO(text)))
        assert "value" in header
    assert "contract.example" not in text


@pytest.mark.parametrize("dotted", EXPORTERS, ids=_short)
@pytest.mark.django_db
def test_exporter_mentions_every_value_it_can_express(dotted, indicators):
    cls = import_string(dotted)
    text = _render(cls, indicators)
    if "json" in cls.content_type:
        json.loads(text)
    expressible = [(t, v) for t, v in MIXED if not cls.types or t in cls.types]
    assert expressible, f"{cls.code} expresses none of {MIXED}"
    for type_code, value in expressible:
        assert _mentions(text, type_code, value), (cls.code, value)
    for type_code, value in MIXED:
        if cls.types and type_code not in cls.types:
            assert value not in text, (cls.code, value)


@pytest.mark.parametrize("code", sorted(OWN_EXPORTERS))
def test_registry_builds_each_exporter_by_code(code):
    assert formats.exporter(code).code == code
