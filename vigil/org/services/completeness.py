"""Writes on completeness ("tình trạng kiện toàn"): the office sets the target date by
which every body must be complete. Each setting is a new row, so the history stays."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from vigil.core import audit, concurrency
from vigil.core.access import require
from vigil.core.actors import Actor
from vigil.core.errors import DomainError

from ..models import CompletenessTarget


def completeness_target_set(*, actor: Actor, target_date: dt.date, note: str = "",
                            version: int | None = None) -> CompletenessTarget:
    """Set the network-wide completeness target date (network-wide `approve` or `admin`).
    `version`: the id of the target the caller saw (0: none), refused (409) when another
    was set since."""
    require(actor, "approve", None)
    if not isinstance(target_date, dt.date):
        raise DomainError(_("Hãy nhập hạn kiện toàn (YYYY-MM-DD)."), field="target_date")
    with transaction.atomic():
        previous = CompletenessTarget.objects.select_for_update().order_by("-set_at", "-id").first()
        if version is not None:
            # Read again once the lock is held: a setter that committed meanwhile is seen.
            latest = CompletenessTarget.objects.order_by("-set_at", "-id").first()
            if (latest.pk if latest else 0) != version:
                raise concurrency.StaleObject(message=_(
                    "Hạn kiện toàn đã được người khác đặt lại sau khi bạn mở nó. Hãy xem hạn mới rồi đặt lại."))
            previous = latest
        target = CompletenessTarget(
            target_date=target_date, note=(note or "").strip(),
            set_by=actor.author,
        )
        target.full_clean(exclude=["set_by"])  # null for the platform itself (blank=False in the model)
        target.save()
        audit.record(
            actor=actor, action="set_target", obj=target,
            before=audit.snapshot(previous) if previous else None, after=audit.snapshot(target),
        )
    return target
