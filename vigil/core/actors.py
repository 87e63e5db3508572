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
    # Behind the production proxy REMOTE_ADDR is the proxy; the first forwarded hop is the client.
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


def actor_from_request(request, channel: str = "web") -> Actor:
    user = getattr(request, "auth_user", None) or getattr(request, "user", None) or AnonymousUser()
    return Actor(user=user, address=client_address(request), channel=channel)


def api_actor(request) -> Actor:
    """The actor of an API request (the user its token or session authenticated)."""
    return actor_from_request(request, channel="api")


def system_actor(channel: str = "cli") -> Actor:
    """For reference-data loaders and jobs that run with the platform's own authority."""
    return Actor(user=None, channel=channel)
