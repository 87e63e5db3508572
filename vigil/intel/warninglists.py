"""Warninglists: known-benign values (MISP warninglist format) that must never become
active indicators — private ranges, public resolvers, the most visited sites, real bank
websites, hashes of empty files.

`matcher()` compiles every enabled list once (cached until a list changes) into look-ups
that cost about a microsecond per value: a dict per list kind for exact and suffix
matches, sorted interval arrays with bisection for networks, one alternation for
substrings, compiled regular expressions for the rest.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# MISP attribute types a list declares in `matching_attributes` -> our indicator types.
ATTRIBUTE_TYPES = {
    "ip-src": ("ipv4", "ipv6", "cidr"), "ip-dst": ("ipv4", "ipv6", "cidr"),
    "ip-src|port": ("ipv4", "ipv6"), "ip-dst|port": ("ipv4", "ipv6"),
    "domain|ip": ("domain", "ipv4", "ipv6"), "hostname": ("domain", "url"), "domain": ("domain", "url"),
    "url": ("url",), "uri": ("url",), "link": ("url",),
    "md5": ("md5",), "sha1": ("sha1",), "sha256": ("sha256",),
    "filename|md5": ("md5",), "filename|sha1": ("sha1",), "filename|sha256": ("sha256",),
    "email": ("email",), "email-src": ("email",), "email-dst": ("email",),
    "whois-registrant-email": ("email",), "target-email": ("email",),
    "phone-number": ("phone",), "whois-registrant-phone": ("phone",),
    "AS": ("asn",),
}
DEFAULT_TYPES = {
    "cidr": ("ipv4", "ipv6", "cidr"),
    "hostname": ("domain", "url", "email"),
    "string": ("domain", "url", "email", "md5", "sha1", "sha256", "ipv4", "ipv6", "phone", "asn", "bank_account"),
    "substring": ("domain", "url", "email"),
    "regex": ("domain", "url", "email", "phone"),
}


@dataclass
class _Compiled:
    exact: dict = field(default_factory=dict)           # (type, value) -> list
    hostnames: dict = field(default_factory=dict)       # type -> {domain: list}
    networks: dict = field(default_factory=dict)        # (type, family) -> (starts, ends, names)
    substrings: dict = field(default_factory=dict)      # type -> (regex, {entry: list})
    regexes: dict = field(default_factory=dict)         # type -> [(regex, list)]


def _types_of(wl) -> tuple:
    declared = set()
    for attribute in wl.matching_attributes or []:
        declared.update(ATTRIBUTE_TYPES.get(attribute, ()))
    defaults = set(DEFAULT_TYPES.get(wl.kind, ()))
    return tuple(sorted(declared & defaults if declared else defaults)) or tuple(sorted(defaults))


def _host(type_code: str, value: str) -> str:
    if type_code == "url":
        try:
            return (urlsplit(value).hostname or "").lower()
        except ValueError:
            return ""
    if type_code == "email":
        return value.rpartition("@")[2]
    return value


class Matcher:
    """Which enabled warninglist (if any) lists a normalised value."""

    def __init__(self, lists):
        self.compiled = _Compiled()
        self.names: dict[str, str] = {}
        intervals: dict[tuple, list] = {}
        for wl in lists:
            label = f"{wl.name} [{wl.slug}]"
            self.names[wl.slug] = label
            for type_code in _types_of(wl):
                self._add(wl, label, type_code, intervals)
        for key, rows in intervals.items():
            rows.sort()
            self.compiled.networks[key] = ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                                           _running_max([r[1] for r in rows]))
        for type_code, entries in list(self.compiled.substrings.items()):
            if entries:
                pattern = re.compile("|".join(re.escape(e) for e in sorted(entries, key=len, reverse=True)))
                self.compiled.substrings[type_code] = (pattern, entries)

    def _add(self, wl, label, type_code, intervals):
        c = self.compiled
        for raw in wl.entries or []:
            entry = str(raw).strip()
            if not entry:
                continue
            if wl.kind == "cidr":
                try:
                    net = ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    continue
                key = (type_code, net.version)
                intervals.setdefault(key, []).append((int(net.network_address), int(net.broadcast_address), label))
            elif wl.kind == "hostname":
                c.hostnames.setdefault(type_code, {}).setdefault(entry.lower().strip(".").removeprefix("*."), label)
            elif wl.kind == "string":
                c.exact.setdefault((type_code, entry.lower()), label)
            elif wl.kind == "substring":
                c.substrings.setdefault(type_code, {}).setdefault(entry.lower(), label)
            elif wl.kind == "regex":
                try:
                    c.regexes.setdefault(type_code, []).append((re.compile(entry.strip("/"), re.IGNORECASE), label))
                except re.error:
                    continue

    def match(self, type_code: str, value: str) -> str:
        """The label of the first list that holds `value`, or ""."""
        c = self.compiled
        lowered = value.lower()
        hit = c.exact.get((type_code, lowered))
        if hit:
            return hit
        if type_code in ("ipv4", "ipv6", "cidr"):
            hit = self._network(type_code, value)
            if hit:
                return hit
        hosts = c.hostnames.get(type_code)
        if hosts:
            host = _host(type_code, lowered)
            if type_code == "url" and host and (hit := c.exact.get(("domain", host))):
                return hit
            while host:
                hit = hosts.get(host)
                if hit:
                    return hit
                _head, _dot, host = host.partition(".")
        sub = c.substrings.get(type_code)
        if sub:
            found = sub[0].search(lowered)
            if found:
                return sub[1][found.group(0)]
        for pattern, label in c.regexes.get(type_code, ()):
            if pattern.search(value):
                return label
        return ""

    def _network(self, type_code, value):
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return ""
        table = self.compiled.networks.get((type_code, net.version))
        if not table:
            return ""
        starts, ends, names, max_end = table
        first, last = int(net.network_address), int(net.broadcast_address)
        # The candidates are the intervals starting at or before `first`; the running
        # maximum of their ends says at once whether any of them reaches `last`.
        i = bisect.bisect_right(starts, first) - 1
        if i < 0 or max_end[i] < last:
            return ""
        while i >= 0 and max_end[i] >= last:
            if ends[i] >= last:
                return names[i]
            i -= 1
        return ""


def _running_max(values):
    out, best = [], -1
    for v in values:
        best = max(best, v)
        out.append(best)
    return out


_cache: dict = {}


def matcher() -> Matcher:
    """The matcher over every enabled list, rebuilt when a list is added, changed or
    switched (keyed on the lists' count and latest change)."""
    from django.db.models import Count, Max

    from .models import Warninglist

    enabled = Warninglist.objects.filter(enabled=True)
    key = tuple(enabled.aggregate(n=Count("id"), at=Max("updated_at"), ids=Max("id")).values())
    if _cache.get("key") != key:
        _cache["matcher"] = Matcher(list(enabled))
        _cache["key"] = key
    return _cache["matcher"]


def reset_cache() -> None:
    _cache.clear()
