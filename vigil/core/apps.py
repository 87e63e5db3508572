from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "vigil.core"
    label = "core"
    verbose_name = _("Lõi hệ thống")

    def ready(self):
        from . import signals  # noqa: F401  - login/logout audit receivers
