"""The field dictionary, the decay model and the warninglist matcher: each indicator type
normalises to one stored form (so uniqueness per type means "the same thing") and refuses
what it is not; claims age by the decay model; known-benign values are recognised the way
MISP's warninglists define them (networks, host suffixes, exact strings, substrings,
regular expressions), using the shipped real lists."""

import datetime as dt
from types import SimpleNamespace

import pytest

from vigil.core.errors import DomainError
from vigil.intel import decay, types
from vigil.intel import reference as reference_data
from vigil.intel.warninglists import Matcher, matcher


@pytest.mark.parametrize(("type_code", "raw", "stored"), [
    ("ipv4", "192.0.2.010", None),
    ("ipv4", "198.51.100[.]7", "198.51.100.7"),
    ("ipv6", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ("cidr", "10.1.2.3/8", "10.0.0.0/8"),
    ("cidr", "2001:db8::1/32", "2001:db8::/32"),
    ("cidr", "10.1.2.3", None),
    ("domain", "ViDu.EXAMPLE.vn.", "vidu.example.vn"),
    ("domain", "ngân-hàng.vn", "ngân-hàng.vn".encode("idna").decode()),
    ("domain", "*.evil.example", "evil.example"),
    ("domain", "bad..example", None),
    ("domain", "-bad.example", None),
    ("url", "HXXPS://Evil[.]Example:443/a%7eb?x=1#frag", "https://evil.example/a~b?x=1"),
    ("url", "http://evil.example", "http://evil.example/"),
    ("url", "http://evil.example:8080/p", "http://evil.example:8080/p"),
    ("url", "tcp://evil.example/", None),
    ("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
    ("sha1", "abc", None),
    ("sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("email", "Ho.Tro@Thue-Gia[.]Example", "ho.tro@thue-gia.example"),
    ("email", "no-at-sign.example", None),
    ("phone", "0912 345 678", "+84912345678"),
    ("phone", "+84 (24) 3826 1234", "+842438261234"),
    ("phone", "12", None),
    ("bank_account", "vcb: 0011-0022-0033", "VCB:001100220033"),
    ("bank_account", "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("bank_account", "DE89 3704 0044 0532 0130 01", None),  # IBAN checksum
    ("asn", "as13335", "AS13335"),
    ("asn", "AS99999999999", None),
])
def test_each_type_has_one_stored_form_and_refuses_what_it_is_not(type_code, raw, stored):
    assert types.normalise_or_none(type_code, raw) == stored
    if stored is None:
        with pytest.raises(DomainError) as err:
            types.normalise(type_code, raw)
        assert err.value.field == "value"


def test_detection_never_guesses_phones_or_accounts():
    assert types.detect("hxxp://evil[.]example/x") == ("url", "http://evil.example/x")
    assert types.detect("203.0.113.0/24") == ("cidr", "203.0.113.0/24")
    assert types.detect("AS64500") == ("asn", "AS64500")
    with pytest.raises(DomainError):
        types.detect("0912345678")


def test_display_is_defanged_for_every_network_type():
    assert types.defang("cidr", "203.0.113.0/24") == "203.0.113[.]0/24"
    assert types.defang("url", "https://evil.example/a") == "hxxps://evil[.]example/a"
    assert types.defang("domain", "evil.example") == "evil[.]example"


def test_decay_gives_confident_claims_longer_lives_and_scores_fall_to_zero():
    rule = decay.rule_for("ipv4")
    assert rule.lifetime(90) > rule.lifetime(40) > rule.lifetime(21) > dt.timedelta(0)
    assert rule.lifetime(rule.threshold) == dt.timedelta(0)
    seen = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    expiry = decay.expires_at("ipv4", seen, 80)
    assert rule.score(80, expiry - seen) == pytest.approx(rule.threshold, abs=0.5)
    assert rule.score(80, dt.timedelta(days=rule.lifetime_days)) == 0
    assert decay.expires_at("sha256", seen, 80) - seen > decay.expires_at("ipv4", seen, 80) - seen
    assert decay.expires_at("domain", seen, 80, lifetime_days=10) - seen < dt.timedelta(days=10)


def _wl(slug, kind, entries, attrs=()):
    return SimpleNamespace(slug=slug, name=slug, kind=kind, entries=entries, matching_attributes=list(attrs))


def test_matcher_reads_each_list_kind():
    m = Matcher([
        _wl("nets", "cidr", ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"]),
        _wl("hosts", "hostname", ["blogspot.com"], ["hostname", "domain", "url"]),
        _wl("exact", "string", ["d41d8cd98f00b204e9800998ecf8427e"], ["md5"]),
        _wl("sub", "substring", ["mailinator"], ["email-src"]),
        _wl("re", "regex", [r"/^\+8419/"], ["phone-number"]),
    ])
    assert m.match("ipv4", "10.20.30.40") == "nets [nets]"
    assert m.match("cidr", "192.0.2.128/25") == "nets [nets]"
    assert m.match("cidr", "192.0.0.0/16") == ""  # wider than the listed range
    assert m.match("ipv6", "2001:db8::5") == "nets [nets]"
    assert m.match("ipv4", "203.0.113.1") == ""
    assert m.match("domain", "phish.blogspot.com") == "hosts [hosts]"
    assert m.match("url", "https://phish.blogspot.com/login") == "hosts [hosts]"
    assert m.match("domain", "notblogspot.com") == ""
    assert m.match("md5", "d41d8cd98f00b204e9800998ecf8427e") == "exact [exact]"
    assert m.match("email", "x@mailinator.com") == "sub [sub]"
    assert m.match("phone", "+841900123") == "re [re]"


@pytest.mark.django_db
def test_shipped_lists_hold_back_private_ranges_top_sites_and_empty_file_hashes():
    reference_data.load_all()
    m = matcher()
    assert "rfc" in m.match("ipv4", "192.168.1.10")  # RFC 1918 and RFC 5735 both list it
    assert m.match("domain", "google.com")  # the Google and Tranco lists both hold it
    assert "tranco" in m.match("domain", "phish.blogspot.com").lower()
    assert m.match("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert m.match("domain", "vietcombank-xacminh.example.vn") == ""
