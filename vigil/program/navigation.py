"""The steering group of the navigation: the committee's work (meetings, programmes,
tasks, the office's matrix, calendar and timeline, inspections, the pre-meeting report)
and the user's unit's tasks.

The program pages let every member in and show what the user's units may see; for a unit
that takes no part in the committee's work (a ministry without tasks, meetings or
programmes) they are empty. So the steering entries follow one rule, `takes_part`:
the user is shown them when
  1. they see the whole network (the committee office, the standing agency, the
     administrator: `allowed(user, "view", None)`), or
  2. they hold a membership in a unit of the committee's structure: a committee body
     (a unit kind that requires a body: the national committee, subcommittees, provincial
     subcommittees, working groups), a unit that oversees the network, or a unit with a
     committee body directly under it (a province and its provincial subcommittee), or
  3. they see any of the committee's work: a task, a meeting, a work programme or an
     inspection (`visible_to`, where the program's list selectors start).
The moment a ministry is given a task or joins a meeting as a site, the entries appear."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

STEERING = _("Chỉ đạo, điều hành")
TAKES_PART = "vigil.program.navigation:takes_part"


def takes_part(user) -> bool:
    """Whether the user's units take part in the committee's work (the rule above)."""
    from vigil.core.access import allowed, member_units, visible_to
    from vigil.org.models import Unit

    from .models import Inspection, Meeting, Task, WorkProgramme

    if allowed(user, "view", None):
        return True
    committee = (
        Q(kind__requires_body=True) | Q(kind__oversees_network=True)
        | Q(children__kind__requires_body=True, children__is_active=True)
    )
    own = visible_to(user, Unit).filter(pk__in=member_units(user), is_active=True)
    if own.filter(committee).exists():
        return True
    return any(visible_to(user, model).exists() for model in (Task, Meeting, WorkProgramme, Inspection))


ENTRIES = [
    NavEntry(_("Việc của đơn vị"), "program:my_unit_tasks", "inbox", TAKES_PART, 100, group=STEERING),
    NavEntry(_("Nhiệm vụ"), "program:task_list", "list-check", TAKES_PART, 102, group=STEERING),
    NavEntry(_("Phiên họp"), "program:meeting_list", "people-fill", TAKES_PART, 104, group=STEERING),
    NavEntry(_("Chương trình công tác"), "program:programme_list", "journal-text", TAKES_PART, 110, group=STEERING),
    NavEntry(_("Ma trận nhiệm vụ"), "program:office_matrix", "grid-3x3", TAKES_PART, 122, group=STEERING),
    NavEntry(_("Lịch"), "program:calendar", "calendar3", TAKES_PART, 124, group=STEERING),
    NavEntry(_("Tiến độ"), "program:timeline", "bar-chart-steps", TAKES_PART, 126, group=STEERING),
    NavEntry(_("Kiểm tra"), "program:inspection_list", "clipboard-check", TAKES_PART, 140, group=STEERING),
    NavEntry(_("Báo cáo phiên họp"), "program:report_premeeting", "file-earmark-word", TAKES_PART, 180,
             group=STEERING),
]
