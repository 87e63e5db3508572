from django.utils.translation import gettext_lazy as _

from vigil.core.appconfig import VigilAppConfig


class IntelConfig(VigilAppConfig):
    name = "vigil.intel"
    label = "intel"
    verbose_name = _("Tri thức mối đe doạ")

    api_prefix = "intel"
    api_router = "vigil.intel.api:router"
    url_prefix = "intel/"
    urls = "vigil.intel.urls"
    extra_urls = (("taxii2/", "vigil.intel.taxii.urls"),)  # the TAXII 2.1 server keeps its own root
    navigation = "vigil.intel.navigation"
    demo = "vigil.intel.demo:load"
    demo_order = 50
    reference = "vigil.intel.reference:load_all"
    reference_order = 30
    cli_group = "intel"
    # One management command (`intel`) parses these subcommands itself: `vigil intel import …`
    # runs `intel import …` (the command, then the arguments it starts with).
    cli_commands = {name: f"intel {name}" for name in (
        "import", "export", "indicators", "sightings", "sources", "feeds", "warninglists", "taxonomies", "imports",
    )}
    cli_help = {
        "import": "FILE --format stix|misp|csv|list|hosts [--source S] [--tlp T] [--skip-invalid] [--force] "
                  "--as USER — import indicators (bad lines named by number; re-import changes nothing)",
        "export": "--format stix|misp|csv|list|rpz|nftables|ipset|suricata [filters] [--output FILE] --as USER — "
                  "blocklists and bundles of the indicators you may see",
        "indicators": "list|show|add|revoke|restore|allow ... --as USER — indicators",
        "sightings": "add ... --as USER — sightings of an indicator",
        "sources": "list|show|create|update|delete ... --as USER — sources of intelligence",
        "feeds": "list|show|create|update|delete|run|run-due ... --as USER — feeds pulled on a schedule",
        "warninglists": "list|show|enable|disable|load ... --as USER — MISP warninglists",
        "taxonomies": "list|load ... --as USER — MISP taxonomies",
        "imports": "list|show ... --as USER — import jobs",
    }
    jobs = "vigil.intel.jobs"  # feeds every minute

    def ready(self):
        super().ready()
        from vigil.core.observables import IndicatorLookup, register_indicator_lookup

        from .selectors import indicators_for_observables

        # The incident page marks observables that are known indicators, through core.
        register_indicator_lookup(IndicatorLookup(known=indicators_for_observables))
