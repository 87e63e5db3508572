"""Program API, one module per subdomain: meetings and conclusions, work programmes, tasks
(progress, extensions), inspections, the office's views, generated reports."""

from ninja import Router

from . import inspections, meetings, office, programmes, reports, tasks

router = Router()
for module in (meetings, programmes, tasks, inspections, office, reports):
    router.add_router("/", module.router)
