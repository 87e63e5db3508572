"""Incident API, one module per subdomain: intake and triage, the workflow (units, tasks,
comments, observables, evidence), statutory reports and SLA, exports and statistics."""

from . import documents, intake, stages, workflow

# The app's router, mounted at /api/v1/incidents/. It is the workflow's router because that
# one holds the app's root operation (the incident list, GET /api/v1/incidents): ninja would
# give the root path of a router nested under another a trailing slash.
router = workflow.router
for module in (intake, stages, documents):
    router.add_router("/", module.router)
