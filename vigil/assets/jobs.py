"""Background job of the registry: the daily reminders of review and re-approval due
dates. Thin: it calls one idempotent service.

It runs every hour and acts at the local hour configured (ASSETS_REMINDER_HOUR, default
the programme's PROGRAM_REMINDER_HOUR, else 7), so the schedule follows the platform's
time zone whatever clock the worker keeps.
"""

import logging

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import reminders

log = logging.getLogger("vigil.assets.reminders")


def _hour() -> int:
    return int(getattr(settings, "ASSETS_REMINDER_HOUR", getattr(settings, "PROGRAM_REMINDER_HOUR", 7)))


@db_periodic_task(crontab(minute="10"))
def daily_system_reminders():
    """Reminders before a system's review / re-approval due dates, and when overdue."""
    now = timezone.localtime()
    if now.hour != _hour():
        return None
    result = reminders.run_reminders(today=now.date()).as_dict()
    log.info("system reminders sent", extra={"result": result})
    return result
