from django.utils.translation import gettext_lazy as _

from .appconfig import VigilAppConfig


class CoreConfig(VigilAppConfig):
    name = "vigil.core"
    label = "core"
    verbose_name = _("Lõi hệ thống")

    # The caller's account (me, tokens, logout everywhere), notifications, webhooks, the audit
    # log and roles: /api/v1/core/… (the prefix is the app's label, as for every app).
    api_prefix = "core"
    api_router = "vigil.core.api:router"
    api_aliases = ("me", "tokens", "roles", "audit", "notifications", "webhooks")
    url_prefix = ""  # the dashboard, login, account, notifications, webhooks, audit log, roles
    urls = "vigil.core.urls"
    navigation = "vigil.core.navigation_entries"
    cli_group = "core"
    cli_commands = {"notifications": "notifications", "webhooks": "webhooks"}
    cli_help = {
        "notifications": "list|read ... --as USER — your notifications (mark read: IDs or --all)",
        "webhooks": "list|create|disable|rotate|deliveries|deliver-due ... --as USER — signed webhooks of a unit "
                    "and their delivery log",
    }
    jobs = "vigil.core.jobs"
    notification_kinds = ("vigil.core.audit_seal",)

    def ready(self):
        super().ready()
        from . import signals  # noqa: F401  - login/logout audit receivers

        # The home page: the user's unread notifications (core.dashboard).
        from .dashboard import SIDE, DashboardPanel, register_panel
        from .notify import selectors as notify_selectors

        register_panel(DashboardPanel("core.notifications", "core/_home_notifications.html",
                                      lambda user: notify_selectors.home_unread(user=user), SIDE, 5))
