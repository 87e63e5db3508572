"""Constituency writes: validation that names the field, normalisation, permission, audit."""

import pytest

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.core.models import AuditEntry
from vigil.org.models import ConstituencyEntry
from vigil.org.services.constituency import (
    constituency_add,
    constituency_add_many,
    constituency_remove,
    parse_value,
)

pytestmark = pytest.mark.django_db


def act(user):
    return Actor(user=user, channel="web")


@pytest.mark.parametrize(
    ("raw", "kind", "value", "prefix"),
    [
        ("203.0.113.0/24", "ipv4", "203.0.113.0/24", 24),
        (" 203.0.113.7 ", "ipv4", "203.0.113.7/32", 32),
        ("2001:DB8::/32", "ipv6", "2001:db8::/32", 32),
        ("2001:db8::1", "ipv6", "2001:db8::1/128", 128),
        ("AS64500", "asn", "AS64500", 0),
        ("as64500", "asn", "AS64500", 0),
        ("64500", "asn", "AS64500", 0),
        ("Example.VN.", "domain", "example.vn", 2),
        ("*.gov.vn", "domain", "gov.vn", 2),
        ("bộcôngan.vn", "domain", "xn--bcngan-jxa6332d.vn", 2),
    ],
)
def test_values_are_normalised(raw, kind, value, prefix):
    parsed = parse_value(raw)
    assert (parsed.kind, parsed.value, parsed.prefix_len) == (kind, value, prefix)


def test_idn_uses_python_idna_codec():
    assert parse_value("bộcôngan.vn").value == "bộcôngan.vn".encode("idna").decode()


def test_derived_fields_for_ranges_and_domains():
    p = parse_value("10.1.0.0/16")
    assert (p.range_start, p.range_end) == ("0a010000", "0a01ffff")
    p6 = parse_value("2001:db8::/32")
    assert p6.range_start == "20010db8" + "0" * 24 and p6.range_end == "20010db8" + "f" * 24
    assert parse_value("www.Example.vn").match_key == "vn.example.www"


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("10.0.0.1/8", None, "10.0.0.0/8"),  # host bits: names the network meant
        ("10.0.0.300", None, "không phải là địa chỉ IP"),
        ("1.2.3.4/33", None, "không phải là địa chỉ IP"),
        ("2001:db8::/129", None, "không phải là địa chỉ IP"),
        ("AS0", None, "ASN"),
        ("AS99999999999", None, "ASN"),
        ("ASxyz", "asn", "ASN"),
        ("https://example.vn/a", None, "không phải URL"),
        ("localhost", None, "hai nhãn"),
        ("-bad-.vn", None, "nhãn không hợp lệ"),
        ("a..vn", None, "không hợp lệ"),
        ("10.0.0.0/8", "domain", "không phải tên miền"),
        ("2001:db8::/32", "ipv4", "IPv6"),
        ("", None, "Hãy nhập"),
    ],
)
def test_invalid_values_raise_an_error_naming_the_value_field(raw, kind, message):
    with pytest.raises(DomainError) as exc:
        parse_value(raw, kind)
    assert exc.value.field == "value"
    assert message in str(exc.value.message)


def test_an_unknown_kind_names_the_kind_field():
    with pytest.raises(DomainError) as exc:
        parse_value("10.0.0.0/8", "cidr")
    assert exc.value.field == "kind"


def test_add_stores_derived_fields_and_audits(net):
    entry = constituency_add(actor=act(net.a_head), unit=net.prov_a, value="198.51.100.0/24", note="mạng tỉnh")
    assert (entry.kind, entry.range_start, entry.range_end, entry.prefix_len) == ("ipv4", "c6336400", "c63364ff", 24)
    log = AuditEntry.objects.get(object_type="org.constituencyentry", object_id=str(entry.pk))
    assert log.action == "create" and log.unit_id == net.prov_a.pk and log.after["value"] == "198.51.100.0/24"


def test_duplicate_in_the_same_unit_is_a_conflict_on_value(net):
    constituency_add(actor=act(net.a_head), unit=net.prov_a, value="example-a.vn")
    with pytest.raises(Conflict) as exc:
        constituency_add(actor=act(net.a_head), unit=net.prov_a, value="EXAMPLE-A.vn.")
    assert exc.value.field == "value" and exc.value.status == 409


def test_claiming_needs_a_role_that_manages_the_unit(net):
    with pytest.raises(AccessDenied):  # an analyst of the unit itself may not claim (issue 11)
        constituency_add(actor=act(net.a_analyst), unit=net.prov_a, value="192.0.2.0/24")
    with pytest.raises(AccessDenied):
        constituency_add(actor=act(net.b_analyst), unit=net.prov_a, value="192.0.2.0/24")
    with pytest.raises(AccessDenied):
        constituency_add(actor=act(net.auditor), unit=net.prov_a, value="192.0.2.0/24")
    entry = constituency_add(actor=act(net.office_staff), unit=net.prov_a, value="192.0.2.0/24")
    with pytest.raises(AccessDenied):
        constituency_remove(actor=act(net.b_analyst), entry=entry)
    assert ConstituencyEntry.objects.filter(pk=entry.pk).exists()


def test_remove_deletes_and_audits(net):
    entry = constituency_add(actor=act(net.a_head), unit=net.prov_a, value="AS64501")
    constituency_remove(actor=act(net.a_head), entry=entry)
    assert not ConstituencyEntry.objects.filter(pk=entry.pk).exists()
    log = AuditEntry.objects.order_by("-seq").first()
    assert log.action == "delete" and log.before["value"] == "AS64501" and log.unit_id == net.prov_a.pk


def test_add_many_is_all_or_nothing_and_names_the_line(net):
    with pytest.raises(DomainError) as exc:
        constituency_add_many(actor=act(net.a_head), unit=net.prov_a, values=["192.0.2.0/24", "", "10.0.0.1/8"])
    assert exc.value.field == "values" and "Dòng 3" in str(exc.value.message)
    assert not ConstituencyEntry.objects.filter(unit=net.prov_a).exists()
    made = constituency_add_many(
        actor=act(net.a_head), unit=net.prov_a, values=["192.0.2.0/24", "# ghi chú", "a.example.vn", "192.0.2.0/24"]
    )
    assert [e.value for e in made] == ["192.0.2.0/24", "a.example.vn"]
    again = constituency_add_many(actor=act(net.a_head), unit=net.prov_a, values=["192.0.2.0/24", "AS64502"])
    assert [e.value for e in again] == ["AS64502"]
