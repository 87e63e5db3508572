"""Blocklists for the networks that enforce them: a DNS RPZ zone (resolvers of ISPs and
telecoms), an nftables script and an `ipset restore` file (firewalls), Suricata rules
(IDS/IPS). Each exporter streams its output in chunks; `types` lists the indicator types
it can express and anything else is skipped silently (the export service filters too).

Common rules: a network of prefix 0 (0.0.0.0/0, ::/0) is never written, since blocking
everything is never what a list means; values are written in their stored, normalised
form, and names that a format cannot carry (an over-long DNS name) are left out.
"""

from __future__ import annotations

import ipaddress
import re
import zlib

from django.utils import timezone
from django.utils.translation import gettext_lazy

from .base import ExportFormat

CHUNK = 1000  # entries per yielded chunk
_DNS_NAME = re.compile(r"^(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}$")  # a zone file owner, lower-case


def _now(options):
    return options.generated_at or timezone.now()


def _banner(prefix: str, options, what: str) -> str:
    stamp = _now(options).isoformat(timespec="seconds")
    title = " ".join(str(options.title or "Vigil").split())
    return f"{prefix} {title}\n{prefix} {what}\n{prefix} generated {stamp}\n"


def _network(ind) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network an ipv4 / ipv6 / cidr indicator blocks, None when not usable."""
    try:
        net = ipaddress.ip_network(str(ind.value).strip(), strict=False)
    except ValueError:
        return None
    return net if net.prefixlen else None


def _host_or_net(net) -> str:
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


# --------------------------------------------------------------------------- RPZ


def rpz_ip_owner(net) -> str:
    """The rpz-ip trigger name of a network (DNS RPZ draft, section 4.3): the prefix length,
    then the address reversed: IPv4 octets, IPv6 16-bit words in hex with the longest run
    of two or more zero words written `zz`."""
    if net.version == 4:
        return f"{net.prefixlen}." + ".".join(reversed(str(net.network_address).split("."))) + ".rpz-ip"
    words = [format(int(w, 16), "x") for w in net.network_address.exploded.split(":")]
    best_start, best_len, start = -1, 0, None
    for i, word in enumerate(words + ["end"]):
        if word == "0":
            start = i if start is None else start
            continue
        if start is not None and i - start > best_len:
            best_start, best_len = start, i - start
        start = None
    if best_len >= 2:
        words = words[:best_start] + ["zz"] + words[best_start + best_len:]
    return f"{net.prefixlen}." + ".".join(reversed(words)) + ".rpz-ip"


class RpzExport(ExportFormat):
    """A DNS Response Policy Zone (the RPZ draft as BIND, Unbound, Knot and PowerDNS read
    it): NXDOMAIN (`CNAME .`) for each domain and its subdomains, and for answers holding a
    blocked address (rpz-ip triggers). The zone's origin is `options.extra["zone"]`
    (default rpz.vigil.local); the SOA serial is the export's Unix time, so that every new
    export is a newer zone for the secondaries polling it."""

    code = "rpz"
    label = gettext_lazy("Vùng DNS RPZ")
    content_type = "text/dns; charset=utf-8"
    extension = "rpz"
    types = ("domain", "ipv4", "ipv6", "cidr")
    columns = ("type", "value", "tlp")

    def write(self, indicators, options):
        zone = str(options.extra.get("zone") or "rpz.vigil.local").strip().rstrip(".").lower()
        ttl = int(options.extra.get("ttl") or 300)
        serial = int(_now(options).timestamp()) % 4294967296
        room = 253 - len(zone) - 3  # "*." prefix and the dot before the origin
        yield (
            _banner(";", options, "DNS Response Policy Zone (RPZ), policy NXDOMAIN")
            + f"$ORIGIN {zone}.\n$TTL {ttl}\n"
            f"@ IN SOA localhost. hostmaster.{zone}. ( {serial} 3600 600 604800 {ttl} )\n"
            "@ IN NS localhost.\n"
        )
        lines = []
        match = _DNS_NAME.match
        for ind in indicators:
            kind = ind.type
            if kind == "domain":
                name = ind.value
                if len(name) > room or not match(name):
                    continue
                lines.append(f"{name} CNAME .\n*.{name} CNAME .\n")
            elif kind in ("ipv4", "ipv6", "cidr"):
                net = _network(ind)
                if net is None:
                    continue
                lines.append(f"{rpz_ip_owner(net)} CNAME .\n")
            else:
                continue
            if len(lines) >= CHUNK:
                yield "".join(lines)
                lines = []
        if lines:
            yield "".join(lines)


# --------------------------------------------------------------------------- firewalls


def _collapsed(indicators):
    """(IPv4 networks, IPv6 networks), merged so that no two overlap or touch."""
    v4, v6 = [], []
    for ind in indicators:
        if ind.type not in ("ipv4", "ipv6", "cidr"):
            continue
        net = _network(ind)
        if net is not None:
            (v4 if net.version == 4 else v6).append(net)
    return list(ipaddress.collapse_addresses(v4)), list(ipaddress.collapse_addresses(v6))


class NftablesExport(ExportFormat):
    """An `nft -f` script replacing table `inet vigil` in one transaction: two interval
    sets (`vigil_block_v4`, `vigil_block_v6`) and chains dropping traffic from and to them.
    nft refuses overlapping intervals, so the addresses are merged first (this keeps the
    network indicators in memory, never the other types)."""

    code = "nftables"
    label = gettext_lazy("Bộ nftables")
    extension = "nft"
    types = ("ipv4", "ipv6", "cidr")
    columns = ("type", "value", "tlp")

    @staticmethod
    def _set(name: str, kind: str, nets) -> list[str]:
        parts = [f"\tset {name} {{\n\t\ttype {kind}\n\t\tflags interval\n"]
        if nets:
            parts.append("\t\telements = {\n")
            for start in range(0, len(nets), CHUNK):
                chunk = nets[start:start + CHUNK]
                last = start + CHUNK >= len(nets)
                body = ",\n".join(f"\t\t\t{_host_or_net(n)}" for n in chunk)
                parts.append(body + ("\n" if last else ",\n"))
            parts.append("\t\t}\n")
        parts.append("\t}\n")
        return parts

    def write(self, indicators, options):
        v4, v6 = _collapsed(indicators)
        yield (
            "#!/usr/sbin/nft -f\n" + _banner("#", options, "nftables blocklist (table inet vigil)")
            + "table inet vigil\ndelete table inet vigil\n\ntable inet vigil {\n"
        )
        yield from self._set("vigil_block_v4", "ipv4_addr", v4)
        yield from self._set("vigil_block_v6", "ipv6_addr", v6)
        chains = []
        for chain, hook, rules in (
            ("input", "input", ("ip saddr @vigil_block_v4 drop", "ip6 saddr @vigil_block_v6 drop")),
            ("forward", "forward", ("ip saddr @vigil_block_v4 drop", "ip daddr @vigil_block_v4 drop",
                                    "ip6 saddr @vigil_block_v6 drop", "ip6 daddr @vigil_block_v6 drop")),
            ("output", "output", ("ip daddr @vigil_block_v4 drop", "ip6 daddr @vigil_block_v6 drop")),
        ):
            body = "".join(f"\t\t{rule}\n" for rule in rules)
            chains.append(f"\tchain {chain} {{\n\t\ttype filter hook {hook} priority -10; "
                          f"policy accept;\n{body}\t}}\n")
        yield "".join(chains) + "}\n"


class IpsetExport(ExportFormat):
    """`ipset restore` input. The entries are loaded into temporary sets that are then
    swapped with `vigil-v4` / `vigil-v6`, so a firewall rule using the sets never sees a
    half-loaded list; `-exist` makes a re-run harmless. Streams in input order."""

    code = "ipset"
    label = gettext_lazy("Bộ ipset (iptables)")
    extension = "ipset"
    types = ("ipv4", "ipv6", "cidr")
    columns = ("type", "value", "tlp")
    MAXELEM = 4194304

    def write(self, indicators, options):
        maxelem = int(options.extra.get("maxelem") or self.MAXELEM)
        head = [_banner("#", options, "ipset restore input (sets vigil-v4, vigil-v6)")]
        for name, family in (("vigil-v4", "inet"), ("vigil-v6", "inet6")):
            head.append(f"create {name} hash:net family {family} maxelem {maxelem} -exist\n")
            head.append(f"create {name}-new hash:net family {family} maxelem {maxelem} -exist\n")
            head.append(f"flush {name}-new\n")
        yield "".join(head)
        lines = []
        for ind in indicators:
            if ind.type not in self.types:
                continue
            net = _network(ind)
            if net is None:
                continue
            name = "vigil-v4-new" if net.version == 4 else "vigil-v6-new"
            lines.append(f"add {name} {_host_or_net(net)} -exist\n")
            if len(lines) >= CHUNK:
                yield "".join(lines)
                lines = []
        lines.extend(f"swap {name}-new {name}\ndestroy {name}-new\n" for name in ("vigil-v4", "vigil-v6"))
        yield "".join(lines)


# --------------------------------------------------------------------------- Suricata


SID_BASE = 8_000_000
SID_RANGE = 1_000_000
_MSG_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"', ";": "\\;"})


def suricata_content(text: str) -> str:
    """A content string: printable ASCII kept, and `"`, `;`, `\\`, `|` and everything else
    written as |hex| bytes, as Suricata's rule parser requires."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if 0x20 <= byte < 0x7F and char not in '";\\|':
            out.append(char)
        else:
            out.append(f"|{byte:02X}|")
    return "".join(out)


def suricata_msg(text: str) -> str:
    return " ".join(text.split()).translate(_MSG_ESCAPE)


class SuricataExport(ExportFormat):
    """Suricata rules (6 and later). Domains: a DNS query for the name or any subdomain.
    URLs: an HTTP request to the host whose normalised URI starts with the path (the same
    rule applies to HTTPS only where TLS is inspected). Addresses and networks: traffic from
    or to them, in lists of up to 500 per rule, by TLP. Hashes are not written: Suricata
    matches file hashes only through `filemd5`/`filesha256` list files, not inline rules.

    `sid` = 8,000,000 + CRC-32 of "type:value" mod 1,000,000 (for address lists, of the
    list), so a rule keeps its sid across exports; on a collision the next free sid is
    taken, in export order, which the export service keeps stable."""

    code = "suricata"
    label = gettext_lazy("Luật Suricata")
    extension = "rules"
    types = ("domain", "url", "ipv4", "ipv6", "cidr")
    columns = ("type", "value", "tlp")
    ADDRESSES_PER_RULE = 500

    def _sid(self, key: str) -> int | None:
        if len(self._used) >= SID_RANGE:
            return None
        offset = zlib.crc32(key.encode("utf-8")) % SID_RANGE
        while SID_BASE + offset in self._used:
            offset = (offset + 1) % SID_RANGE
        self._used.add(SID_BASE + offset)
        return SID_BASE + offset

    @staticmethod
    def _label(ind) -> str:
        return f"TLP:{str(getattr(ind, 'tlp', '') or 'clear').upper()}"

    def _domain_rule(self, ind) -> str | None:
        sid = self._sid(f"domain:{ind.value}")
        if sid is None:
            return None
        msg = suricata_msg(f"Vigil {self._label(ind)} indicator domain {ind.value}")
        return (f'alert dns any any -> any any (msg:"{msg}"; dns.query; dotprefix; '
                f'content:"{suricata_content("." + ind.value)}"; nocase; endswith; sid:{sid}; rev:1;)\n')

    def _url_rule(self, ind) -> str | None:
        from urllib.parse import unquote, urlsplit

        try:
            parts = urlsplit(ind.value)
            host = parts.hostname or ""
        except ValueError:
            return None
        if not host:
            return None
        sid = self._sid(f"url:{ind.value}")
        if sid is None:
            return None
        msg = suricata_msg(f"Vigil {self._label(ind)} indicator url {ind.value}")
        uri = unquote(parts.path or "/") + (f"?{unquote(parts.query)}" if parts.query else "")
        match = f'http.host; content:"{suricata_content(host)}"; bsize:{len(host.encode())}; '
        if uri != "/":
            match += f'http.uri; content:"{suricata_content(uri)}"; startswith; '
        return (f'alert http any any -> any any (msg:"{msg}"; flow:established,to_server; '
                f"{match}sid:{sid}; rev:1;)\n")

    def _address_rules(self, label: str, nets: list[str]) -> str:
        group = ",".join(nets)
        rules = []
        for direction, header in (("from", f"[{group}] any -> any any"), ("to", f"any any -> [{group}] any")):
            sid = self._sid(f"ip-{direction}:{group}")
            if sid is None:
                continue
            msg = suricata_msg(f"Vigil {label} indicator addresses ({direction}, {len(nets)}: {nets[0]}…)")
            rules.append(f'alert ip {header} (msg:"{msg}"; sid:{sid}; rev:1;)\n')
        return "".join(rules)

    def write(self, indicators, options):
        self._used = set()
        yield _banner("#", options, "Suricata rules (sid 8000000-8999999)")
        lines = []
        groups: dict[str, list[str]] = {}
        for ind in indicators:
            kind = ind.type
            if kind == "domain":
                rule = self._domain_rule(ind)
            elif kind == "url":
                rule = self._url_rule(ind)
            elif kind in ("ipv4", "ipv6", "cidr"):
                net = _network(ind)
                if net is None:
                    continue
                label = self._label(ind)
                group = groups.setdefault(label, [])
                group.append(_host_or_net(net))
                rule = None
                if len(group) >= self.ADDRESSES_PER_RULE:
                    rule = self._address_rules(label, group)
                    groups[label] = []
            else:
                continue
            if rule:
                lines.append(rule)
            if len(lines) >= CHUNK:
                yield "".join(lines)
                lines = []
        for label, group in sorted(groups.items()):
            if group:
                lines.append(self._address_rules(label, group))
        if lines:
            yield "".join(lines)
