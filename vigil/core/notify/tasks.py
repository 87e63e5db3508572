"""Background job of the notification service: send one notification's e-mail.
Thin: it takes an id and calls the service (which records the outcome on the row).
Registered with the worker through vigil.core.tasks, which imports it."""

from huey.contrib.djhuey import db_task

from . import services


@db_task()
def send_notification_email(notification_id: int) -> bool:
    return services.deliver_email(notification_id)
