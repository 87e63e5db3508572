"""Intelligence API (`/api/v1/intel/…`), one module per subdomain: indicators and
sightings, sources, feeds, imports, reference data (warninglists, taxonomies), exports."""

from ninja import Router

from . import exports, feeds, imports, indicators, reference, sources

router = Router()
for module in (indicators, sources, feeds, imports, reference, exports):
    router.add_router("/", module.router)
