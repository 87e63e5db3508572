"""The demo dataset: loads on the reference data, twice without change; logins work;
the provincial subcommittees show the intended mix of complete and incomplete bodies."""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from vigil.core.actors import system_actor
from vigil.core.models import AuditEntry
from vigil.org import demo
from vigil.org.reference import load_all
from vigil.org.selectors.completeness import completeness_list

pytestmark = pytest.mark.django_db


def counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in ("core", "org") and m is not AuditEntry and not m._meta.proxy
    }


@pytest.fixture
def loaded(db):
    load_all()
    logins = demo.load(actor=system_actor("cli"))
    return logins


def test_loading_twice_changes_nothing(loaded):
    before = counts()
    audit_before = AuditEntry.objects.count()
    again = demo.load(actor=system_actor("cli"))
    assert again == loaded
    assert counts() == before
    assert AuditEntry.objects.count() == audit_before
    assert before["org.Person"] >= 50 and before["org.MembershipDecision"] >= 8


def test_logins_work_and_cover_the_positions(loaded):
    names = {username for username, _p, _w in loaded}
    assert {"vanphong", "phantich", "hanoi", "hcm", "botaichinh", "kiemtoan", "quantri"} <= names
    for username, password, who in loaded:
        assert len(password) >= 12 and who
        client = Client()
        resp = client.post(reverse("core:login"), {"username": username, "password": password})
        assert resp.status_code == 302 and "/login" not in resp["Location"], username
        assert client.get(reverse("org:person_list")).status_code == 200


def test_completeness_mix_and_red_decision(loaded):
    from vigil.core.models import User

    office = User.objects.get(username="vanphong")
    rows = {s.unit.code: s for s in completeness_list(user=office)}
    assert rows["ha-noi-tb"].complete and rows["ho-chi-minh-tb"].complete and rows["bcd-qg"].complete
    assert rows["da-nang-tb"].missing_codes == ["no_head"]
    assert rows["hai-phong-tb"].missing_codes == ["too_few_members"]
    assert rows["can-tho-tb"].missing_codes == ["no_decision"]
    assert not rows["hue-tb"].complete
    # the Hà Nội focal point sees Hà Nội only
    hanoi = User.objects.get(username="hanoi")
    assert {s.unit.code for s in completeness_list(user=hanoi)} == {"ha-noi-tb"}
    # the TLP:RED draft is seen by its recipients only
    from vigil.org.selectors.decisions import decision_list

    red = [d.number for d in decision_list(user=User.objects.get(username="vanphong"), tlp="red")]
    assert red == ["512/QĐ-UBND-M"]
    assert not decision_list(user=User.objects.get(username="phantich"), tlp="red").exists()


def test_every_people_page_renders_for_every_demo_login(loaded):
    from vigil.core.models import User
    from vigil.org.models import MembershipDecision, Person, Unit

    urls = [reverse("org:person_list"), reverse("org:decision_list"), reverse("org:completeness")]
    urls += [reverse("org:person_detail", args=[p.pk]) for p in Person.objects.order_by("pk")[:60:15]]
    urls += [reverse("org:decision_detail", args=[d.pk]) for d in MembershipDecision.objects.all()]
    urls += [reverse("org:unit_detail", args=[Unit.objects.get(code=c).pk]) for c in ("ha-noi-tb", "da-nang-tb", "bcd-qg")]
    for username in ("vanphong", "hanoi", "botaichinh", "kiemtoan"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in urls:
            status = client.get(url).status_code
            assert status in (200, 404), (username, url, status)
