"""Sections of a unit's page: org's own listed here, other apps' registered from their
AppConfig.ready() with `register_section` (no import side effects).

The unit page (org:unit_detail) renders, in `order`, every section listed in SECTIONS
whose template exists; a section whose template is missing is skipped (and logged), so a
section can be listed before its template is written. To add one, list or register a
UnitSection:

    UnitSection(
        key="people",                            # data-testid="unit-section-people"
        title=_("Cán bộ và thành viên"),
        template="org/_unit_people.html",        # rendered with `unit`, `section`, `user`
        order=20,                                # constituency is 50
        context="vigil.org.selectors.people.unit_people_section",
    )

`context` is the dotted path of a function `(*, user, unit) -> dict`, called once per
page; its result is `section.data` in the template. It must read through selectors.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

log = logging.getLogger("vigil.org")


@dataclass(frozen=True)
class UnitSection:
    key: str
    title: str
    template: str
    order: int = 100
    context: str | None = None


SECTIONS: list[UnitSection] = [
    UnitSection(
        key="constituency",
        title=_("Phạm vi quản lý"),
        template="org/constituency_section.html",
        order=50,
        context="vigil.org.views.units.constituency_section",
    ),
    # People part (vigil/org/views/people.py).
    UnitSection(
        key="completeness",
        title=_("Tình trạng kiện toàn"),
        template="org/_unit_completeness.html",
        order=20,
        context="vigil.org.views.people.unit_completeness_section",
    ),
    UnitSection(
        key="members",
        title=_("Thành viên"),
        template="org/_unit_members.html",
        order=30,
        context="vigil.org.views.people.unit_members_section",
    ),
    UnitSection(
        key="decisions",
        title=_("Quyết định kiện toàn"),
        template="org/_unit_decisions.html",
        order=40,
        context="vigil.org.views.people.unit_decisions_section",
    ),
]


def register_section(section: UnitSection) -> None:
    """Add (or replace, by key) a section of the unit page: how another app shows its part
    of a unit (program registers the unit's tasks from its AppConfig.ready()), so that org
    names no app that depends on it."""
    SECTIONS[:] = [s for s in SECTIONS if s.key != section.key] + [section]


def sections_for(*, user, unit) -> list[dict]:
    """The sections to render on `unit`'s page for `user`, in order, with their data."""
    result = []
    for section in sorted(SECTIONS, key=lambda s: (s.order, s.key)):
        try:
            template = get_template(section.template)
        except TemplateDoesNotExist:
            log.warning("unit section %s: template %s not found; skipped", section.key, section.template)
            continue
        data = import_string(section.context)(user=user, unit=unit) if section.context else {}
        result.append({"key": section.key, "title": section.title, "template": template, "data": data})
    return result
