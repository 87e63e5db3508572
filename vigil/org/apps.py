from django.utils.translation import gettext_lazy as _

from vigil.core.appconfig import VigilAppConfig


class OrgConfig(VigilAppConfig):
    name = "vigil.org"
    label = "org"
    verbose_name = _("Tổ chức")
    notification_kinds = ("vigil.org.services.constituency",)

    api_prefix = "org"
    api_router = "vigil.org.api:router"
    api_aliases = ("units", "unit-kinds", "who-owns", "constituency", "people", "memberships", "decisions",
                   "completeness")
    url_prefix = "org/"
    urls = "vigil.org.urls"
    navigation = "vigil.org.navigation"
    demo = "vigil.org.demo:load"
    demo_order = 10  # first: the other apps' demo data names its units and people
    reference = "vigil.org.reference:load_all"
    reference_order = 10  # first: kinds, roles and units are what the other files refer to
    cli_group = "org"
    cli_commands = {"units": "units", "people": "people", "decisions": "decisions", "who-owns": "who_owns"}
    cli_help = {
        "units": "list|show|tree|overlaps|claim|requests|decide ... --as USER — the unit tree and its "
                 "constituency (claims, delegation requests), through the access layer",
        "people": "list|show ... --as USER — people and memberships, through the access layer",
        "decisions": "list|show|apply|completeness ... --as USER — membership decisions, completeness of bodies",
        "who-owns": "VALUE [--as USER] — owning unit of an IP address or a domain",
    }

    def ready(self):
        super().ready()
        from . import access

        access.register()  # memberships are the access layer's grant source
        self._register_directory()
        self._register_dashboard_panels()

    @staticmethod
    def _register_directory():
        """What the kernel asks of the organisation (`core.directory`): the role model, a
        user's memberships, the 2FA requirement of roles, who answers for a unit, accounts."""
        from vigil.core.directory import Directory, register_directory

        from .models import Role
        from .selectors.memberships import holds_role_requiring_2fa, my_memberships
        from .selectors.people import person_email
        from .selectors.recipients import recipients_for_units
        from .services.accounts import account_create

        register_directory(Directory(
            role_model=lambda: Role,
            memberships=lambda user: my_memberships(user=user),
            requires_second_factor=holds_role_requiring_2fa,
            recipients_for_units=recipients_for_units,
            create_account=account_create,
            person_email=person_email,
        ))

    @staticmethod
    def _register_dashboard_panels():
        """The home page's organisation panels (`core.dashboard`)."""
        from vigil.core.dashboard import MAIN, NETWORK, SIDE, DashboardPanel, register_panel

        from .selectors import dashboard

        register_panel(DashboardPanel("org.decisions", "org/_home_decisions.html",
                                      lambda user: dashboard.home_decisions(user=user), MAIN, 30))
        register_panel(DashboardPanel("org.memberships", "org/_home_memberships.html",
                                      lambda user: dashboard.home_memberships(user=user), SIDE, 10))
        register_panel(DashboardPanel("org.scope", "org/_dashboard_scope.html",
                                      lambda user: dashboard.dashboard_scope(user=user), SIDE, 30))
        register_panel(DashboardPanel("org.completeness", "org/_dashboard_completeness.html",
                                      lambda user: dashboard.home_completeness(user=user), SIDE, 20))
        register_panel(DashboardPanel("org.network_completeness", "org/_home_network_completeness.html",
                                      lambda user: dashboard.network_completeness(user=user), NETWORK, 30))
