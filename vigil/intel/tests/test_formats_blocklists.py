"""Blocklist exports: a DNS RPZ zone a resolver loads, an nftables script nft accepts, an
`ipset restore` file, Suricata rules with unique, stable sids. All stream."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import time
from types import SimpleNamespace

import pytest

from vigil.intel.formats.base import ExportOptions
from vigil.intel.formats.blocklists import (
    IpsetExport,
    NftablesExport,
    RpzExport,
    SuricataExport,
    rpz_ip_owner,
    suricata_content,
)

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
OPTIONS = ExportOptions(title="Vigil blocklist", generated_at=NOW)


def ind(type_, value, tlp="green"):
    return SimpleNamespace(type=type_, value=value, tlp=tlp, confidence=80, first_seen=NOW, last_seen=NOW,
                           expires_at=NOW + dt.timedelta(days=30), status="active")


MIXED = [ind("domain", "evil.example"), ind("ipv4", "198.51.100.7"), ind("ipv6", "2001:db8::1"),
         ind("cidr", "203.0.113.0/24"), ind("url", "http://evil.example/a"), ind("sha256", "ab" * 32),
         ind("phone", "+84912345678")]


def text_of(exporter, indicators, options=OPTIONS) -> str:
    return "".join(exporter.write(iter(indicators), options))


# --------------------------------------------------------------------------- RPZ


def _zone_records(text: str) -> list[tuple[str, str, str]]:
    """(owner, type, rdata) of every record line, checked by hand."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith((";", "$")):
            continue
        parts = line.split(None, 2)
        out.append((parts[0], parts[1] if parts[1] != "IN" else line.split()[2], parts[-1]))
    return out


def test_rpz_zone_blocks_domains_subdomains_and_addresses():
    text = text_of(RpzExport(), MIXED)
    assert "$ORIGIN rpz.vigil.local.\n" in text and "$TTL 300\n" in text
    assert f"( {int(NOW.timestamp())} " in text
    lines = text.splitlines()
    assert "evil.example CNAME ." in lines
    assert "*.evil.example CNAME ." in lines
    assert "32.7.100.51.198.rpz-ip CNAME ." in lines
    assert "24.0.113.0.203.rpz-ip CNAME ." in lines
    assert "128.1.zz.db8.2001.rpz-ip CNAME ." in lines
    assert "ab" * 32 not in text and "http://" not in text
    for owner, _kind, rdata in _zone_records(text):
        if owner != "@":
            assert rdata.endswith("CNAME .") or rdata == "."


def test_rpz_zone_loads_in_dnspython_when_it_is_installed():
    dns_zone = pytest.importorskip("dns.zone")
    import dns.rdatatype

    text = text_of(RpzExport(), MIXED, ExportOptions(generated_at=NOW, extra={"zone": "rpz.example.vn"}))
    zone = dns_zone.from_text(text, origin="rpz.example.vn.", relativize=True)
    names = {str(name) for name, _node in zone.nodes.items()}
    assert {"evil.example", "*.evil.example", "32.7.100.51.198.rpz-ip"} <= names
    rdataset = zone.find_rdataset("evil.example", dns.rdatatype.CNAME)
    assert str(rdataset[0].target) == "."


def test_rpz_zone_origin_comes_from_the_options_and_over_long_names_are_left_out():
    long_name = ".".join(["a" * 60] * 4) + ".example"
    text = text_of(RpzExport(), [ind("domain", "evil.example"), ind("domain", long_name)],
                   ExportOptions(generated_at=NOW, extra={"zone": "RPZ.Example.VN."}))
    assert "$ORIGIN rpz.example.vn.\n" in text
    assert long_name not in text
    assert "evil.example CNAME ." in text


@pytest.mark.parametrize("network, owner", [
    ("2001:db8::1/128", "128.1.zz.db8.2001.rpz-ip"),
    ("::1/128", "128.1.zz.rpz-ip"),
    ("2001:db8::/32", "32.zz.db8.2001.rpz-ip"),
    ("2001:db8:0:0:1::1/128", "128.1.0.0.1.zz.db8.2001.rpz-ip"),  # longest run wins
    ("2001:0:0:1:0:0:0:1/128", "128.1.zz.1.0.0.2001.rpz-ip"),
    ("2001:0:0:1:0:0:1:1/128", "128.1.1.0.0.1.zz.2001.rpz-ip"),  # equal runs: the first
    ("2001:db8:1:2:3:4:5:6/128", "128.6.5.4.3.2.1.db8.2001.rpz-ip"),
    ("2001:db8:0:1:2:3:4:5/128", "128.5.4.3.2.1.0.db8.2001.rpz-ip"),  # a single zero word stays
    ("10.0.0.0/8", "8.0.0.0.10.rpz-ip"),
])
def test_rpz_ip_triggers_follow_the_rpz_draft(network, owner):
    assert rpz_ip_owner(ipaddress.ip_network(network)) == owner


def test_rpz_export_streams_and_a_million_domains_take_seconds():
    chunks = RpzExport().write((ind("domain", f"h{i}.example") for i in range(5000)), OPTIONS)
    assert not isinstance(chunks, (list, str))
    assert len(list(chunks)) > 5

    count = 1_000_000
    domains = (SimpleNamespace(type="domain", value=f"host{i}.example{i % 97}.com") for i in range(count))
    started = time.perf_counter()
    lines = sum(chunk.count("\n") for chunk in RpzExport().write(domains, OPTIONS))
    elapsed = time.perf_counter() - started
    assert lines == 2 * count + 7
    print(f"\nRPZ export of {count:,} domains: {elapsed:.2f} s ({count / elapsed:,.0f} domains/s)")


# --------------------------------------------------------------------------- nftables

_NFT_SET = re.compile(
    r"\tset (vigil_block_v[46]) \{\n\t\ttype (ipv4_addr|ipv6_addr)\n\t\tflags interval\n"
    r"(?:\t\telements = \{\n((?:\t\t\t[0-9a-f.:/]+,\n)*\t\t\t[0-9a-f.:/]+\n)\t\t\}\n)?\t\}\n"
)


def _nft_sets(text: str) -> dict[str, list[str]]:
    return {m.group(1): [e.strip().rstrip(",") for e in (m.group(3) or "").splitlines()]
            for m in _NFT_SET.finditer(text)}


def test_nftables_script_defines_the_table_sets_and_drop_chains():
    text = text_of(NftablesExport(), MIXED)
    assert text.startswith("#!/usr/sbin/nft -f\n")
    assert "table inet vigil\ndelete table inet vigil\n\ntable inet vigil {\n" in text
    assert _nft_sets(text) == {"vigil_block_v4": ["198.51.100.7", "203.0.113.0/24"],
                               "vigil_block_v6": ["2001:db8::1"]}
    for rule in ("ip saddr @vigil_block_v4 drop", "ip6 daddr @vigil_block_v6 drop"):
        assert rule in text
    assert re.search(r"chain input \{\n\t\ttype filter hook input priority -10; policy accept;", text)
    assert text.count("{") == text.count("}")
    assert "evil.example" not in text


def test_nftables_empty_sets_have_no_elements_clause():
    text = text_of(NftablesExport(), [ind("domain", "evil.example")])
    assert _nft_sets(text) == {"vigil_block_v4": [], "vigil_block_v6": []}
    assert "elements" not in text
    assert text.count("{") == text.count("}")


def test_nftables_merges_overlapping_and_adjacent_networks_and_skips_prefix_zero():
    text = text_of(NftablesExport(), [
        ind("cidr", "10.0.0.0/8"), ind("ipv4", "10.1.2.3"), ind("cidr", "192.0.2.0/25"),
        ind("cidr", "192.0.2.128/25"), ind("cidr", "0.0.0.0/0"), ind("cidr", "2001:db8::/48"),
        ind("ipv6", "2001:db8::5"),
    ])
    sets = _nft_sets(text)
    assert sets["vigil_block_v4"] == ["10.0.0.0/8", "192.0.2.0/24"]
    assert sets["vigil_block_v6"] == ["2001:db8::/48"]


def test_nftables_large_sets_keep_valid_separators():
    addresses = [ind("ipv4", f"198.18.{i // 256}.{i % 256}") for i in range(0, 5000, 2)]
    sets = _nft_sets(text_of(NftablesExport(), addresses))
    assert len(sets["vigil_block_v4"]) == 2500


# --------------------------------------------------------------------------- ipset


def test_ipset_restore_file_fills_temporary_sets_and_swaps_them_in():
    text = text_of(IpsetExport(), MIXED + [ind("cidr", "::/0")])
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert "create vigil-v4 hash:net family inet maxelem 4194304 -exist" in lines
    assert "create vigil-v6-new hash:net family inet6 maxelem 4194304 -exist" in lines
    assert "flush vigil-v4-new" in lines
    adds = [line for line in lines if line.startswith("add ")]
    assert adds == ["add vigil-v4-new 198.51.100.7 -exist", "add vigil-v6-new 2001:db8::1 -exist",
                    "add vigil-v4-new 203.0.113.0/24 -exist"]
    assert lines[-4:] == ["swap vigil-v4-new vigil-v4", "destroy vigil-v4-new",
                          "swap vigil-v6-new vigil-v6", "destroy vigil-v6-new"]
    command = re.compile(r"^(create|flush|add|swap|destroy) vigil-v[46](-new)?( |$)")
    assert all(command.match(line) for line in lines)


# --------------------------------------------------------------------------- Suricata

_RULE = re.compile(r'^alert (dns|http|ip) .+ \(msg:"(?:[^"\\;]|\\.)*"; .*sid:(\d+); rev:1;\)$')


def _rules(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_suricata_rules_have_the_required_keywords_and_unique_sids():
    text = text_of(SuricataExport(), MIXED)
    rules = _rules(text)
    sids = []
    for rule in rules:
        match = _RULE.match(rule)
        assert match, rule
        sids.append(int(match.group(2)))
        assert 8_000_000 <= sids[-1] < 9_000_000
    assert len(sids) == len(set(sids))
    dns = next(r for r in rules if r.startswith("alert dns"))
    assert 'dns.query; dotprefix; content:".evil.example"; nocase; endswith;' in dns
    assert 'msg:"Vigil TLP:GREEN indicator domain evil.example"' in dns
    http = next(r for r in rules if r.startswith("alert http"))
    assert 'http.host; content:"evil.example"; bsize:12; http.uri; content:"/a"; startswith;' in http
    addresses = [r for r in rules if r.startswith("alert ip")]
    assert addresses == [r for r in rules if "[198.51.100.7,2001:db8::1,203.0.113.0/24]" in r]
    assert len(addresses) == 2
    assert "ab" * 32 not in text and "+84912345678" not in text


def test_suricata_sids_are_stable_between_exports():
    first = text_of(SuricataExport(), MIXED)
    again = text_of(SuricataExport(), MIXED)
    assert first == again


def test_suricata_escapes_content_and_message():
    rules = _rules(text_of(SuricataExport(), [ind("url", 'http://evil.example/a;b"c\\d|e')]))
    assert len(rules) == 1
    rule = rules[0]
    assert 'content:"/a|3B|b|22|c|5C|d|7C|e"' in rule
    assert r'msg:"Vigil TLP:GREEN indicator url http://evil.example/a\;b\"c\\d|e"' in rule
    assert _RULE.match(rule)
    assert suricata_content("xn--a.example") == "xn--a.example"
    assert suricata_content("é") == "|C3||A9|"


def test_suricata_sid_collisions_take_the_next_free_sid():
    exporter = SuricataExport()
    exporter._used = set()
    first = exporter._sid("domain:a.example")
    second = exporter._sid("domain:a.example")
    assert second == first + 1 or (first == 8_999_999 and second == 8_000_000)


def test_suricata_groups_many_addresses_per_rule_by_tlp():
    addresses = [ind("ipv4", f"198.18.{i // 256}.{i % 256}", tlp="amber" if i % 2 else "green") for i in range(1200)]
    rules = _rules(text_of(SuricataExport(), addresses))
    assert all(r.startswith("alert ip") for r in rules)
    listed = [len(re.search(r"\[([^\]]+)\] any ->", r).group(1).split(",")) for r in rules if "] any ->" in r]
    assert sum(listed) == 1200 and max(listed) <= 500
    assert {("TLP:AMBER" in r) for r in rules} == {True, False}
