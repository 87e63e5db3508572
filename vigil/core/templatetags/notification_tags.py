"""The navbar bell: how many notifications the user has not read (one indexed COUNT)."""

from django import template

from ..notify import selectors

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    return selectors.unread_count(user=user)
