"""Codes in words (issue 13): the audit log, the roles page and the notification
preferences show actions, object types and permissions in the reader's language, never
the raw code."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

from vigil.core import labels
from vigil.core.access import ACTIONS

ROOT = Path(__file__).resolve().parents[2]


def _audit_actions_in_code() -> set[str]:
    """Every literal `action=` given to audit.record (or record_view) in the project."""
    found = set()
    for path in ROOT.rglob("*.py"):
        if "/tests/" in path.as_posix() or "/migrations/" in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(("audit.record", "record")):
                for kw in node.keywords:
                    if kw.arg == "action" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        found.add(kw.value.value)
    return found


def test_every_audit_action_written_by_the_code_has_words():
    actions = _audit_actions_in_code()
    assert len(actions) > 60
    missing = sorted(a for a in actions if a.rsplit(".", 1)[-1] not in labels.AUDIT_VERBS)
    assert not missing, f"add the verb to vigil.core.labels.AUDIT_VERBS: {missing}"


def test_every_permission_has_words_in_both_languages():
    for code in ACTIONS:
        with translation.override("vi"):
            vi = labels.permission_label(code)
        with translation.override("en"):
            en = labels.permission_label(code)
        assert vi != code and en and en != vi, (code, vi, en)


@pytest.mark.parametrize(("lang", "action", "object_type", "words"), [
    ("vi", "incidents.incident.close", "incidents.incident", ("Đóng", "Sự cố")),
    ("en", "incidents.incident.close", "incidents.incident", ("Closed", "Incident")),
    ("en", "set_language", "core.user", ("Changed language", "Account")),
])
def test_audit_codes_read_as_words(lang, action, object_type, words):
    with translation.override(lang):
        assert (labels.audit_action_label(action), labels.object_type_label(object_type)) == words


def test_unknown_codes_fall_back_to_themselves():
    assert labels.object_type_label("intel.stix") == "intel.stix"
    assert labels.audit_action_label("x.y.brand_new") == "x.y.brand_new"


@pytest.mark.django_db
def test_pages_show_words_not_codes(net, client):
    from vigil.core.actors import Actor
    from vigil.core.services.auth import account_set_language

    account_set_language(actor=Actor(user=net.users["auditor"], channel="web"), user=net.users["auditor"], language="en")
    client.force_login(net.users["auditor"])
    html = client.get("/audit/", {"action": "set_language"}).content.decode()
    assert "Changed language" in html and ">set_language<" not in html and "core.user:" not in html
    client.force_login(net.users["admin"])
    roles = client.get("/admin/roles/").content.decode()
    assert "manage_members" not in roles.replace('value="manage_members"', "")
    prefs = client.get("/notifications/preferences/").content.decode()
    assert "<code" not in prefs
