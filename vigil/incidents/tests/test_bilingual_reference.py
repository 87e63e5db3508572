"""Incident classes, types, statutory report stages and checklist templates are reference
data with both names, shown in the reader's language (issue 13: in English they stayed
Vietnamese)."""

import pytest
from django.utils import translation

from vigil.incidents import reference as reference_data
from vigil.incidents.forms.workflow import IncidentFilterForm
from vigil.incidents.models import ChecklistTemplate, IncidentClass, IncidentType, ReportingStage

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref(net):
    reference_data.load_all()
    return net


@pytest.mark.parametrize("model", [IncidentClass, IncidentType, ReportingStage, ChecklistTemplate])
def test_every_reference_row_reads_in_both_languages(ref, model):
    rows = list(model.objects.all())
    assert rows
    for row in rows:
        with translation.override("en"):
            assert str(row) == row.display_name == (row.name_en or row.name)
        with translation.override("vi"):
            assert str(row) == row.display_name == row.name


def test_the_type_picker_speaks_the_readers_language(ref):
    phishing = IncidentType.objects.get(code="fraud:phishing")
    with translation.override("en"):
        choices = dict(IncidentFilterForm(user=ref.users["a_analyst"]).fields["incident_type"].choices)
    assert any(phishing.name_en in str(label) for label in choices.values())
    assert not any(phishing.name == str(label) for label in choices.values())
