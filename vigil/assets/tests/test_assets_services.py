"""Services of the registry: systems, addresses (matching like the constituency), CPE
software names, and the routing look-up `systems_for_value`."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from vigil.assets.models import InformationSystem, SystemAddress
from vigil.assets.selectors import systems_for_value, systems_visible
from vigil.assets.services import systems as svc
from vigil.assets.services.cpe import parse_cpe
from vigil.core.actors import Actor, system_actor
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def actor(user):
    return Actor(user=user, channel="web")


def make(net, unit=None, code="cong-dvc", name="Cổng dịch vụ công", user=None, **fields):
    return svc.system_create(
        actor=actor(user or net.a_analyst), owner_unit=unit or net.prov_a, code=code, name=name, **fields
    )


def test_create_system_is_audited(net):
    system = make(net, level="3", level_decision_number="123/QĐ-UBND", level_decision_date="15/03/2025",
                  national_security_important="có", review_due="2026-12-31")
    assert system.level == 3
    assert system.level_decision_date == dt.date(2025, 3, 15)
    assert system.national_security_important is True
    assert AuditEntry.objects.filter(action="assets.system.create", object_id=str(system.pk)).exists()


def test_create_needs_add_on_the_unit(net):
    with pytest.raises(AccessDenied):
        make(net, user=net.b_analyst)
    with pytest.raises(AccessDenied):
        make(net, user=net.nobody)


def test_duplicate_code_in_unit_is_a_conflict(net):
    make(net)
    with pytest.raises(Conflict) as exc:
        make(net, name="Khác")
    assert exc.value.field == "code"
    # The same code in another unit is fine.
    make(net, unit=net.prov_b, user=net.b_analyst)


def test_bad_values_name_the_field(net):
    for fields, field in [
        ({"level": "7"}, "level"),
        ({"review_due": "31/02/2026"}, "review_due"),
        ({"hosting": "mars"}, "hosting"),
        ({"national_security_important": "maybe"}, "national_security_important"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"level_decision_number": "12/QĐ"}, "level_decision_date"),
    ]:
        with pytest.raises(DomainError) as exc:
            make(net, **fields)
        assert exc.value.field == field, fields
    with pytest.raises(DomainError) as exc:
        make(net, code="có dấu")
    assert exc.value.field == "code"


def test_update_retire_and_delete(net):
    system = make(net)
    svc.system_update(actor=actor(net.a_analyst), system=system, hosting="Điện toán đám mây", level=2)
    system.refresh_from_db()
    assert system.hosting == "cloud" and system.level == 2
    with pytest.raises(AccessDenied):
        svc.system_update(actor=actor(net.b_analyst), system=system, name="x")
    svc.system_retire(actor=actor(net.a_analyst), system=system)
    system.refresh_from_db()
    assert system.status == "retired"
    with pytest.raises(AccessDenied):  # analysts hold no `delete`
        svc.system_delete(actor=actor(net.a_analyst), system=system)
    svc.system_delete(actor=actor(net.a_head), system=system)
    assert not InformationSystem.objects.filter(pk=system.pk).exists()
    assert AuditEntry.objects.filter(action="assets.system.delete").exists()


def test_addresses_are_normalised_with_matching_columns(net):
    system = make(net)
    a = actor(net.a_analyst)
    ip = svc.address_add(actor=a, system=system, value="192.0.2.10")
    assert (ip.kind, ip.value, ip.prefix_len, ip.range_start, ip.range_end) == (
        "ipv4", "192.0.2.10/32", 32, "c000020a", "c000020a")
    block = svc.address_add(actor=a, system=system, value="2001:db8::/48")
    assert block.kind == "ipv6" and block.prefix_len == 48
    domain = svc.address_add(actor=a, system=system, value="Dịchvụcông.Example.VN.")
    assert domain.kind == "domain" and domain.value.startswith("xn--")
    assert domain.match_key == ".".join(reversed(domain.value.split(".")))
    url = svc.address_add(actor=a, system=system, value="HTTPS://Portal.Example.vn:8443/dvc?x=1#frag")
    assert url.kind == "url" and url.value == "https://portal.example.vn:8443/dvc?x=1"
    assert url.match_key == "vn.example.portal" and url.prefix_len == 3
    ip_url = svc.address_add(actor=a, system=system, value="http://198.51.100.7/app")
    assert ip_url.range_start == ip_url.range_end == "c6336407"
    with pytest.raises(Conflict):
        svc.address_add(actor=a, system=system, value="192.0.2.10/32")
    for bad in ("192.0.2.1/24", "not a domain", "AS64500", "ftp//x", "https:///nohost", "javascript://x"):
        with pytest.raises(DomainError) as exc:
            svc.address_add(actor=a, system=system, value=bad)
        assert exc.value.field == "value", bad
    with pytest.raises(DomainError):
        svc.address_add(actor=a, system=system, value="192.0.2.1", kind="ipv6")
    with pytest.raises(AccessDenied):
        svc.address_add(actor=actor(net.b_analyst), system=system, value="203.0.113.1")
    svc.address_remove(actor=a, address=ip)
    assert not SystemAddress.objects.filter(pk=ip.pk).exists()


def test_cpe_names_are_parsed_strictly():
    name = parse_cpe("cpe:2.3:a:Apache:http_server:2.4.58:*:*:*:*:*:*:*")
    assert (name.cpe, name.part, name.vendor, name.product, name.version) == (
        "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*", "a", "apache", "http_server", "2.4.58")
    escaped = parse_cpe(r"cpe:2.3:a:foo\!bar:prod\:uct:1.0\*:-:*:vi:*:*:x64:*")
    assert escaped.vendor == "foo!bar" and escaped.product == "prod:uct" and escaped.version == "1.0*"
    assert parse_cpe("cpe:2.3:o:microsoft:windows_server:*:*:*:*:*:*:*:*").version == ""
    assert parse_cpe("cpe:2.3:a:vendor:product:2.*:*:*:*:*:*:*:*").version == "2.*"


@pytest.mark.parametrize("bad,needle", [
    ("", "cpe:2.3"),
    ("cpe:/a:apache:http_server:2.4.58", "2.2"),
    ("apache httpd 2.4", "cpe:2.3:"),
    ("cpe:2.3:a:apache:http_server:2.4.58", "13"),
    ("cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*:*", "13"),
    ("cpe:2.3:x:apache:http_server:2.4.58:*:*:*:*:*:*:*", "part"),
    ("cpe:2.3:a:*:http_server:2.4.58:*:*:*:*:*:*:*", "vendor"),
    ("cpe:2.3:a:apache:http server:2.4.58:*:*:*:*:*:*:*", "product"),
    ("cpe:2.3:a:apache:http_server:2.4.58:*:*:vietnamese:*:*:*:*", "language"),
    ("cpe:2.3:a:apache:http_server:2.4.58::*:*:*:*:*:*", "update"),
    ("cpe:2.3:a:apache:ht*tp:2.4.58:*:*:*:*:*:*:*", "product"),
    ("cpe:2.3:a:apa!che:http_server:2.4.58:*:*:*:*:*:*:*", "vendor"),
    ("cpe:2.3:a:apache:http_server:phiên_bản:*:*:*:*:*:*:*", "version"),
])
def test_malformed_cpe_names_get_a_clear_field_error(bad, needle):
    with pytest.raises(DomainError) as exc:
        parse_cpe(bad)
    assert exc.value.field == "cpe"
    assert needle in str(exc.value.message)


def test_software_add_fills_parts_and_refuses_duplicates(net):
    system = make(net)
    item = svc.software_add(actor=actor(net.a_analyst), system=system,
                            cpe="cpe:2.3:a:nginx:nginx:1.24.0:*:*:*:*:*:*:*", note="Máy chủ web")
    assert (item.part, item.vendor, item.product, item.version) == ("a", "nginx", "nginx", "1.24.0")
    with pytest.raises(Conflict):
        svc.software_add(actor=actor(net.a_analyst), system=system, cpe="CPE:2.3:A:NGINX:NGINX:1.24.0:*:*:*:*:*:*:*")
    with pytest.raises(DomainError) as exc:
        svc.software_add(actor=actor(net.a_analyst), system=system, cpe="nginx 1.24")
    assert exc.value.field == "cpe"
    with pytest.raises(AccessDenied):
        svc.software_add(actor=actor(net.b_analyst), system=system, cpe="cpe:2.3:a:x:y:1:*:*:*:*:*:*:*")
    svc.software_remove(actor=actor(net.a_analyst), item=item)
    assert not system.software.exists()


def _system_with(net, unit, code, *values, status="operating"):
    system = svc.system_create(actor=system_actor(), owner_unit=unit, code=code, name=code, status=status)
    for v in values:
        svc.address_add(actor=system_actor(), system=system, value=v)
    return system


def test_systems_for_value_prefers_the_longest_ip_prefix(net):
    wide = _system_with(net, net.prov_a, "wide", "198.51.100.0/24")
    narrow = _system_with(net, net.prov_a_dept, "narrow", "198.51.100.0/28")
    host = _system_with(net, net.prov_b, "host", "http://198.51.100.5/x")
    _system_with(net, net.prov_a, "old", "198.51.100.5", status="retired")
    assert systems_for_value("198.51.100.5") == [host, narrow, wide]
    assert systems_for_value("198.51.100.77") == [wide]
    assert systems_for_value("198.51.100.0/26") == [wide]
    assert systems_for_value("203.0.113.1") == []
    assert systems_for_value("garbage value") == []
    assert systems_for_value("AS64500") == []
    v6 = _system_with(net, net.ministry, "v6", "2001:db8:10::/48")
    assert systems_for_value("2001:db8:10::25") == [v6]


def test_systems_for_value_prefers_the_longest_domain_suffix(net):
    portal = _system_with(net, net.prov_a, "portal", "https://dichvucong.tinh-a.example.vn/")
    zone = _system_with(net, net.prov_a, "zone", "tinh-a.example.vn")
    mail = _system_with(net, net.ministry, "mail", "mail.bo-x.example.vn")
    assert systems_for_value("dichvucong.tinh-a.example.vn") == [portal, zone]
    assert systems_for_value("https://dichvucong.tinh-a.example.vn/login?next=/") == [portal, zone]
    # A URL names its host only; a domain covers its subdomains.
    assert systems_for_value("api.dichvucong.tinh-a.example.vn") == [zone]
    assert systems_for_value("canbo@mail.bo-x.example.vn") == [mail]
    assert systems_for_value("example.vn") == []


def test_systems_visible_filters_and_scope(net):
    a1 = make(net, code="a1", name="Cổng dịch vụ công", level=3, national_security_important=True,
              review_due=dt.date.today() - dt.timedelta(days=1))
    a2 = make(net, unit=net.prov_a_dept, code="a2", name="Thư điện tử", level=2,
              reapproval_due=dt.date.today() + dt.timedelta(days=10))
    b1 = make(net, unit=net.prov_b, user=net.b_analyst, code="b1", name="Cổng B")
    svc.address_add(actor=actor(net.a_analyst), system=a2, value="mail.tinh-a.example.vn")
    assert set(systems_visible(net.a_analyst)) == {a1, a2}
    assert set(systems_visible(net.b_analyst)) == {b1}
    assert set(systems_visible(net.agency_analyst)) == {a1, a2, b1}
    assert list(systems_visible(net.a_analyst, unit=net.prov_a, subtree=False)) == [a1]
    assert list(systems_visible(net.a_analyst, level=2)) == [a2]
    assert list(systems_visible(net.a_analyst, important=True)) == [a1]
    assert list(systems_visible(net.a_analyst, q="mail.tinh")) == [a2]
    assert list(systems_visible(net.a_analyst, due="overdue")) == [a1]
    assert list(systems_visible(net.a_analyst, due="soon")) == [a2]


def test_full_clean_errors_surface_as_validation_or_domain_errors(net):
    with pytest.raises((DomainError, ValidationError)):
        make(net, level=None, level_decision_number="1/QĐ", level_decision_date="01/01/2025")
