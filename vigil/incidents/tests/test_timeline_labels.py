"""Every kind of timeline event the services write has words (issue 13: the timeline showed
raw codes such as "stages.scheduled")."""

import ast
from pathlib import Path

from django.utils import translation

from vigil.incidents.templatetags.incident_tags import TIMELINE_LABELS, timeline_label

SERVICES = Path(__file__).resolve().parents[1] / "services"


def _kinds_written() -> set[str]:
    kinds = set()
    for path in SERVICES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("timeline_add"):
                kinds |= {kw.value.value for kw in node.keywords
                          if kw.arg == "kind" and isinstance(kw.value, ast.Constant)}
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("_change_state"):
                kinds |= {kw.value.value for kw in node.keywords
                          if kw.arg == "kind" and isinstance(kw.value, ast.Constant)}
    return kinds


def test_every_timeline_kind_has_words_in_both_languages():
    kinds = _kinds_written() | {"retriaged"}
    assert {"stages.scheduled", "sla.breach", "reported"} <= kinds
    assert sorted(kinds - set(TIMELINE_LABELS)) == []
    with translation.override("en"):
        english = {k: str(timeline_label(k)) for k in kinds}
    assert all(text != k for k, text in english.items())
    assert english["stages.scheduled"] == "Statutory reports scheduled"
