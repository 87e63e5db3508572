"""Comments on an incident. `@username` mentions notify the people named, only those who
may see the incident: a name of anyone else is ignored (never told, never confirmed)."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core import access, audit
from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.notify import message

from ..models import Comment, Incident
from .common import require_change, timeline_add
from .workflow import MENTIONED, handling_unit_ids, set_first_response, tell_later

MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})", re.UNICODE)
MAX_LENGTH = 20000


def mentioned_users(incident: Incident, body: str, *, exclude=None) -> list:
    """Users named `@username` in `body` who may see `incident` (others are ignored)."""
    names = []
    for name in MENTION.findall(body or ""):
        name = name.rstrip(".")
        if name and name.lower() not in [n.lower() for n in names]:
            names.append(name)
    if not names:
        return []
    User = get_user_model()
    found = []
    for name in names:
        user = User.objects.filter(username__iexact=name, is_active=True).first()
        if user is None or (exclude is not None and user.pk == exclude.pk):
            continue
        if access.allowed(user, "view", incident):
            found.append(user)
    return found


@transaction.atomic
def comment_add(*, actor: Actor, incident: Incident, body: str) -> Comment:
    """Add a comment (people of the handling units). The first comment by a member of a
    handling unit who did not report the incident is its first response."""
    require_change(actor, incident)
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Hãy nhập nội dung bình luận."), field="body")
    if len(body) > MAX_LENGTH:
        raise DomainError(_("Bình luận dài quá %(n)s ký tự.") % {"n": MAX_LENGTH}, field="body")
    user = actor.author
    comment = Comment.objects.create(incident=incident, author=user, body=body)
    mentions = mentioned_users(incident, body, exclude=user)
    if mentions:
        comment.mentions.set(mentions)
    audit.record(actor=actor, action="incidents.comment.add", obj=comment,
                 after={"body": body, "mentions": [u.pk for u in mentions]})
    timeline_add(incident=incident, actor=actor, kind="comment", text=body[:500], data={"comment": comment.pk})
    if user is not None and user.pk != incident.reported_by_id and not incident.first_response_at:
        from vigil.org.models import Unit

        if any(access.acts_for(actor, u) for u in Unit.objects.filter(pk__in=handling_unit_ids(incident))):
            set_first_response(incident, comment.created_at)
    tell_later(
        recipients=mentions, kind=MENTIONED, incident=incident,
        title=message(gettext_lazy("%(who)s nhắc đến bạn ở sự cố %(r)s"),
                      who=(getattr(user, "full_name", "") or getattr(user, "username", "")) if user else "Vigil",
                      r=incident.reference),
        body=body[:1000], actor=actor,
    )
    return comment
