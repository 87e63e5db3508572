"""Login, logout and failed-login entries in the audit log.

Signals are used only here because Django's auth (and django-axes) emit them for every
way of logging in; the data writes of Vigil itself are audited explicitly by services.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .actors import Actor, client_address


def _actor(request, user):
    return Actor(user=user, address=client_address(request) if request else None, channel="web")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(actor=_actor(request, user), action="login", obj=user, object_repr=user.username)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=_actor(request, user), action="logout", obj=user, object_repr=user.username)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        actor=_actor(request, None),
        action="login_failed",
        object_type="core.user",
        object_repr=username,
        actor_name=username,
    )
