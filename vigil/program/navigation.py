from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

ENTRIES = []
