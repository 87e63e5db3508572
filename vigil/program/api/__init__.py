"""Program API, one module per subdomain: meetings and conclusions, work programmes, tasks
(progress, extensions), inspections, the office's views, generated reports."""

from ninja import Router

from . import documents, inspections, meetings, office, programmes, tasks

router = Router()
for module in (meetings, programmes, tasks, inspections, office, documents):
    router.add_router("/", module.router)
