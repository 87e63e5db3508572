"""Background jobs of core. Thin: each calls one function and logs its result."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import audit
from .notify.tasks import send_notification_email  # noqa: F401 - registers the job with the worker
from .notify.webhook_tasks import deliver_due_webhooks, deliver_webhook  # noqa: F401 - registers the jobs

log = logging.getLogger("vigil.audit")


@db_periodic_task(crontab(hour="2", minute="17"))
def verify_audit_chain():
    """Nightly proof that the audit log is untouched; a failure is logged as an error."""
    result = audit.verify()
    if result.ok:
        log.info("audit chain verified", extra={"entries": result.checked})
    else:
        log.error(
            "audit chain broken",
            extra={"first_bad_seq": result.first_bad_seq, "reason": result.reason, "checked": result.checked},
        )
    return {"ok": result.ok, "checked": result.checked, "first_bad_seq": result.first_bad_seq}
