"""The pre-meeting report through the API: the JSON preview and the two files."""

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from vigil.core.models import AuditEntry

from .test_report_premeeting import build_world, days

URL = "/api/v1/program/premeeting-report"


@pytest.fixture
def world(net):
    return build_world(net)


def test_preview_returns_every_section(world, api_client):
    client = api_client(world.net.users["office_staff"])
    resp = client.get(URL, {"meeting_id": world.target.pk})
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert data["unit_code"] == "bcd-qg" and data["previous_meeting_id"] == world.previous.pk
    assert data["since"] == days(-60).isoformat()
    (meeting,) = data["meetings"]
    assert [c["number"] for c in meeting["conclusions"]] == [1, 2, 3]
    assert meeting["conclusions"][0]["tasks"][0]["children"] == {"overdue": 1, "done_on_time": 1}
    assert {t["title"] for g in data["done"] for t in g["tasks"]} == {
        "Rà soát hệ thống thông tin (tỉnh B)", "Xây dựng quy chế phối hợp",
    }
    assert [(t["title"], t["days_late"]) for t in data["overdue"]] == [("Rà soát hệ thống thông tin (tỉnh A)", 10)]
    assert data["late_parents"][0]["late"][0]["lead_unit"] == "Tỉnh A"
    assert data["summary"]["total"] == 5 and data["summary"]["pct_on_time"] == 20.0
    assert data["extensions"][0]["reason"] == "Cần thêm thời gian rà soát"
    # A preview is a read, not an export.
    assert not AuditEntry.objects.filter(action="export").exists()


def test_preview_language_follows_lang_then_accept_language_then_the_user(world, api_client):
    office = world.net.users["office_staff"]
    client = api_client(office)
    assert client.get(URL, {"meeting_id": world.target.pk, "lang": "en"}).json()["overdue"][0]["status_label"] == "Overdue"
    en = client.get(URL, {"meeting_id": world.target.pk}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert en["language"] == "en" and en["overdue"][0]["lead_unit"] == "Province A"
    office.language = "en"
    office.save()
    assert api_client(office).get(URL, {"meeting_id": world.target.pk}).json()["language"] == "en"


def test_docx_and_xlsx_downloads_are_files_and_audited(world, api_client):
    client = api_client(world.net.users["office_staff"])
    resp = client.get(f"{URL}/docx", {"meeting_id": world.target.pk})
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in resp["Content-Disposition"] and ".docx" in resp["Content-Disposition"]
    doc = Document(io.BytesIO(resp.content))
    assert doc.tables[0].cell(0, 1).paragraphs[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    resp = client.get(f"{URL}/xlsx", {"unit": "bcd-qg", "since": days(-60).isoformat()})
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    assert "Quá hạn" in wb.sheetnames
    entries = AuditEntry.objects.filter(action="export").order_by("seq")
    assert [(e.after["format"], e.channel) for e in entries] == [("docx", "api"), ("xlsx", "api")]


def test_bad_input_gets_a_problem_naming_the_field(world, api_client):
    client = api_client(world.net.users["office_staff"])
    resp = client.get(URL)
    assert resp.status_code == 400 and resp["Content-Type"] == "application/problem+json"
    assert "unit" in str(resp.json())
    resp = client.get(URL, {"unit": "bcd-qg", "since": days(-1).isoformat(), "until": days(-5).isoformat()})
    assert resp.status_code == 400 and "since" in str(resp.json())
    assert client.get(URL, {"unit": "bcd-qg", "since": "31/02/2026"}).status_code in (400, 422)
    assert client.get(URL, {"unit": "khong-co"}).status_code == 404
    assert client.get(f"{URL}/docx", {"unit": "bcd-qg", "since": days(-60).isoformat(), "lang": "fr"}).status_code == 400


def test_sibling_province_cannot_open_the_other_provinces_meeting_report(world, api_client):
    client = api_client(world.net.users["b_analyst"])
    a_meeting = world.target.__class__.objects.create(
        body_unit=world.net.units["prov_a_sub"], title="Họp tiểu ban tỉnh A", held_on=days(-1),
    )
    for path in ("", "/docx", "/xlsx"):
        assert client.get(f"{URL}{path}", {"meeting_id": a_meeting.pk, "since": days(-30).isoformat()}).status_code == 404
    data = client.get(URL, {"unit": "bcd-qg", "since": days(-60).isoformat()}).json()
    assert "tỉnh A" not in str(data) and "Tỉnh A" not in str(data)


def test_responder_previews_but_cannot_download(world, api_client):
    client = api_client(world.net.users["a_dept"])
    params = {"unit": "tinh-a-sotc", "since": days(-60).isoformat()}
    assert client.get(URL, params).status_code == 200
    assert client.get(f"{URL}/docx", params).status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


def test_anonymous_gets_401(world, client):
    assert client.get(URL, {"meeting_id": world.target.pk}).status_code == 401
    assert client.get(f"{URL}/docx", {"meeting_id": world.target.pk}).status_code == 401
