"""Outbound requests the platform makes for its users (webhooks, intelligence feeds) must
not become a way to reach its own internal services: one check, used by both."""

import ipaddress
import socket


def internal_address(host: str) -> str:
    """The first address of `host` inside internal networks (loopback, private, link-local,
    reserved, multicast, unspecified), or "" (also when it does not resolve: the request
    itself then fails and is recorded)."""
    if not host:
        return ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ""
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
                or address.is_multicast or address.is_unspecified):
            return str(address)
    return ""
