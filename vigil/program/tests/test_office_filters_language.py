"""Filter choices built from labels are read in each request's language (issue 13: the
unit task list's "Relation" filter showed "Tất cả" in English)."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_unit_task_filters_read_in_the_readers_language(net):
    from django.utils import translation

    from vigil.program.forms.office import UnitTasksFilterForm

    with translation.override("en"):
        choices = dict(UnitTasksFilterForm(user=net.a_analyst).fields["relation"].choices)
    assert "Tất cả" not in choices.values() and choices["any"] == "All"
