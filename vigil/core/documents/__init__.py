"""Generated documents shared by every app.

`docx_layout` builds a DOCX in the Vietnamese administrative layout (Decree 30/2020/NĐ-CP):
program's pre-meeting report and the incident report use it, and so will any app that
issues a document. Like the rest of core, nothing here imports a domain app: a document's
content comes from the caller.
"""
