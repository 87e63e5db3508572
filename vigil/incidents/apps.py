from django.utils.translation import gettext_lazy as _

from vigil.core.appconfig import VigilAppConfig


class IncidentsConfig(VigilAppConfig):
    name = "vigil.incidents"
    label = "incidents"
    verbose_name = _("Sự cố")

    api_prefix = "incidents"
    api_router = "vigil.incidents.api:router"
    url_prefix = "incidents/"
    urls = "vigil.incidents.urls"
    navigation = "vigil.incidents.navigation"
    demo = "vigil.incidents.demo:load"
    demo_order = 40  # after assets (systems route reports), before intel (promotes observables)
    reference = "vigil.incidents.reference:load_all"
    reference_order = 20  # after org: stages and SLA targets name kinds of unit
    cli_group = "incidents"
    cli_commands = {
        "intake": "incident_intake",
        "mail": "incidents_mail",
        "workflow": "incidents",
        "sla": "incident_sla",
        "report": "incident_report",
        "stats": "incident_stats",
    }
    cli_help = {
        "intake": "report|triage|merge|taxonomy ... --as USER — report an incident, triage it (ENISA RSIT), "
                  "merge duplicates",
        "mail": "--maildir PATH | --imap-host H --imap-user U ... --as USER — turn the messages of a mailbox "
                "into incident reports",
        "workflow": "list|show|assign|answer|transition|close|reopen|comment|task-add|observable-add|timeline "
                    "... --as USER — handle incidents: units, workflow, tasks, observables",
        "sla": "run|breaches|stages-due|stages-overdue|submit ... --as USER — SLA check and escalation now; "
               "statutory reports due and late",
        "report": "ID --out FILE | --list --format csv|xlsx --out FILE ... --as USER — one incident as DOCX "
                  "(administrative layout); lists as CSV/XLSX",
        "stats": "[--unit CODE] [--from D] [--to D] [--json] --as USER — incidents per unit, class, severity, "
                 "month; mean and p90 times",
    }
    jobs = "vigil.incidents.jobs"  # after a report (notify, receipt), SLA check, statistics warm-up
    notification_kinds = ("vigil.incidents.services.intake", "vigil.incidents.services.workflow", "vigil.incidents.services.sla")

    def ready(self):
        super().ready()
        from vigil.core.observables import ObservableStore, register_observable_store

        from .selectors import incidents as incident_sel

        # Intelligence reads observables and their incidents through core, never through this app.
        register_observable_store(ObservableStore(
            visible=incident_sel.visible_observables,
            case_get=lambda user, pk: incident_sel.incident_get(user=user, pk=pk),
            of_case=incident_sel.observables,
        ))

        # The home page (core.dashboard): requests waiting for the user's units, SLA clocks
        # at risk, statutory reports due, and open incidents by severity for the overseers.
        from vigil.core.dashboard import MAIN, NETWORK, DashboardPanel, register_panel

        from .selectors import home

        register_panel(DashboardPanel("incidents.waiting", "incidents/_home_waiting.html",
                                      lambda user: home.waiting_for_my_units(user=user), MAIN, 5))
        register_panel(DashboardPanel("incidents.sla", "incidents/_home_sla.html",
                                      lambda user: home.sla_at_risk(user=user), MAIN, 6))
        register_panel(DashboardPanel("incidents.stages", "incidents/_home_stages.html",
                                      lambda user: home.stage_reports_due(user=user), MAIN, 15))
        register_panel(DashboardPanel("incidents.network_open", "incidents/_home_network_open.html",
                                      lambda user: home.network_open_by_severity(user=user), NETWORK, 20))
