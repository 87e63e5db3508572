from django.utils.translation import gettext_lazy as _

from vigil.core.appconfig import VigilAppConfig


class AssetsConfig(VigilAppConfig):
    name = "vigil.assets"
    label = "assets"
    verbose_name = _("Hệ thống thông tin")

    api_prefix = "assets"
    api_router = "vigil.assets.api:router"
    url_prefix = "assets/"
    urls = "vigil.assets.urls"
    navigation = "vigil.assets.navigation"
    demo = "vigil.assets.demo:load"
    demo_order = 30
    cli_group = "assets"
    cli_commands = {"systems": "systems"}
    cli_help = {
        "systems": "list|show|create|import FILE [--skip-bad-lines]|export --format csv|xlsx|reminders run ... "
                   "--as USER — information systems: levels, addresses, software (CPE 2.3)",
    }
    jobs = "vigil.assets.jobs"  # review-date reminders
    notification_kinds = ("vigil.assets.services.reminders",)
