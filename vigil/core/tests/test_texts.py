"""System-written texts kept as a message and its parameters, read in each reader's
language (issue 13): the incident timeline's sentences, in the API and on the page."""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext_lazy

from vigil.core.texts import render_stored, stored

pytestmark = pytest.mark.django_db


def test_a_kept_message_reads_in_the_active_language(net):
    entry = stored(gettext_lazy("Quá hạn %(clock)s (hạn %(due)s); leo thang mức %(level)s tới %(unit)s."),
                   clock=gettext_lazy("xác nhận tiếp nhận"), due=dt.datetime(2026, 3, 5, 9, 30, tzinfo=dt.UTC),
                   level=1, unit=net.units["prov_a"])
    assert entry["id"].startswith("Quá hạn") and entry["params"]["unit"] == {"vi": "Tỉnh A", "en": "Province A"}
    with translation.override("vi"):
        vi = render_stored(entry)
    with translation.override("en"):
        en = render_stored(entry)
    assert "Tỉnh A" in vi and "05/03/2026" in vi
    assert "Province A" in en and "Mar 2026" in en and "Quá hạn" not in en


def test_a_plural_message_keeps_its_count():
    entry = stored(ngettext_lazy("Lập lịch %(n)s báo cáo theo quy định.", "Lập lịch %(n)s báo cáo theo quy định.", "n"),
                   n=1)
    with translation.override("en"):
        one = render_stored(entry)
        entry["n"] = entry["params"]["n"] = 3
        three = render_stored(entry)
    assert one == "Scheduled 1 statutory report." and three == "Scheduled 3 statutory reports."


def test_not_a_message_renders_nothing():
    assert render_stored(None) == "" and render_stored({"id": 3}) == ""
    assert render_stored({"id": "%(x)s", "params": {}}) == ""  # a broken entry never raises


def test_the_incident_timeline_reads_in_the_readers_language(net, api_client, client):
    from vigil.core.actors import Actor
    from vigil.incidents import reference as reference_data
    from vigil.incidents.services import intake, triage

    reference_data.load_all()
    incident = intake.incident_report(actor=Actor(user=net.users["a_analyst"]), title="Dò quét", tlp="clear")
    triage.incident_triage(actor=Actor(user=net.users["a_analyst"]), incident=incident,
                           incident_type="information-gathering:scanner", impact=2, urgency=2)
    stored_texts = list(incident.timeline.values_list("text", flat=True))
    assert any(t.startswith("Phân loại:") for t in stored_texts)  # kept in the platform's language too
    api = api_client(net.users["a_analyst"])
    english = api.get(f"/api/v1/incidents/{incident.pk}/timeline", HTTP_ACCEPT_LANGUAGE="en").json()
    texts = " ".join(e["text"] for e in english)
    assert "Triaged: " in texts and "Incident report received through" in texts, texts
    assert "Phân loại:" not in texts and "Tiếp nhận báo cáo" not in texts
    client.force_login(net.users["a_analyst"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Triaged: " in page and "Phân loại:" not in page
