"""Incident API, one module per subdomain: intake and triage, the workflow (units, tasks,
comments, observables, evidence), statutory reports and SLA, exports and statistics."""

from ninja import Router

from . import intake, reports, stages, workflow

router = Router()
for module in (intake, workflow, stages, reports):
    router.add_router("/", module.router)
