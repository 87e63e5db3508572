"""Page: completeness (scope, missing reasons, target date form for the office)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from vigil.org.models import CompletenessTarget
from vigil.org.services.completeness import completeness_target_set
from vigil.testing import make_user

from .people_factories import actor, complete_body

pytestmark = pytest.mark.django_db


def test_office_sees_all_with_missing_reasons(net, login):
    complete_body(net.prov_a_sub, effective=date(2025, 1, 1))
    resp = login(net.office_staff).get(reverse("org:completeness"))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-unit="tinh-a-tb" data-complete="1"' in html and 'data-unit="bcd-qg" data-complete="0"' in html
    assert "Chưa có trưởng ban" in html and "0/7" in html
    assert 'data-testid="target-form"' not in html  # the office secretary does not approve


def test_province_sees_its_own_units_only(net, login):
    html = login(net.b_analyst).get(reverse("org:completeness")).content.decode()
    assert "tinh-a-tb" not in html and 'data-testid="empty"' in html


def test_as_of_date_and_incomplete_filter(net, login):
    complete_body(net.prov_a_sub, effective=date(2025, 3, 1))
    client = login(net.a_analyst)
    html = client.get(reverse("org:completeness"), {"on": "2025-02-01"}).content.decode()
    assert 'data-unit="tinh-a-tb" data-complete="0"' in html
    html = client.get(reverse("org:completeness"), {"incomplete": "on"}).content.decode()
    assert "tinh-a-tb" not in html
    resp = client.get(reverse("org:completeness"), {"on": "không phải ngày"})
    assert resp.status_code == 200 and 'data-field="on"' in resp.content.decode()


def test_office_head_sets_target_and_passed_target_is_flagged(net, login):
    chief = make_user(net, "office_chief", net.office, "head")
    client = login(chief)
    html = client.get(reverse("org:completeness")).content.decode()
    assert 'data-testid="target-form"' in html
    past = timezone.localdate() - timedelta(days=2)
    resp = client.post(reverse("org:completeness_target"), {"target_date": past.isoformat(), "note": "KL 7"})
    assert resp.status_code == 302 and CompletenessTarget.objects.get().target_date == past
    html = client.get(reverse("org:completeness")).content.decode()
    assert 'data-testid="target-passed"' in html and "Quá hạn" in html
    resp = client.post(reverse("org:completeness_target"), {"target_date": "sai"}, follow=True)
    assert CompletenessTarget.objects.count() == 1 and resp.status_code == 200


def test_others_cannot_set_target(net, login):
    assert login(net.office_staff).post(reverse("org:completeness_target"), {"target_date": "2025-12-31"}).status_code == 403
    assert not CompletenessTarget.objects.exists()


def test_target_shown_to_provinces(net, login):
    completeness_target_set(actor=actor(net.admin), target_date=date(2030, 1, 31))
    html = login(net.a_analyst).get(reverse("org:completeness")).content.decode()
    assert "31/01/2030" in html and 'data-testid="target-passed"' not in html
