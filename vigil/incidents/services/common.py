"""What every incident service shares: the timeline entry written beside each change,
and the checks of who may act on an incident."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation

from vigil.core.access import allowed, require
from vigil.core.actors import Actor
from vigil.core.texts import render_stored

from ..models import Incident, TimelineEvent


def timeline_add(*, incident: Incident, actor: Actor | None, kind: str, text: str = "",
                 data: dict | None = None, at=None, message: dict | None = None) -> TimelineEvent:
    """Append one event to the incident's timeline. Call inside the service's transaction,
    next to its audit entry: the timeline is what people read, the audit log is the proof.
    A sentence the platform writes is given as `message` (`core.texts.stored(...)`): kept as
    a message and its parameters, read in each reader's language; `text` then holds it in
    the platform's language (searches, exports of the past)."""
    if message is not None:
        data = {**(data or {}), "message": message}
        with translation.override(settings.LANGUAGE_CODE):
            text = render_stored(message)
    user = actor.author if actor is not None else None
    name = ""
    if user is not None:
        name = getattr(user, "full_name", "") or user.get_username()
    elif actor is not None:
        name = actor.extra.get("name", "") if isinstance(actor.extra, dict) else ""
    return TimelineEvent.objects.create(
        incident=incident, at=at or timezone.now(), actor=user, actor_name=name[:200], kind=kind,
        text=text, data=data or {},
    )


def require_change(actor: Actor, incident: Incident) -> None:
    """The actor must hold `change` on one of the incident's handling units."""
    require(actor, "change", incident)


def can_change(actor_or_user, incident: Incident) -> bool:
    return allowed(actor_or_user, "change", incident)
