"""Pages, API, CLI and demo of the registry, and the sibling-province access rule on each."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from vigil.assets.models import InformationSystem
from vigil.assets.services import systems as svc
from vigil.core.actors import Actor, system_actor
from vigil.core.models import AuditEntry

pytestmark = pytest.mark.django_db

CPE = "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"
CSV = ("Mã đơn vị,Mã hệ thống,Tên hệ thống,Cấp độ,Địa chỉ\n"
       "tinh-a,imp1,Hệ thống nhập 1,2,192.0.2.50\n"
       "tinh-a,imp2,Hệ thống nhập 2,9,\n")


@pytest.fixture
def sys_a(net):
    system = svc.system_create(
        actor=Actor(user=net.a_analyst), owner_unit=net.prov_a, code="a-dvc", name="MARKER-A-SYSTEM Cổng A",
        level=3, addresses=["192.0.2.10", "dvc.tinh-a.example"], software=[CPE],
    )
    return system


# --------------------------------------------------------------------------- pages


def test_list_and_detail_pages(net, login, sys_a):
    client = login(net.a_analyst)
    page = client.get(reverse("assets:system_list"), {"q": "dvc", "level": "3"})
    assert page.status_code == 200 and "MARKER-A-SYSTEM" in page.content.decode()
    detail = client.get(reverse("assets:system_detail", args=[sys_a.pk]))
    body = detail.content.decode()
    assert detail.status_code == 200 and "192.0.2.10/32" in body and "http_server" in body
    assert 'data-testid="system-edit"' in body
    svc.system_create(actor=Actor(user=net.a_analyst), owner_unit=net.prov_a_dept, code="dept", name="MARKER-DEPT")
    subtree = client.get(reverse("assets:system_list"), {"unit": net.prov_a.pk}).content.decode()
    only = client.get(reverse("assets:system_list"), {"unit": net.prov_a.pk, "only_unit": "on"}).content.decode()
    assert "MARKER-DEPT" in subtree and "MARKER-DEPT" not in only and "MARKER-A-SYSTEM" in only


def test_create_edit_and_children_through_pages(net, login):
    client = login(net.a_analyst)
    response = client.post(reverse("assets:system_create"), {
        "owner_unit": net.prov_a.pk, "code": "web", "name": "Trang thông tin", "hosting": "cloud",
        "status": "operating", "level": "2", "addresses": "198.51.100.1\nweb.tinh-a.example", "software": CPE,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    system = InformationSystem.objects.get(code="web")
    assert system.addresses.count() == 2 and system.software.count() == 1
    bad = client.post(reverse("assets:system_create"), {
        "owner_unit": net.prov_a.pk, "code": "web2", "name": "X", "hosting": "cloud", "status": "operating",
        "level": "", "software": "apache 2.4",
    })
    assert bad.status_code == 400 and "cpe:2.3" in bad.content.decode()
    assert not InformationSystem.objects.filter(code="web2").exists()
    edit = client.post(reverse("assets:system_edit", args=[system.pk]), {
        "owner_unit": net.prov_a.pk, "code": "web", "name": "Trang thông tin điện tử", "hosting": "cloud",
        "status": "operating", "level": "2",
    })
    assert edit.status_code == 302
    bad_cpe = client.post(reverse("assets:software_add", args=[system.pk]), {"cpe": "cpe:2.3:a:x"})
    assert bad_cpe.status_code == 400 and 'data-field="cpe"' in bad_cpe.content.decode()
    client.post(reverse("assets:address_add", args=[system.pk]), {"value": "203.0.113.0/24", "kind": ""})
    address = system.addresses.get(value="203.0.113.0/24")
    client.post(reverse("assets:address_remove", args=[system.pk, address.pk]))
    assert not system.addresses.filter(pk=address.pk).exists()
    client.post(reverse("assets:system_retire", args=[system.pk]))
    system.refresh_from_db()
    assert system.name == "Trang thông tin điện tử" and system.status == "retired"


def test_import_page_all_or_nothing_then_skip(net, login):
    client = login(net.a_analyst)
    good = SimpleUploadedFile("ok.csv", CSV.splitlines(True)[0].encode() + CSV.splitlines(True)[1].encode())
    checked = client.post(reverse("assets:system_import"), {"file": good, "action": "check"})
    assert checked.status_code == 200 and 'data-testid="import-ok"' in checked.content.decode()
    assert not InformationSystem.objects.exists()
    upload = SimpleUploadedFile("ds.csv", CSV.encode(), content_type="text/csv")
    blocked = client.post(reverse("assets:system_import"), {"file": upload, "action": "import"})
    body = blocked.content.decode()
    assert blocked.status_code == 400 and 'data-testid="import-error"' in body and ">3<" in body
    assert not InformationSystem.objects.exists()
    upload = SimpleUploadedFile("ds.csv", CSV.encode(), content_type="text/csv")
    done = client.post(reverse("assets:system_import"), {"file": upload, "action": "import", "skip_bad_lines": "on"})
    assert done.status_code == 200
    assert list(InformationSystem.objects.values_list("code", flat=True)) == ["imp1"]


def test_export_page_downloads_xlsx(net, login, sys_a):
    response = login(net.a_analyst).get(reverse("assets:system_export"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["B2"].value == "a-dvc"


def test_sibling_province_cannot_see_or_change_through_pages(net, login, sys_a):
    client = login(net.b_analyst)
    listing = client.get(reverse("assets:system_list"))
    assert "MARKER-A-SYSTEM" not in listing.content.decode()
    for name in ("system_detail", "system_edit", "system_delete"):
        assert client.get(reverse(f"assets:{name}", args=[sys_a.pk])).status_code == 404
    assert client.post(reverse("assets:system_retire", args=[sys_a.pk])).status_code == 404
    assert client.post(reverse("assets:address_add", args=[sys_a.pk]), {"value": "192.0.2.99"}).status_code == 404
    address = sys_a.addresses.first()
    assert client.post(reverse("assets:address_remove", args=[sys_a.pk, address.pk])).status_code == 404
    export = client.get(reverse("assets:system_export"), {"format": "csv"})
    assert "MARKER-A-SYSTEM" not in export.content.decode("utf-8-sig")
    sys_a.refresh_from_db()
    assert sys_a.status == "operating" and sys_a.addresses.count() == 2


def test_viewer_cannot_create_or_import(net, login):
    client = login(net.nobody)
    assert client.get(reverse("assets:system_create")).status_code in (403, 302)
    assert client.get(reverse("assets:system_import")).status_code in (403, 302)


# --------------------------------------------------------------------------- API


def test_api_crud(net, api_client):
    client = api_client(net.a_analyst)
    created = client.post("/api/v1/assets/systems", {
        "owner_unit": "tinh-a", "code": "api1", "name": "Hệ thống API", "level": 3,
        "level_decision_number": "5/QĐ", "level_decision_date": "2025-01-05",
        "addresses": ["192.0.2.77"], "software": [CPE],
    }, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    sid = data["id"]
    assert data["addresses"][0]["value"] == "192.0.2.77/32" and data["software"][0]["vendor"] == "apache"
    listing = client.get("/api/v1/assets/systems", {"unit": "tinh-a", "level": 3})
    assert listing.json()["count"] == 1
    patched = client.patch(f"/api/v1/assets/systems/{sid}", {"hosting": "cloud", "review_due": "2026-12-31"},
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["hosting"] == "cloud"
    added = client.post(f"/api/v1/assets/systems/{sid}/addresses", {"value": "https://x.tinh-a.example/a"},
                        content_type="application/json")
    assert added.status_code == 201 and added.json()["kind"] == "url"
    assert client.delete(f"/api/v1/assets/systems/{sid}/addresses/{added.json()['id']}").status_code == 204
    bad = client.post(f"/api/v1/assets/systems/{sid}/software", {"cpe": "cpe:2.3:a:apache"},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cpe"
    sw = client.get(f"/api/v1/assets/systems/{sid}/software").json()
    assert client.delete(f"/api/v1/assets/systems/{sid}/software/{sw[0]['id']}").status_code == 204
    assert client.post(f"/api/v1/assets/systems/{sid}/retire").json()["status"] == "retired"
    assert client.delete(f"/api/v1/assets/systems/{sid}").status_code == 403  # analysts cannot delete
    head = api_client(net.a_head)
    assert head.delete(f"/api/v1/assets/systems/{sid}").status_code == 204


def test_api_import_and_export(net, api_client):
    client = api_client(net.a_analyst)
    blocked = client.post("/api/v1/assets/systems/import", {"file": SimpleUploadedFile("x.csv", CSV.encode())})
    assert blocked.status_code == 422
    errors = blocked.json()["errors"]
    assert errors and all(e["line"] == 3 for e in errors) and errors[0]["column"] == "Cấp độ"
    assert not InformationSystem.objects.exists()
    done = client.post("/api/v1/assets/systems/import",
                       {"file": SimpleUploadedFile("x.csv", CSV.encode()), "skip_bad_lines": "true"})
    assert done.status_code == 200 and done.json()["created"] == 1 and done.json()["skipped_lines"] == [3]
    exported = client.get("/api/v1/assets/systems/export", {"format": "csv"})
    assert exported.status_code == 200 and "imp1" in exported.content.decode("utf-8-sig")
    assert AuditEntry.objects.filter(action="export").exists()


def test_api_sibling_province_is_refused(net, api_client, sys_a):
    client = api_client(net.b_analyst)
    assert "MARKER-A-SYSTEM" not in client.get("/api/v1/assets/systems").content.decode()
    assert client.get(f"/api/v1/assets/systems/{sys_a.pk}").status_code == 404
    assert client.patch(f"/api/v1/assets/systems/{sys_a.pk}", {"name": "x"},
                        content_type="application/json").status_code == 404
    assert client.delete(f"/api/v1/assets/systems/{sys_a.pk}").status_code == 404
    assert client.post(f"/api/v1/assets/systems/{sys_a.pk}/software", {"cpe": CPE},
                       content_type="application/json").status_code == 404
    created = client.post("/api/v1/assets/systems", {"owner_unit": "tinh-a", "code": "x", "name": "x"},
                          content_type="application/json")
    assert created.status_code in (403, 404)
    sys_a.refresh_from_db()
    assert sys_a.name.startswith("MARKER-A-SYSTEM")


# --------------------------------------------------------------------------- CLI and demo


def test_cli_list_show_create_export_import(net, sys_a, tmp_path, capsys):
    call_command("systems", "list", "--as", "a_analyst", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in rows] == ["a-dvc"]
    call_command("systems", "list", "--as", "b_analyst", "--json")
    assert json.loads(capsys.readouterr().out) == []
    call_command("systems", "show", str(sys_a.pk), "--as", "a_analyst", "--json")
    assert json.loads(capsys.readouterr().out)["software"][0]["cpe"] == CPE
    with pytest.raises(CommandError):
        call_command("systems", "show", str(sys_a.pk), "--as", "b_analyst")
    call_command("systems", "create", "--unit", "tinh-a", "--code", "cli1", "--name", "CLI", "--level", "2",
                 "--address", "198.51.100.3", "--cpe", CPE, "--as", "a_analyst", "--json")
    assert json.loads(capsys.readouterr().out)["addresses"][0]["value"] == "198.51.100.3/32"
    with pytest.raises(CommandError) as exc:
        call_command("systems", "create", "--unit", "tinh-a", "--code", "cli2", "--name", "CLI",
                     "--cpe", "bad", "--as", "a_analyst")
    assert "cpe" in str(exc.value)
    target = tmp_path / "out.xlsx"
    call_command("systems", "export", "--format", "xlsx", "--output", str(target), "--as", "a_analyst")
    assert target.exists() and load_workbook(target).active.max_row == 3
    source = tmp_path / "in.csv"
    source.write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("systems", "import", str(source), "--as", "a_analyst")
    assert not InformationSystem.objects.filter(code="imp1").exists()
    assert "Dòng 3" in capsys.readouterr().out
    call_command("systems", "import", str(source), "--skip-bad-lines", "--as", "a_analyst", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["imported"] and out["skipped_lines"] == [3]


def test_cli_reminders_run(net, capsys):
    import datetime as dt

    svc.system_create(actor=system_actor(), owner_unit=net.prov_a, code="r", name="R",
                      review_due=dt.date(2026, 4, 1))
    call_command("systems", "reminders", "run", "--today", "2026-03-31", "--json")
    first = json.loads(capsys.readouterr().out)
    call_command("systems", "reminders", "run", "--today", "2026-03-31", "--json")
    again = json.loads(capsys.readouterr().out)
    assert first["notifications"] > 0 and again["notifications"] == 0


def test_demo_is_idempotent(db):
    from vigil.assets import demo
    from vigil.org import demo as org_demo
    from vigil.org.reference import load_all

    load_all()
    org_demo.load(actor=system_actor())
    demo.load(actor=system_actor())
    count = InformationSystem.objects.count()
    assert count == 12
    assert InformationSystem.objects.filter(national_security_important=True).count() == 1
    demo.load(actor=system_actor())
    assert InformationSystem.objects.count() == count
    from vigil.assets.selectors import systems_for_value

    assert [s.code for s in systems_for_value("https://dichvucong.hanoi.example/thu-tuc")] == ["hn-dvc"]
