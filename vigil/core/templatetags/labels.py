"""Codes in words on the pages: `{% load labels %}` then `{{ code|permission }}`,
`{{ entry.action|audit_action }}`, `{{ entry.object_type|object_type }}`."""

from django import template

from vigil.core import labels

register = template.Library()


@register.filter
def permission(code: str) -> str:
    return labels.permission_label(code)


@register.filter
def permissions(codes) -> str:
    """A role's actions as words, "view" first (always implied)."""
    codes = ["view", *[c for c in (codes or ()) if c != "view"]]
    return ", ".join(labels.permission_label(c) for c in codes)


@register.filter
def audit_action(code: str) -> str:
    return labels.audit_action_label(code)


@register.filter
def object_type(code: str) -> str:
    return labels.object_type_label(code)
