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


@db_periodic_task(crontab(minute="7"))
def audit_checkpoint():
    """Every hour: seal the audit chain's head outside the database when it has grown (a
    signed line in the checkpoint file; the auditors are notified at most once a day)."""
    from django.utils import timezone

    from . import audit_seal

    result = audit_seal.write_checkpoint(only_if_grown=True,
                                         notify_key=f"daily:{timezone.localdate().isoformat()}")
    if not result.ok:
        log.error("audit chain broken, not sealed",
                  extra={"first_bad_seq": result.verify.first_bad_seq, "reason": result.verify.reason})
        return {"ok": False}
    cp = result.checkpoint
    return {"ok": True, "written": result.written, "seq": cp.seq if cp else 0}
