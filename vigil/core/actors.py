"""Who is acting, from where and through which interface: passed to every service."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser


@dataclass
class Actor:
    """Who acts. Either a user (`user`, possibly anonymous) or the one named platform actor
    (`Actor.platform(...)`: jobs, reference and demo loaders, the CLI's system commands).
    An actor without a user that is not the platform is anonymous: the access layer denies
    it every write and shows it nothing (see `vigil.core.access`)."""

    user: object
    address: str | None = None
    channel: str = "web"  # web, api, cli, job
    extra: dict = field(default_factory=dict)
    is_platform: bool = field(default=False, kw_only=True)

    def __post_init__(self):
        if self.is_platform and self.user is not None:
            raise ValueError("the platform actor acts with no user")

    @classmethod
    def platform(cls, channel: str = "job", *, extra: dict | None = None, address: str | None = None) -> "Actor":
        """The platform's own authority, for jobs, loaders and the CLI's system commands:
        every action, everything visible; its writes are audited under `channel`."""
        return cls(user=None, address=address, channel=channel, extra=dict(extra or {}), is_platform=True)

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def author(self):
        """The user a write records as its author (created_by, reported_by, ...): the
        signed-in user, or None for the platform and anonymous actors. Not an access
        decision: that is `vigil.core.access`'s."""
        return self.user if self.is_authenticated else None


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
    """The platform actor (`Actor.platform`), under its older name."""
    return Actor.platform(channel)
