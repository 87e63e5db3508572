from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "vigil.assets"
    label = "assets"
    verbose_name = _("Hệ thống thông tin")
