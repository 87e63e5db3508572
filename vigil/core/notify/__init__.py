"""The notification service every module uses to tell people something.

    from vigil.core.notify import notify, message, unit_recipients

    notify(recipients=unit_recipients(task.lead_unit), kind="program.task.due_soon",
           title=message(_("Nhiệm vụ %(t)s sắp đến hạn"), t=task.title), url=task_url,
           unit=task.lead_unit, actor=actor, subject=task)

Kinds are declared by each app (`AppConfig.notification_kinds`, see `registry`); texts are rendered in each recipient's
language (`text.message`); e-mail goes out after commit through a Huey job.
"""

from .registry import NotificationKind, all_kinds, get_kind
from .selectors import recipients_for_units, unit_recipients
from .services import notify
from .text import message

__all__ = [
    "NotificationKind", "all_kinds", "get_kind", "message", "notify", "recipients_for_units",
    "unit_recipients",
]
