from django.utils.translation import gettext_lazy as _

from vigil.core.appconfig import VigilAppConfig


class ProgramConfig(VigilAppConfig):
    name = "vigil.program"
    label = "program"
    verbose_name = _("Chỉ đạo, điều hành")

    api_prefix = "program"
    api_router = "vigil.program.api:router"
    api_aliases = ("meetings", "programmes", "tasks", "extensions", "evidence", "inspections", "findings",
                   "office", "premeeting-report")
    url_prefix = "program/"
    urls = "vigil.program.urls"
    navigation = "vigil.program.navigation"
    demo = "vigil.program.demo:load"
    demo_order = 20
    cli_group = "program"
    cli_commands = {
        "meetings": "meetings",
        "programmes": "programmes",
        "tasks": "tasks",
        "inspections": "inspections",
        "office": "program_office",
        "report": "program_report",
        "reminders": "program_reminders",
    }
    cli_help = {
        "meetings": "list|show|create|conclusion|conclude ... --as USER — meetings, conclusion notices and "
                    "their conclusions",
        "programmes": "list|show|approve ... --as USER — annual work programmes (approval by the unit's head)",
        "tasks": "list|show|create|report|confirm|accept|return|extend|decide|cancel|cascade ... --as USER — "
                 "tasks, progress reports, extensions",
        "inspections": "list|show|findings|close-finding ... --as USER — inspections, open findings to follow up",
        "office": "matrix|late|ontime|bodies|mine|calendar ... --as USER [--json] — task matrix, late work and "
                  "on-time rates by unit, a unit's lists",
        "report": "--meeting ID | --unit CODE [--since D] --format docx|xlsx --output FILE --as USER — the "
                  "pre-meeting report (DOCX administrative layout, XLSX)",
        "reminders": "run [--today D] [--digest] — send task reminders, escalations (and weekly digests) now",
    }
    jobs = "vigil.program.jobs"  # daily reminders and escalation, weekly digest
    notification_kinds = ("vigil.program.services.reminders", "vigil.program.services.workflow_notices")

    def ready(self):
        super().ready()
        from vigil.org.views.unit_sections import UnitSection, register_section

        # The unit page (org) shows what is due from the unit: program's section.
        register_section(UnitSection(
            key="tasks",
            title=_("Nhiệm vụ của đơn vị"),
            template="program/unit_tasks_section.html",
            order=60,
            context="vigil.program.views.office.unit_tasks_section",
        ))

        # The home page (core.dashboard): the tasks due from the user's units, those they
        # assigned that are late, and late work by province for the network's overseers.
        from vigil.core.dashboard import MAIN, NETWORK, DashboardPanel, register_panel

        from .selectors import home

        register_panel(DashboardPanel("program.my_tasks", "program/_home_my_tasks.html",
                                      lambda user: home.my_unit_tasks(user=user), MAIN, 10))
        register_panel(DashboardPanel("program.assigned_late", "program/_home_assigned_late.html",
                                      lambda user: home.assigned_late(user=user), MAIN, 20))
        register_panel(DashboardPanel("program.network_late", "program/_home_network_late.html",
                                      lambda user: home.network_late_by_province(user=user), NETWORK, 10))
