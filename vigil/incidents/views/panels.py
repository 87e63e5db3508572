"""The sections of an incident's page that other subdomains contribute: each function takes
(request, incident) and returns extra template context for its `_detail_*.html` partial."""

PANELS = [
    "vigil.incidents.views.intake.detail_panel",
    "vigil.incidents.views.stages.detail_panel",
    "vigil.incidents.views.documents.detail_panel",
]
