"""Background jobs of signed webhooks: one attempt of one delivery (queued after the
notification's transaction commits), and the sweeper that retries due deliveries every
minute. Thin: each calls one function of `webhooks`. Registered through vigil.core.tasks."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import webhooks

log = logging.getLogger("vigil.webhooks")


@db_task()
def deliver_webhook(delivery_id: int) -> str | None:
    d = webhooks.deliver(delivery_id)
    return d.status if d is not None else None


@db_periodic_task(crontab(minute="*"))
def deliver_due_webhooks() -> dict:
    result = webhooks.deliver_due()
    if result.get("attempted"):
        log.info("webhook retries", extra=result)
    return result
