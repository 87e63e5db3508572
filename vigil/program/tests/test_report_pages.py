"""The pre-meeting report page: choose, preview, download (audited)."""

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from vigil.core.models import AuditEntry

from .test_report_premeeting import build_world, days

PAGE = "/program/reports/premeeting/"


@pytest.fixture
def world(net):
    return build_world(net)


def test_page_is_in_the_menu_and_offers_the_visible_meetings(world, login):
    client = login(world.net.users["office_staff"])
    resp = client.get(PAGE)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert reverse("program:report_premeeting") == PAGE
    assert f'href="{PAGE}"' in body  # the navigation entry
    assert "Phiên họp thứ hai" in body and 'data-testid="report-preview-body"' not in body


def test_preview_shows_each_section_and_download_links(world, login):
    client = login(world.net.users["office_staff"])
    resp = client.get(PAGE, {"meeting": world.target.pk})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "Tình hình thực hiện kết luận, nhiệm vụ từ ngày" in body
    assert body.count('data-testid="report-conclusion-task"') == 2
    assert body.count('data-testid="report-done-task"') == 2
    assert body.count('data-testid="report-overdue-task"') == 1
    assert "Rà soát hệ thống thông tin (tỉnh A)" in body and "Tỉnh A (quá hạn 10 ngày, tiến độ 40%)" in body
    assert "Việc riêng của tỉnh A" not in body
    assert f'href="{PAGE}docx?meeting={world.target.pk}"' in body
    assert f'href="{PAGE}xlsx?meeting={world.target.pk}"' in body


def test_preview_in_english_when_asked(world, login):
    client = login(world.net.users["office_staff"])
    body = client.get(PAGE, {"meeting": world.target.pk, "lang": "en"}).content.decode()
    assert "Tasks completed in the period" in body and "Province A (10 days late, progress 40%)" in body


def test_downloads_are_files_and_each_is_an_export_entry(world, login):
    office = world.net.users["office_staff"]
    client = login(office)
    resp = client.get(f"{PAGE}docx", {"meeting": world.target.pk})
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    doc = Document(io.BytesIO(resp.content))
    assert doc.tables[0].cell(0, 0).paragraphs[1].text == "VĂN PHÒNG BAN CHỈ ĐẠO"
    resp = client.get(f"{PAGE}xlsx", {"unit": world.net.units["national"].pk, "since": days(-60).isoformat()})
    assert resp.status_code == 200
    assert load_workbook(io.BytesIO(resp.content)).sheetnames[0] == "Tổng hợp"
    entries = list(AuditEntry.objects.filter(action="export").order_by("seq"))
    assert [(e.actor, e.channel, e.after["format"]) for e in entries] == [(office, "web", "docx"), (office, "web", "xlsx")]


def test_bad_choices_are_form_errors_not_server_errors(world, login):
    client = login(world.net.users["office_staff"])
    resp = client.get(PAGE, {"unit": world.net.units["national"].pk, "since": "2026-13-45"})
    assert resp.status_code == 400 and 'data-testid="error-since"' in resp.content.decode()
    resp = client.get(PAGE, {"unit": world.net.units["national"].pk, "until": days(3).isoformat()})
    assert resp.status_code == 400 and 'data-testid="error-until"' in resp.content.decode()
    resp = client.get(PAGE, {"since": days(-3).isoformat()})
    assert resp.status_code == 400 and 'data-testid="error-unit"' in resp.content.decode()
    resp = client.get(PAGE, {"meeting": "999999"})
    assert resp.status_code == 400 and 'data-testid="error-meeting"' in resp.content.decode()
    resp = client.get(f"{PAGE}docx")
    assert resp.status_code == 400
    assert client.post(f"{PAGE}docx", {}).status_code == 405
    assert not AuditEntry.objects.filter(action="export").exists()


def test_sibling_province_sees_only_its_own_part(world, login):
    client = login(world.net.users["b_analyst"])
    body = client.get(PAGE).content.decode()
    assert "Phiên họp thứ hai" not in body  # not a meeting B may see
    resp = client.get(PAGE, {"meeting": world.target.pk})
    assert resp.status_code == 400 and 'data-testid="error-meeting"' in resp.content.decode()
    body = client.get(PAGE, {"unit": world.net.units["national"].pk, "since": days(-60).isoformat()}).content.decode()
    assert "Rà soát hệ thống thông tin (tỉnh B)" in body
    assert "tỉnh A" not in body and "Tỉnh A" not in body


def test_responder_previews_without_download_buttons_and_cannot_download(world, login):
    client = login(world.net.users["a_dept"])
    params = {"unit": world.net.units["prov_a_dept"].pk, "since": days(-60).isoformat()}
    body = client.get(PAGE, params).content.decode()
    assert 'data-testid="report-preview-body"' in body and 'data-testid="report-docx"' not in body
    assert client.get(f"{PAGE}docx", params).status_code == 403


def test_anonymous_is_sent_to_login(client):
    resp = client.get(PAGE)
    assert resp.status_code == 302 and "/login/" in resp["Location"]
