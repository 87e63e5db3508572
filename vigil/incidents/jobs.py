"""Background jobs of incidents. Thin: each calls one service.

- after a report is stored (and acknowledged to the reporter): tell the handlers and
  e-mail the reporter's receipt, off the request, so intake answers as soon as the
  report is durable;
- every five minutes, the SLA check (breaches, escalation to the parent unit then to the
  standing agency);
- every ten minutes, the network-wide statistics are computed ahead of the first visit.
"""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from vigil.core.queue import register_job

from .services import sla

log = logging.getLogger("vigil.incidents")


@register_job("incidents.incident_reported")  # started by services.intake through core.queue
@db_task()
def incident_reported(incident_id: int, user_id: int | None, channel: str):
    """Notify the handlers of a new report and send the reporter's receipt."""
    from vigil.core.actors import Actor
    from vigil.core.models import User

    from .services.intake import after_report

    user = User.objects.filter(pk=user_id).first() if user_id else None
    after_report(Actor(user=user, channel=channel) if user else Actor.platform(channel), incident_id)


@db_periodic_task(crontab(minute="*/5"))
def sla_check():
    """Record missed SLA clocks and escalate them (running twice sends nothing new)."""
    result = sla.sla_check().as_dict()
    result.pop("breaches", None)
    return result


@db_periodic_task(crontab(minute="*/10"))
def warm_statistics():
    """Compute the network-wide statistics before anyone asks (the page states when)."""
    from .selectors import stats

    stats.warm_network_stats()
