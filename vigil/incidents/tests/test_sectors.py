"""The sector of an incident is chosen from a translated list kept as reference data
(issue 13: it was free text expecting English codes, and it decides the statutory
reports): pages offer the list, the services refuse a code not in it naming the field,
the API lists the codes, and a sector since retired stays on the incidents that name it."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vigil.core.actors import Actor
from vigil.incidents import reference as reference_data
from vigil.incidents.forms.intake import TriageForm
from vigil.incidents.services import intake, triage
from vigil.org.models import Sector
from vigil.org.reference import upsert_sectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref(net):
    reference_data.load_all()
    return net


def new(net, **kw):
    return intake.incident_report(actor=Actor(user=net.users["a_analyst"]), title="Mã độc tại ngân hàng", **kw)


def triage_as(net, incident, **kw):
    return triage.incident_triage(actor=Actor(user=net.users["a_analyst"]), incident=incident,
                                  incident_type="malicious-code:infected-system", impact=3, urgency=3, **kw)


def test_every_code_a_reporting_stage_names_is_a_sector(ref):
    from vigil.incidents.models import ReportingStage

    named = set(ReportingStage.objects.exclude(sector="").values_list("sector", flat=True))
    assert named and named <= set(Sector.objects.filter(is_active=True).values_list("code", flat=True))


def test_a_known_sector_decides_the_stages_and_a_typed_one_is_refused(ref):
    done = triage_as(ref, new(ref), sector="banking")
    assert done.sector == "banking"
    with pytest.raises(ValidationError) as exc:
        triage_as(ref, new(ref), sector="Ngân hàng")
    assert "sector" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        new(ref, sector="banks")
    assert "sector" in exc.value.message_dict


def test_the_triage_form_offers_the_list_in_the_readers_language(ref):
    incident = new(ref)
    for lang, banking in (("vi", "Ngân hàng"), ("en", "Banking")):
        with translation.override(lang):
            form = TriageForm(user=ref.users["a_analyst"], types=None, incident=incident)
            choices = dict(form.fields["sector"].choices)
        assert choices["banking"] == banking and "" in choices and "government" in choices


def test_a_retired_sector_stays_on_its_incidents_until_changed(ref, tmp_path):
    incident = triage_as(ref, new(ref), sector="chemicals")
    (tmp_path / "sectors.toml").write_text(
        '[[sector]]\ncode = "banking"\nname = "Ngân hàng"\nname_en = "Banking"\n', encoding="utf-8")
    upsert_sectors(tmp_path)
    assert not Sector.objects.get(code="chemicals").is_active
    kept = triage_as(ref, incident, sector="chemicals", version=incident.version)  # unchanged: accepted
    assert kept.sector == "chemicals"
    form = TriageForm(user=ref.users["a_analyst"], types=None, incident=kept)
    assert "chemicals" in dict(form.fields["sector"].choices)
    with pytest.raises(ValidationError):
        triage_as(ref, new(ref), sector="chemicals")  # no longer offered to new incidents


def test_the_api_lists_the_sectors_and_names_the_field_of_a_bad_one(ref, api_client):
    client = api_client(ref.users["a_analyst"])
    codes = [s["code"] for s in client.get("/api/v1/org/sectors").json()]
    assert "banking" in codes and "other" in codes
    bad = client.post("/api/v1/incidents/reports", {"title": "Thử", "sector": "banks"}, content_type="application/json")
    assert bad.status_code in (400, 422) and "sector" in bad.content.decode()
