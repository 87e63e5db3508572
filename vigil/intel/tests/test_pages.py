"""The intelligence pages: every page renders for a member with values defanged (never
the live URL), forms put a service's error next to its field, the access layer decides
what a sibling province and a TLP:RED outsider see, revoking needs permission, uploads
report bad lines by number and a re-upload changes nothing, and an incident's observables
link to the indicators they match."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from vigil.core.actors import Actor
from vigil.core.models import AuditEntry
from vigil.incidents.services import intake
from vigil.intel.models import ImportJob, Indicator, IndicatorSource, Sighting, Source

from .world import GREEN_DOMAIN, LIVE_URL, RED_NAME, SAFE_URL, make_source, seed

pytestmark = pytest.mark.django_db



def body(resp) -> str:
    return resp.content.decode()


def test_every_intel_page_renders_for_a_member_with_values_defanged(intel, login, tmp_path):
    client = login(intel.a_analyst)
    from vigil.intel.models import Feed, Warninglist

    job = ImportJob.objects.filter(source=intel.amber_source).first()
    wl = Warninglist.objects.order_by("pk").first()
    feed = Feed.objects.create(source=intel.amber_source, name="Danh sách lừa đảo", url="https://feeds.example.org/a.txt")
    incident = intake.incident_report(actor=Actor(user=intel.a_analyst), title="Lừa đảo ngân hàng",
                                      observables=[("url", LIVE_URL)], reporter_unit=intel.prov_a)
    pages = [
        "/intel/indicators/", "/intel/indicators/?status=all&type=url", "/intel/indicators/new/",
        f"/intel/indicators/{intel.url.pk}/", "/intel/sightings/", "/intel/sources/", "/intel/sources/new/",
        f"/intel/sources/{intel.amber_source.pk}/", f"/intel/sources/{intel.amber_source.pk}/edit/",
        "/intel/imports/", "/intel/imports/new/", f"/intel/imports/{job.pk}/", "/intel/feeds/",
        "/intel/feeds/new/", f"/intel/feeds/{feed.pk}/", f"/intel/feeds/{feed.pk}/edit/", "/intel/warninglists/",
        f"/intel/warninglists/{wl.pk}/", "/intel/taxonomies/", f"/intel/incidents/{incident.pk}/indicators/",
    ]
    for url in pages:
        resp = client.get(url)
        assert resp.status_code == 200, (url, body(resp)[:1500])
        assert LIVE_URL not in body(resp), url
    assert SAFE_URL in body(client.get("/intel/indicators/"))
    detail = body(client.get(f"/intel/indicators/{intel.url.pk}/"))
    assert SAFE_URL in detail and intel.amber_source.name in detail and 'data-testid="score"' in detail
    assert SAFE_URL in body(client.get(f"/intel/incidents/{incident.pk}/indicators/"))


def test_indicator_list_filters_pages_by_cursor_and_links_each_export_format(intel, login):
    from vigil.intel.formats import EXPORTERS

    client = login(intel.a_analyst)
    page = body(client.get("/intel/indicators/?type=ipv4"))
    assert "185.220.101[.]7" in page and SAFE_URL not in page
    for code in EXPORTERS:
        assert f"/api/v1/intel/exports/{code}?type=ipv4" in page
    seed(intel, intel.amber_source, "".join(f"trang-{i:02d}.xyz\n" for i in range(55)))
    first = client.get("/intel/indicators/?type=domain")
    assert body(first).count('data-testid="indicator-row"') == 50
    cursor = first.context["next_cursor"]
    assert cursor and 'data-testid="next-page"' in body(first)
    second = client.get(f"/intel/indicators/?type=domain&cursor={cursor}")
    assert body(second).count('data-testid="indicator-row"') == 6  # 55 + the green domain
    assert not second.context["next_cursor"]
    bad = client.get("/intel/indicators/?max_tlp=purple&min_confidence=x")
    assert bad.status_code == 200 and 'data-field="max_tlp"' in body(bad)


def test_adding_an_indicator_with_a_bad_value_shows_the_error_next_to_the_field(intel, login):
    client = login(intel.a_analyst)
    resp = client.post("/intel/indicators/new/", {"type": "ipv4", "value": "999.1.1.1", "unit": intel.prov_a.pk,
                                                  "tlp": "amber"})
    assert resp.status_code == 400
    assert 'data-field="value"' in body(resp) and "999.1.1.1" in body(resp)
    ok = client.post("/intel/indicators/new/", {"type": "url", "value": "hxxp://mao-danh[.]xyz/otp", "unit": intel.prov_a.pk,
                                                "tlp": "amber", "confidence": 80, "tags": "lừa đảo, phishing"})
    assert ok.status_code == 302
    indicator = Indicator.objects.get(value="http://mao-danh.xyz/otp")
    assert ok["Location"] == f"/intel/indicators/{indicator.pk}/" and indicator.confidence == 80
    page = body(client.get(ok["Location"]))
    assert "hxxp://mao-danh[.]xyz/otp" in page and "phishing" in page and "http://mao-danh.xyz" not in page


def test_sibling_province_gets_404_for_an_amber_indicator_and_sees_green_ones(intel, login):
    client = login(intel.b_analyst)
    assert client.get(f"/intel/indicators/{intel.url.pk}/").status_code == 404
    assert client.post(f"/intel/indicators/{intel.url.pk}/revoke/", {"reason": "x"}).status_code == 404
    assert client.get(f"/intel/sources/{intel.amber_source.pk}/").status_code == 404
    listing = body(client.get("/intel/indicators/"))
    assert "gia-mao-b[.]xyz" in listing and SAFE_URL not in listing
    assert client.get(f"/intel/indicators/{intel.green.pk}/").status_code == 200


def test_a_tlp_red_claim_is_invisible_to_everyone_outside_its_audience(intel, login):
    red = make_source(intel, tlp="red", name=RED_NAME)
    seed(intel, red, f"{GREEN_DOMAIN}\n")
    assert IndicatorSource.objects.filter(indicator=intel.green).count() == 2
    outsider = body(login(intel.b_analyst).get(f"/intel/indicators/{intel.green.pk}/"))
    assert "Nguồn xanh tỉnh A" in outsider and RED_NAME not in outsider
    author = body(login(intel.a_analyst).get(f"/intel/indicators/{intel.green.pk}/"))
    assert RED_NAME in author


def test_revoking_needs_change_permission_and_restoring_puts_it_back(intel, login):
    green = intel.green
    for user in ("a_dept", "b_analyst"):  # they see the GREEN indicator, but it is not theirs to change
        client = login(intel.users[user])
        assert client.get(f"/intel/indicators/{green.pk}/").status_code == 200
        assert 'data-testid="revoke-form"' not in body(client.get(f"/intel/indicators/{green.pk}/"))
        assert client.post(f"/intel/indicators/{green.pk}/revoke/", {"reason": "nhầm"}).status_code == 403, user
    assert login(intel.a_dept).post(f"/intel/indicators/{intel.ip.pk}/revoke/", {"reason": "x"}).status_code == 404
    green.refresh_from_db()
    assert green.revoked_at is None
    client = login(intel.a_analyst)
    empty = client.post(f"/intel/indicators/{green.pk}/revoke/", {"reason": ""})
    assert empty.status_code == 400 and 'data-field="reason"' in body(empty)
    assert client.post(f"/intel/indicators/{green.pk}/revoke/", {"reason": "Máy chủ của ngân hàng"}).status_code == 302
    green.refresh_from_db()
    assert green.status == "revoked"
    page = body(client.get(f"/intel/indicators/{green.pk}/"))
    assert "Máy chủ của ngân hàng" in page and 'data-testid="indicator-restore"' in page
    assert login(intel.a_dept).post(f"/intel/indicators/{green.pk}/restore/").status_code == 403
    assert login(intel.a_analyst).post(f"/intel/indicators/{green.pk}/restore/").status_code == 302
    green.refresh_from_db()
    assert green.revoked_at is None


def test_a_warninglisted_value_says_which_list_holds_it_back(intel, login):
    source = make_source(intel, name="Nguồn thử danh sách cảnh báo")
    seed(intel, source, "google.com\n")
    indicator = Indicator.objects.get(type="domain", value="google.com")
    assert indicator.warning
    client = login(intel.a_analyst)
    page = body(client.get(f"/intel/indicators/{indicator.pk}/"))
    assert indicator.warning in page
    listing = body(client.get("/intel/indicators/?status=warninglisted"))
    assert "google[.]com" in listing and 'data-testid="status-reason"' in listing


def test_recording_a_sighting_checks_the_count_and_shows_it(intel, login):
    client = login(intel.a_analyst)
    bad = client.post(f"/intel/indicators/{intel.url.pk}/sightings/", {"unit": intel.prov_a.pk, "count": 0,
                                                                       "tlp": "amber"})
    assert bad.status_code == 400 and 'data-field="count"' in body(bad)
    ok = client.post(f"/intel/indicators/{intel.url.pk}/sightings/", {"unit": intel.prov_a.pk, "count": 3,
                                                                      "tlp": "amber", "note": "Thấy trên DNS"})
    assert ok.status_code == 302
    assert Sighting.objects.get().count == 3
    assert "Thấy trên DNS" in body(client.get("/intel/sightings/"))


def test_upload_with_a_bad_line_names_its_line_and_a_reupload_changes_nothing(intel, login):
    client = login(intel.a_analyst)
    source = intel.amber_source
    bad = SimpleUploadedFile("lo-1.txt", b"lua-dao-1.xyz\nlua-dao-2.xyz\nkhong hop le!!\n")
    resp = client.post("/intel/imports/new/", {"file": bad, "source": source.pk, "format": "list", "type": "domain"})
    assert resp.status_code == 302
    job = ImportJob.objects.get(filename="lo-1.txt")
    assert job.status == ImportJob.Status.FAILED
    page = body(client.get(resp["Location"]))
    assert '<td data-testid="error-line">3</td>' in page
    assert not Indicator.objects.filter(value="lua-dao-1.xyz").exists()

    good = b"lua-dao-1.xyz\nlua-dao-2.xyz\n"
    first = client.post("/intel/imports/new/", {"file": SimpleUploadedFile("lo-2.txt", good), "source": source.pk,
                                                "format": "list", "type": "domain"})
    assert first.status_code == 302
    assert Indicator.objects.filter(value__in=["lua-dao-1.xyz", "lua-dao-2.xyz"]).count() == 2
    before = sorted(Indicator.objects.values_list("id", "updated_at", "last_seen"))
    claims_before = sorted(IndicatorSource.objects.values_list("id", "updated_at"))
    audit_before = AuditEntry.objects.count()
    again = client.post("/intel/imports/new/", {"file": SimpleUploadedFile("lo-2.txt", good), "source": source.pk,
                                                "format": "list", "type": "domain"})
    assert again["Location"] == first["Location"]
    assert sorted(Indicator.objects.values_list("id", "updated_at", "last_seen")) == before
    assert sorted(IndicatorSource.objects.values_list("id", "updated_at")) == claims_before
    assert AuditEntry.objects.count() == audit_before


def test_upload_form_refuses_a_file_type_and_a_type_the_format_cannot_take(intel, login):
    client = login(intel.a_analyst)
    exe = client.post("/intel/imports/new/", {"file": SimpleUploadedFile("x.exe", b"MZ\x90"), "source": intel.amber_source.pk,
                                              "format": "list"})
    assert exe.status_code == 400 and 'data-field="file"' in body(exe)
    hosts = client.post("/intel/imports/new/", {"file": SimpleUploadedFile("hosts.txt", b"0.0.0.0 a.xyz\n"),
                                                "source": intel.amber_source.pk, "format": "hosts", "type": "url"})
    assert hosts.status_code == 400 and 'data-field="type"' in body(hosts)
    options = client.post("/intel/imports/new/", {"file": SimpleUploadedFile("a.txt", b"a.xyz\n"),
                                                  "source": intel.amber_source.pk, "format": "list", "options": "{x"})
    assert options.status_code == 400 and 'data-field="options"' in body(options)
    foreign = make_source(intel, user="b_analyst", unit="prov_b", name="Nguồn tỉnh B")
    other = client.post("/intel/imports/new/", {"file": SimpleUploadedFile("a.txt", b"a.xyz\n"),
                                                "source": foreign.pk, "format": "list"})
    assert other.status_code == 400 and 'data-field="source"' in body(other)


def test_sources_are_created_shared_edited_and_deleted_through_their_pages(intel, login):
    client = login(intel.a_analyst)
    fields = {"kind": "partner", "reliability": "B", "default_confidence": 60, "tlp": "amber", "is_active": "on"}
    dup = client.post("/intel/sources/new/", {"owner_unit": intel.prov_a.pk, "name": intel.amber_source.name, **fields})
    assert dup.status_code == 400 and 'data-field="name"' in body(dup)
    foreign = client.post("/intel/sources/new/", {"owner_unit": intel.prov_b.pk, "name": "Không được", **fields})
    assert foreign.status_code == 400 and 'data-field="owner_unit"' in body(foreign)

    agency = login(intel.agency_analyst)
    resp = agency.post("/intel/sources/new/", {"owner_unit": intel.agency.pk, "name": "Đối tác ngân hàng",
                                               "shared_with": [intel.prov_b.pk], **fields})
    assert resp.status_code == 302, body(resp)[:2000]
    source = Source.objects.get(name="Đối tác ngân hàng")
    assert list(source.shared_with.all()) == [intel.prov_b]
    seed(intel, source, "chia-se.xyz\n", user="agency_analyst")
    shared = login(intel.b_analyst).get(f"/intel/sources/{source.pk}/")
    assert shared.status_code == 200 and 'data-testid="claim-count">1' in body(shared)
    edit = login(intel.agency_analyst).post(f"/intel/sources/{source.pk}/edit/", {
        "name": "Đối tác ngân hàng", **fields, "reliability": "A"})
    assert edit.status_code == 302
    source.refresh_from_db()
    assert source.reliability == "A" and not source.shared_with.exists()
    assert login(intel.b_analyst).get(f"/intel/sources/{source.pk}/").status_code == 404

    mine = intel.amber_source
    assert login(intel.a_analyst).get(f"/intel/sources/{mine.pk}/delete/").status_code == 403  # analysts do not delete
    head = login(intel.a_head)
    assert head.get(f"/intel/sources/{mine.pk}/delete/").status_code == 200
    assert head.post(f"/intel/sources/{mine.pk}/delete/").status_code == 302
    assert not Source.objects.filter(pk=mine.pk).exists()
    assert not Indicator.objects.filter(type="url").exists()


def test_a_feed_is_created_and_run_from_its_page(intel, login, tmp_path):
    path = tmp_path / "feed.txt"
    path.write_text("feed-1.xyz\nfeed-2.xyz\n", encoding="utf-8")
    client = login(intel.a_analyst)
    with override_settings(INTEL_FEED_PATHS=[str(tmp_path)]):
        bad = client.post("/intel/feeds/new/", {"source": intel.amber_source.pk, "name": "Tệp lừa đảo",
                                                "format": "list", "interval_minutes": 60, "enabled": "on"})
        assert bad.status_code == 400 and 'data-field="url"' in body(bad)
        resp = client.post("/intel/feeds/new/", {"source": intel.amber_source.pk, "name": "Tệp lừa đảo",
                                                 "path": str(path), "format": "list", "indicator_type": "domain",
                                                 "interval_minutes": 60, "enabled": "on"})
        assert resp.status_code == 302, body(resp)[:2000]
        run = client.post(resp["Location"] + "run/")
        assert run.status_code == 302
    page = body(client.get(resp["Location"]))
    assert 'data-testid="run-row"' in page
    assert Indicator.objects.filter(value__in=["feed-1.xyz", "feed-2.xyz"]).count() == 2
    assert login(intel.b_analyst).get(resp["Location"]).status_code == 404


def test_only_network_administrators_switch_a_warninglist(intel, login):
    from vigil.intel.models import Warninglist

    wl = Warninglist.objects.filter(enabled=True).order_by("pk").first()
    assert 'data-testid="wl-toggle"' not in body(login(intel.a_analyst).get(f"/intel/warninglists/{wl.pk}/"))
    assert login(intel.a_analyst).post(f"/intel/warninglists/{wl.pk}/toggle/", {"enabled": "0"}).status_code == 403
    admin = login(intel.admin)
    assert admin.post(f"/intel/warninglists/{wl.pk}/toggle/", {"enabled": "0"}).status_code == 302
    wl.refresh_from_db()
    assert not wl.enabled


def test_the_incident_page_lists_observables_with_their_indicators_and_promotes_the_rest(intel, login):
    incident = intake.incident_report(
        actor=Actor(user=intel.a_analyst), title="Chiến dịch lừa đảo", reporter_unit=intel.prov_a,
        observables=[("url", LIVE_URL), ("domain", "moi-thay.xyz")],
    )
    client = login(intel.a_analyst)
    page = body(client.get(f"/intel/incidents/{incident.pk}/indicators/"))
    assert SAFE_URL in page and "moi-thay[.]xyz" in page and LIVE_URL not in page
    assert f'href="/intel/indicators/{intel.url.pk}/"' in page
    assert page.count('data-testid="known-indicator"') == 1
    detail = body(client.get(f"/intel/indicators/{intel.url.pk}/"))
    assert f"/incidents/{incident.pk}/" in detail and incident.reference in detail
    resp = client.post(f"/intel/incidents/{incident.pk}/indicators/promote/", {"unit": intel.prov_a.pk})
    assert resp.status_code == 302
    assert Indicator.objects.filter(type="domain", value="moi-thay.xyz").exists()
    assert body(client.get(resp["Location"])).count('data-testid="known-indicator"') == 2
    assert login(intel.b_analyst).get(f"/intel/incidents/{incident.pk}/indicators/").status_code == 404


def test_the_incident_itself_links_each_observable_to_its_known_indicator(intel, login, api_client):
    incident = intake.incident_report(
        actor=Actor(user=intel.a_analyst), title="Chiến dịch lừa đảo", reporter_unit=intel.prov_a,
        observables=[("url", LIVE_URL), ("domain", "chua-biet.xyz")],
    )
    page = body(login(intel.a_analyst).get(f"/incidents/{incident.pk}/"))
    assert f'href="/intel/indicators/{intel.url.pk}/"' in page
    assert f'href="/intel/incidents/{incident.pk}/indicators/"' in page
    rows = api_client(intel.a_analyst).get(f"/api/v1/incidents/{incident.pk}/observables").json()
    by_value = {r["value"]: r for r in rows}
    assert by_value[LIVE_URL]["indicator_id"] == intel.url.pk
    assert by_value[LIVE_URL]["indicator_status"] == "active"
    assert by_value["chua-biet.xyz"]["indicator_id"] is None
