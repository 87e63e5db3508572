"""Administrators decide which roles require a second factor: page, API, service, audit."""

import pytest
from django.test import Client

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied
from vigil.core.models import AuditEntry
from vigil.core.services.roles import role_set_2fa
from vigil.org.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin(net):
    """A holder of the `admin` role at the committee office (network-wide), not a superuser."""
    from vigil.testing import make_user

    return make_user(net, "net_admin", net.office, "admin")


def test_service_sets_requirement_with_audit(net, platform_admin):
    role = Role.objects.get(code="head")
    role_set_2fa(actor=Actor(user=platform_admin), role=role, required=True)
    role.refresh_from_db()
    assert role.requires_2fa
    entry = AuditEntry.objects.get(action="update", object_type="org.role", object_id=str(role.pk))
    assert entry.before["requires_2fa"] is False and entry.after["requires_2fa"] is True
    assert entry.actor == platform_admin


def test_non_admins_cannot_set_requirement(net):
    role = Role.objects.get(code="head")
    for user in (net.a_head, net.office_staff, net.auditor):
        with pytest.raises(AccessDenied):
            role_set_2fa(actor=Actor(user=user), role=role, required=True)
    role.refresh_from_db()
    assert not role.requires_2fa


def test_roles_page_lists_and_edits(net, platform_admin, login):
    client = login(platform_admin)
    page = client.get("/admin/roles/")
    assert page.status_code == 200
    assert 'data-code="analyst"' in page.content.decode()
    role = Role.objects.get(code="analyst")
    assert client.get(f"/admin/roles/{role.pk}/").status_code == 200
    response = client.post(f"/admin/roles/{role.pk}/", {"requires_2fa": "on"})
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.requires_2fa
    response = client.post(f"/admin/roles/{role.pk}/", {})
    role.refresh_from_db()
    assert response.status_code == 302 and not role.requires_2fa


def test_roles_page_is_refused_to_others(net, login):
    role = Role.objects.get(code="analyst")
    client = login(net.a_head)
    assert client.get("/admin/roles/").status_code == 403
    assert client.post(f"/admin/roles/{role.pk}/", {"requires_2fa": "on"}).status_code == 403
    role.refresh_from_db()
    assert not role.requires_2fa
    assert Client().get("/admin/roles/")["Location"].startswith("/login/")


def test_roles_api(net, platform_admin, api_client):
    role = Role.objects.get(code="secretary")
    admin = api_client(platform_admin)
    listed = admin.get("/api/v1/core/roles").json()
    assert {"secretary", "analyst"} <= {r["code"] for r in listed}
    patched = admin.patch(f"/api/v1/core/roles/{role.pk}", {"requires_2fa": True}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["requires_2fa"] is True
    assert admin.get(f"/api/v1/core/roles/{role.pk}").json()["requires_2fa"] is True

    # the secretary role now requires 2FA: office_staff (a secretary, no device) is refused
    secretary = api_client(net.office_staff).get("/api/v1/core/roles")
    assert secretary.status_code == 403 and secretary.json()["type"].endswith("second-factor-required")
    other = api_client(net.a_analyst)
    assert other.get("/api/v1/core/roles").status_code == 200
    refused = other.patch(f"/api/v1/core/roles/{role.pk}", {"requires_2fa": False}, content_type="application/json")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    bad = admin.patch(f"/api/v1/core/roles/{role.pk}", {"requires_2fa": "maybe"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "requires_2fa"
    assert admin.patch("/api/v1/core/roles/999999", {"requires_2fa": True}, content_type="application/json").status_code == 404
    role.refresh_from_db()
    assert role.requires_2fa
