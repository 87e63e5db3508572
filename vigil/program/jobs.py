"""Background jobs of the programme: the daily reminders and escalations, and the weekly
digest per unit. Thin: each calls one service, which is idempotent.

They run every hour and act at the local hour configured (PROGRAM_REMINDER_HOUR, default
7; the digest on PROGRAM_DIGEST_WEEKDAY, default 0 = Monday), so the schedule follows
the platform's time zone whatever clock the worker keeps.
"""

import logging

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import reminders

log = logging.getLogger("vigil.program.reminders")


def _hour() -> int:
    return int(getattr(settings, "PROGRAM_REMINDER_HOUR", 7))


@db_periodic_task(crontab(minute="5"))
def daily_reminders():
    """Reminders before due dates, overdue notices, escalations, periodic report reminders."""
    now = timezone.localtime()
    if now.hour != _hour():
        return None
    result = reminders.run_reminders(today=now.date()).as_dict()
    log.info("task reminders sent", extra=result)
    return result


@db_periodic_task(crontab(minute="20"))
def weekly_digest():
    """Each unit's weekly digest, on Monday morning (local time)."""
    now = timezone.localtime()
    if now.weekday() != int(getattr(settings, "PROGRAM_DIGEST_WEEKDAY", 0)) or now.hour != _hour():
        return None
    result = reminders.run_digest(today=now.date()).as_dict()
    log.info("weekly digests sent", extra=result)
    return result
