"""Who is acting, from where and through which interface: passed to every service."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser


@dataclass
class Actor:
    user: object
    address: str | None = None
    channel: str = "web"  # web, api, cli, job
    extra: dict = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, which TrustedProxyMiddleware (core/proxies.py)
    has set to the real client when, and only when, the peer is a trusted proxy. An
    X-Forwarded-For from anyone else is never read here."""
    import ipaddress

    address = request.META.get("REMOTE_ADDR") or None
    if address is None:
        return None
    try:
        return str(ipaddress.ip_address(address.strip("[]")))
    except ValueError:
        return None


def actor_from_request(request, channel: str = "web") -> Actor:
    user = getattr(request, "auth_user", None) or getattr(request, "user", None) or AnonymousUser()
    return Actor(user=user, address=client_address(request), channel=channel)


def api_actor(request) -> Actor:
    """The actor of an API request (the user its token or session authenticated)."""
    return actor_from_request(request, channel="api")


def system_actor(channel: str = "cli") -> Actor:
    """For reference-data loaders and jobs that run with the platform's own authority."""
    return Actor(user=None, channel=channel)
