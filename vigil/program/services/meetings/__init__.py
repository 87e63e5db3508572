"""Writes on meetings: the meeting itself (planned → held → concluded), its attendees,
the connected sites of an online meeting, its documents, the conclusion notice (number
and date, unique per body unit) and the conclusions, the numbered items of that notice.
A conclusion turns into tasks through `conclusion_task_create` (the task service).

Creating a meeting needs `add` on the body unit; every other write needs `change` on it
(core UnitsPolicy: the meeting's write path is its body unit). Once the meeting is
concluded its notice and conclusions are frozen; attendance, sites, documents and the
minutes can still be completed, and conclusions can still be turned into tasks.
Every write is one transaction with its audit entry; a refused upload stores nothing.

Modules, one per section: `meeting`, `attendees`, `sites`, `documents`, `conclusions`;
`common` holds what they share. The public names are re-exported here.
"""

from .attendees import (
    attendee_add,
    attendee_remove,
    attendee_update,
    attendees_add_members,
)
from .common import KEEP, require_change
from .conclusions import (
    conclusion_add,
    conclusion_delete,
    conclusion_reference,
    conclusion_task_create,
    conclusion_update,
    default_task_title,
)
from .documents import document_add, document_open, document_remove
from .meeting import (
    EDITABLE,
    NOTICE_FIELDS,
    ORDER,
    meeting_conclude,
    meeting_create,
    meeting_set_status,
    meeting_update,
)
from .sites import site_add, site_remove, site_update, sites_add_all

__all__ = [
    "require_change",
    "KEEP",
    "EDITABLE",
    "NOTICE_FIELDS",
    "ORDER",
    "meeting_create",
    "meeting_update",
    "meeting_set_status",
    "meeting_conclude",
    "attendee_add",
    "attendee_update",
    "attendee_remove",
    "attendees_add_members",
    "site_add",
    "sites_add_all",
    "site_update",
    "site_remove",
    "document_add",
    "document_remove",
    "document_open",
    "conclusion_add",
    "conclusion_update",
    "conclusion_delete",
    "default_task_title",
    "conclusion_reference",
    "conclusion_task_create",
]
