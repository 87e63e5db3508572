"""Background jobs of core (Huey). Thin: each calls one function and logs its result.

- nightly, the audit chain is verified; hourly, its head is sealed outside the database;
- daily at VIGIL_BACKUP_HOUR, a backup of the installation, the oldest beyond
  VIGIL_BACKUP_KEEP removed;
- a notification's e-mail is sent after the notification's transaction commits;
- one attempt of one webhook delivery (queued after the commit), and every minute the
  sweeper that retries the due deliveries.

The services start the queued ones by name (`core.queue.enqueue`), never by importing
this module. Imported when the app is ready (`CoreConfig.jobs`), which registers them.
"""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import audit
from .notify import services as notify_services
from .notify import webhooks
from .queue import register_job

log = logging.getLogger("vigil.audit")
webhook_log = logging.getLogger("vigil.webhooks")


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


@db_periodic_task(crontab(minute="40"))
def scheduled_backup():
    """Once a day at VIGIL_BACKUP_HOUR (checked every hour; no hour, no backup): an archive
    of the installation into VIGIL_BACKUP_DIR, keeping the newest VIGIL_BACKUP_KEEP."""
    from django.conf import settings
    from django.utils import timezone

    from . import backup

    hour = getattr(settings, "BACKUP_HOUR", None)
    if hour is None or timezone.localtime().hour != hour:
        return None
    made = backup.scheduled_backup()
    return {"path": str(made.path), "files": made.files, "bytes": made.size}


@register_job("core.send_notification_email")
@db_task()
def send_notification_email(notification_id: int) -> bool:
    """Send one notification's e-mail (the service records the outcome on the row)."""
    return notify_services.deliver_email(notification_id)


@register_job("core.deliver_webhook")
@db_task()
def deliver_webhook(delivery_id: int) -> str | None:
    """One attempt of one webhook delivery."""
    d = webhooks.deliver(delivery_id)
    return d.status if d is not None else None


@db_periodic_task(crontab(minute="*"))
def deliver_due_webhooks() -> dict:
    """Retry the webhook deliveries that are due."""
    result = webhooks.deliver_due()
    if result.get("attempted"):
        webhook_log.info("webhook retries", extra=result)
    return result
