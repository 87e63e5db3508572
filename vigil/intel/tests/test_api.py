"""The intelligence API: indicators (filters, keyset pages, detail with claims and
correlations, manual add, revoke / restore, sightings), sources, feeds, uploads with
their line-numbered errors, reference data, and the blocklist exports with ETag / 304.
The access layer decides everything a sibling province or a TLP:RED outsider sees."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from vigil.core.actors import Actor
from vigil.core.models import AuditEntry
from vigil.incidents.services import intake
from vigil.intel.formats import EXPORTERS, IMPORTERS
from vigil.intel.models import Feed, Indicator, IndicatorSource, Source, Warninglist

from .world import GREEN_DOMAIN, LIVE_URL, RED_NAME, SAFE_URL, make_source, seed

pytestmark = pytest.mark.django_db

API = "/api/v1/intel"


def errors_of(resp) -> dict:
    return {e["field"]: e["message"] for e in resp.json().get("errors", [])}


# --------------------------------------------------------------------------- indicators


def test_list_filters_and_pages_by_cursor(intel, api_client):
    client = api_client(intel.a_analyst)
    seed(intel, intel.amber_source, "".join(f"trang-{i}.xyz\n" for i in range(5)))
    first = client.get(f"{API}/indicators", {"type": "domain", "limit": 4})
    assert first.status_code == 200
    data = first.json()
    assert len(data["items"]) == 4 and data["next_cursor"]
    second = client.get(f"{API}/indicators", {"type": "domain", "limit": 4, "cursor": data["next_cursor"]}).json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    values = {i["value"] for i in data["items"] + second["items"]}
    assert values == {GREEN_DOMAIN} | {f"trang-{i}.xyz" for i in range(5)}
    url = client.get(f"{API}/indicators", {"q": "hxxp://lua-dao-a[.]xyz/dang-nhap?ngan-hang=1"}).json()["items"]
    assert [(i["value"], i["value_defanged"]) for i in url] == [(LIVE_URL, SAFE_URL)]
    green_only = client.get(f"{API}/indicators", {"max_tlp": "green"}).json()["items"]
    assert [i["value"] for i in green_only] == [GREEN_DOMAIN]


def test_bad_filters_are_problems_naming_the_field(intel, api_client):
    client = api_client(intel.a_analyst)
    bad_tlp = client.get(f"{API}/indicators", {"max_tlp": "purple"})
    assert bad_tlp.status_code == 400 and bad_tlp["Content-Type"] == "application/problem+json"
    assert "max_tlp" in errors_of(bad_tlp)
    assert "type" in errors_of(client.get(f"{API}/indicators", {"type": "ip"}))
    assert "min_confidence" in errors_of(client.get(f"{API}/indicators", {"min_confidence": "abc"}))
    assert "cursor" in errors_of(client.get(f"{API}/indicators", {"cursor": "!!"}))


def test_detail_carries_claims_correlations_and_the_decay_score(intel, api_client):
    incident = intake.incident_report(actor=Actor(user=intel.a_analyst), title="Lừa đảo ngân hàng",
                                      observables=[("url", LIVE_URL)], reporter_unit=intel.prov_a)
    client = api_client(intel.a_analyst)
    client.post(f"{API}/indicators/{intel.url.pk}/sightings", {"unit": "tinh-a", "count": 2},
                content_type="application/json")
    data = client.get(f"{API}/indicators/{intel.url.pk}").json()
    assert data["value_defanged"] == SAFE_URL and data["status"] == "active" and data["score"] > 0
    assert [c["source"]["name"] for c in data["claims"]] == [intel.amber_source.name]
    assert data["observables"] == [{"incident_id": incident.pk, "reference": incident.reference,
                                    "title": "Lừa đảo ngân hàng", "kind": "url", "value_defanged": SAFE_URL}]
    assert [s["count"] for s in data["sightings"]] == [2]


def test_sibling_province_gets_404_for_amber_and_sees_green(intel, api_client):
    client = api_client(intel.b_analyst)
    assert client.get(f"{API}/indicators/{intel.url.pk}").status_code == 404
    assert client.post(f"{API}/indicators/{intel.url.pk}/revoke", {"reason": "x"},
                       content_type="application/json").status_code == 404
    assert client.get(f"{API}/indicators/{intel.url.pk}/sightings").status_code == 404
    listed = {i["value"] for i in client.get(f"{API}/indicators").json()["items"]}
    assert listed == {GREEN_DOMAIN}
    assert client.get(f"{API}/indicators/{intel.green.pk}").status_code == 200
    assert client.get(f"{API}/sources/{intel.amber_source.pk}").status_code == 404
    assert {s["name"] for s in client.get(f"{API}/sources").json()} == {"Nguồn xanh tỉnh A"}


def test_a_tlp_red_claim_is_invisible_outside_its_audience(intel, api_client):
    red = make_source(intel, tlp="red", name=RED_NAME)
    seed(intel, red, f"{GREEN_DOMAIN}\n")
    assert IndicatorSource.objects.filter(indicator=intel.green).count() == 2
    outsider = api_client(intel.b_analyst).get(f"{API}/indicators/{intel.green.pk}")
    assert RED_NAME not in outsider.content.decode()
    assert [c["source"]["name"] for c in outsider.json()["claims"]] == ["Nguồn xanh tỉnh A"]
    head = api_client(intel.a_head).get(f"{API}/indicators/{intel.green.pk}")  # same unit, not a recipient
    assert RED_NAME not in head.content.decode()
    author = api_client(intel.a_analyst).get(f"{API}/indicators/{intel.green.pk}").json()
    assert RED_NAME in {c["source"]["name"] for c in author["claims"]}


def test_manual_indicator_is_created_and_bad_values_name_the_field(intel, api_client):
    client = api_client(intel.a_analyst)
    bad = client.post(f"{API}/indicators", {"type": "ipv4", "value": "999.1.1.1", "unit": "tinh-a"},
                      content_type="application/json")
    assert bad.status_code == 400 and "value" in errors_of(bad)
    unknown = client.post(f"{API}/indicators", {"type": "ipv4", "value": "1.2.3.4", "unit": "khong-co"},
                          content_type="application/json")
    assert unknown.status_code == 400 and "unit" in errors_of(unknown)
    foreign = client.post(f"{API}/indicators", {"type": "domain", "value": "x.xyz", "unit": "tinh-b"},
                          content_type="application/json")
    assert foreign.status_code in (400, 403)
    ok = client.post(f"{API}/indicators", {"type": "phone", "value": "0912 345 678", "unit": "tinh-a", "tlp": "green",
                                           "confidence": 90, "tags": ["lừa đảo"], "attack_ids": ["T1566"]},
                     content_type="application/json")
    assert ok.status_code == 201, ok.content
    data = ok.json()
    assert data["type"] == "phone" and data["value"].startswith("+84") and data["tlp"] == "green"
    detail = client.get(f"{API}/indicators/{data['id']}").json()
    assert detail["claims"][0]["tags"] == ["lừa đảo"] and detail["claims"][0]["attack_ids"] == ["T1566"]


def test_revoke_needs_change_permission_and_restore_puts_it_back(intel, api_client):
    for user in ("a_dept", "b_analyst"):
        resp = api_client(intel.users[user]).post(f"{API}/indicators/{intel.green.pk}/revoke",
                                                  {"reason": "nhầm"}, content_type="application/json")
        assert resp.status_code == 403, user
    client = api_client(intel.a_analyst)
    assert "reason" in errors_of(client.post(f"{API}/indicators/{intel.green.pk}/revoke", {"reason": ""},
                                             content_type="application/json"))
    revoked = client.post(f"{API}/indicators/{intel.green.pk}/revoke", {"reason": "Trang của ngân hàng thật"},
                          content_type="application/json")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_reason"] == "Trang của ngân hàng thật"
    assert GREEN_DOMAIN not in {i["value"] for i in client.get(f"{API}/indicators").json()["items"]}
    assert api_client(intel.a_dept).post(f"{API}/indicators/{intel.green.pk}/restore").status_code == 403
    restored = client.post(f"{API}/indicators/{intel.green.pk}/restore")
    assert restored.status_code == 200 and restored.json()["status"] == "active"
    again = client.post(f"{API}/indicators/{intel.green.pk}/restore")
    assert again.status_code == 400 and "status" in errors_of(again)


def test_sightings_are_recorded_for_own_units_and_listed(intel, api_client):
    client = api_client(intel.a_analyst)
    bad = client.post(f"{API}/indicators/{intel.url.pk}/sightings", {"unit": "tinh-a", "count": 0},
                      content_type="application/json")
    assert bad.status_code == 422 and "count" in errors_of(bad)
    ok = client.post(f"{API}/indicators/{intel.url.pk}/sightings", {"unit": "tinh-a", "count": 4, "note": "DNS"},
                     content_type="application/json")
    assert ok.status_code == 201
    assert ok.json()["indicator_value_defanged"] == SAFE_URL and ok.json()["unit"]["code"] == "tinh-a"
    assert [s["count"] for s in client.get(f"{API}/indicators/{intel.url.pk}/sightings").json()] == [4]
    assert [s["note"] for s in client.get(f"{API}/sightings").json()] == ["DNS"]
    assert api_client(intel.b_analyst).get(f"{API}/sightings").json() == []


# --------------------------------------------------------------------------- sources and feeds


def test_sources_are_created_shared_changed_and_deleted(intel, api_client):
    agency = api_client(intel.agency_analyst)
    resp = agency.post(f"{API}/sources", {"owner_unit": "cqtt", "name": "Đối tác viễn thông", "tlp": "amber",
                                          "reliability": "B", "shared_with": ["tinh-b"]},
                       content_type="application/json")
    assert resp.status_code == 201, resp.content
    source_id = resp.json()["id"]
    assert [u["code"] for u in resp.json()["shared_with"]] == ["tinh-b"] and resp.json()["claim_count"] == 0
    dup = agency.post(f"{API}/sources", {"owner_unit": "cqtt", "name": "Đối tác viễn thông"},
                      content_type="application/json")
    assert dup.status_code == 409 and "name" in errors_of(dup)
    assert api_client(intel.b_analyst).get(f"{API}/sources/{source_id}").status_code == 200
    assert api_client(intel.a_analyst).get(f"{API}/sources/{source_id}").status_code == 404
    patched = agency.patch(f"{API}/sources/{source_id}", {"shared_with": [], "default_confidence": 80},
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["shared_with"] == []
    assert patched.json()["default_confidence"] == 80 and patched.json()["reliability"] == "B"
    assert api_client(intel.b_analyst).get(f"{API}/sources/{source_id}").status_code == 404
    assert api_client(intel.b_analyst).delete(f"{API}/sources/{source_id}").status_code == 404
    assert agency.delete(f"{API}/sources/{source_id}").status_code == 403  # analysts hold no `delete`
    deleted = api_client(intel.admin).delete(f"{API}/sources/{source_id}")
    assert deleted.status_code == 200 and not Source.objects.filter(pk=source_id).exists()


def test_feeds_are_created_run_changed_and_deleted(intel, api_client, tmp_path):
    path = tmp_path / "feed.txt"
    path.write_text("api-feed-1.xyz\napi-feed-2.xyz\n", encoding="utf-8")
    client = api_client(intel.a_analyst)
    with override_settings(INTEL_FEED_PATHS=[str(tmp_path)]):
        both = client.post(f"{API}/feeds", {"source_id": intel.amber_source.pk, "name": "Tệp",
                                            "url": "https://x.example.org/a", "path": str(path)},
                           content_type="application/json")
        assert both.status_code == 400 and "url" in errors_of(both)
        hidden = api_client(intel.b_analyst).post(f"{API}/feeds", {"source_id": intel.amber_source.pk, "name": "T",
                                                                   "path": str(path)}, content_type="application/json")
        assert hidden.status_code == 400 and "source_id" in errors_of(hidden)
        resp = client.post(f"{API}/feeds", {"source_id": intel.amber_source.pk, "name": "Tệp lừa đảo",
                                            "path": str(path), "indicator_type": "domain"},
                           content_type="application/json")
        assert resp.status_code == 201, resp.content
        feed_id = resp.json()["id"]
        run = client.post(f"{API}/feeds/{feed_id}/run")
        assert run.status_code == 200 and run.json()["status"] == "done", run.content
        patched = client.patch(f"{API}/feeds/{feed_id}", {"interval_minutes": 120, "enabled": False},
                               content_type="application/json")
        assert patched.status_code == 200 and patched.json()["interval_minutes"] == 120
        too_often = client.patch(f"{API}/feeds/{feed_id}", {"interval_minutes": 1}, content_type="application/json")
        assert too_often.status_code == 400 and "interval_minutes" in errors_of(too_often)
    assert Indicator.objects.filter(value__in=["api-feed-1.xyz", "api-feed-2.xyz"]).count() == 2
    assert [r["id"] for r in client.get(f"{API}/feeds/{feed_id}/runs").json()] == [run.json()["id"]]
    assert api_client(intel.b_analyst).get(f"{API}/feeds/{feed_id}").status_code == 404
    assert client.delete(f"{API}/feeds/{feed_id}").status_code == 204
    assert not Feed.objects.filter(pk=feed_id).exists()


# --------------------------------------------------------------------------- imports


def upload(client, name, content, **fields):
    data = {"file": SimpleUploadedFile(name, content), "format": "list", **fields}
    return client.post(f"{API}/imports", data)


def test_upload_reports_bad_lines_by_number_and_a_reupload_changes_nothing(intel, api_client):
    client = api_client(intel.a_analyst)
    source_id = intel.amber_source.pk
    bad = upload(client, "lo-1.txt", b"api-1.xyz\napi-2.xyz\nkhong hop le!!\n", source_id=source_id, type="domain")
    assert bad.status_code == 422
    assert [(e["field"], e["line"]) for e in bad.json()["errors"]] == [("file", 3)]
    job_id = int(bad["Location"].rsplit("/", 1)[-1])
    job = client.get(f"{API}/imports/{job_id}").json()
    assert job["status"] == "failed" and job["errors"][0]["line"] == 3
    assert not Indicator.objects.filter(value="api-1.xyz").exists()

    good = b"api-1.xyz\napi-2.xyz\n"
    first = upload(client, "lo-2.txt", good, source_id=source_id, type="domain", confidence=70, tlp="green")
    assert first.status_code == 201, first.content
    assert first.json()["counts"]["created"] == 2 and first.json()["status"] == "done"
    before = sorted(Indicator.objects.values_list("id", "updated_at", "last_seen", "tlp"))
    audit_before = AuditEntry.objects.count()
    again = upload(client, "lo-2.txt", good, source_id=source_id, type="domain", confidence=70, tlp="green")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert sorted(Indicator.objects.values_list("id", "updated_at", "last_seen", "tlp")) == before
    assert AuditEntry.objects.count() == audit_before
    assert first.json()["id"] in [j["id"] for j in client.get(f"{API}/imports").json()]
    assert api_client(intel.b_analyst).get(f"{API}/imports/{first.json()['id']}").status_code == 404


def test_upload_refuses_bad_fields_naming_them(intel, api_client):
    client = api_client(intel.a_analyst)
    sid = intel.amber_source.pk
    assert "options" in errors_of(upload(client, "a.txt", b"a.xyz\n", source_id=sid, options="{x"))
    assert "options" in errors_of(upload(client, "a.txt", b"a.xyz\n", source_id=sid, options=json.dumps({"nope": 1})))
    assert "format" in errors_of(upload(client, "a.txt", b"a.xyz\n", source_id=sid, format="docx"))
    assert "type" in errors_of(upload(client, "a.txt", b"a.xyz\n", source_id=sid, type="ip"))
    assert "file" in errors_of(upload(client, "a.exe", b"MZ", source_id=sid))
    assert "source_id" in errors_of(upload(client, "a.txt", b"a.xyz\n", source_id=999999))
    assert "confidence" in errors_of(upload(client, "a.txt", b"a.xyz\n", source_id=sid, confidence=101))
    b_source = make_source(intel, user="b_analyst", unit="prov_b", tlp="green", name="Nguồn B")
    assert upload(client, "a.txt", b"a.xyz\n", source_id=b_source.pk).status_code == 403


# --------------------------------------------------------------------------- reference data


def test_warninglists_and_taxonomies_are_listed_and_only_admins_switch_lists(intel, api_client):
    client = api_client(intel.a_analyst)
    lists = client.get(f"{API}/warninglists").json()
    assert lists and all("entries" not in wl for wl in lists)
    wl = Warninglist.objects.filter(enabled=True, entry_count__gt=3).order_by("pk").first()
    detail = client.get(f"{API}/warninglists/{wl.pk}", {"limit": 3}).json()
    assert detail["entries"] == [str(e) for e in wl.entries[:3]]
    assert client.post(f"{API}/warninglists/{wl.pk}/enable", {"enabled": False},
                       content_type="application/json").status_code == 403
    off = api_client(intel.admin).post(f"{API}/warninglists/{wl.pk}/enable", {"enabled": False},
                                       content_type="application/json")
    assert off.status_code == 200 and off.json()["enabled"] is False
    namespaces = {t["namespace"] for t in client.get(f"{API}/taxonomies").json()}
    assert "tlp" in namespaces


# --------------------------------------------------------------------------- exports


def test_list_export_streams_the_visible_set_with_an_etag_and_answers_304(intel, api_client,
                                                                          django_assert_max_num_queries):
    client = api_client(intel.b_analyst)
    resp = client.get(f"{API}/exports/list")
    assert resp.status_code == 200 and resp.streaming
    text = b"".join(resp.streaming_content).decode()
    assert GREEN_DOMAIN in text and LIVE_URL not in text and "185.220.101.7" not in text
    assert resp["Content-Disposition"].startswith('attachment; filename="vigil-indicators-')
    etag = resp["ETag"]
    assert etag.startswith('"') and AuditEntry.objects.filter(action="export").count() == 1

    with django_assert_max_num_queries(8):
        cached = client.get(f"{API}/exports/list", HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304 and cached.content == b"" and cached["ETag"] == etag
    assert AuditEntry.objects.filter(action="export").count() == 1  # nothing left the platform
    assert client.get(f"{API}/exports/list", HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304

    green = make_source(intel, user="b_analyst", unit="prov_b", tlp="green", name="Nguồn xanh B")
    seed(intel, green, "moi-them.xyz\n", user="b_analyst")
    changed = client.get(f"{API}/exports/list", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "moi-them.xyz" in b"".join(changed.streaming_content).decode()
    own = api_client(intel.a_analyst).get(f"{API}/exports/list", {"type": "url"})
    assert own["ETag"] != etag and LIVE_URL in b"".join(own.streaming_content).decode()


def test_export_refuses_an_unknown_format_and_bad_filters(intel, api_client):
    client = api_client(intel.a_analyst)
    unknown = client.get(f"{API}/exports/docx")
    assert unknown.status_code == 400 and "format" in errors_of(unknown)
    assert "max_tlp" in errors_of(client.get(f"{API}/exports/list", {"max_tlp": "purple"}))
    assert api_client(intel.a_analyst, scope="read").get(f"{API}/exports/list").status_code == 200
    assert Client().get(f"{API}/exports/list").status_code == 401


@pytest.mark.skipif("rpz" not in EXPORTERS, reason="the RPZ exporter is not registered yet")
def test_rpz_export_is_a_zone_of_the_visible_domains(intel, api_client):
    resp = api_client(intel.a_analyst).get(f"{API}/exports/rpz")
    assert resp.status_code == 200
    zone = b"".join(resp.streaming_content).decode()
    assert "SOA" in zone and f"{GREEN_DOMAIN} CNAME ." in zone
    assert "32.7.101.220.185.rpz-ip CNAME ." in zone  # province A's AMBER address
    outsider = b"".join(api_client(intel.b_analyst).get(f"{API}/exports/rpz").streaming_content).decode()
    assert f"{GREEN_DOMAIN} CNAME ." in outsider and "185.rpz-ip" not in outsider


@pytest.mark.skipif("stix" not in IMPORTERS,
                    reason="the STIX importer is not registered yet")
def test_a_stix_upload_imports_its_indicators_and_keeps_its_objects_for_taxii(intel, api_client):
    from vigil.intel.models import StixObject

    bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": [
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000002",
         "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z", "name": "C2",
         "pattern": "[domain-name:value = 'stix-c2.xyz']", "pattern_type": "stix",
         "valid_from": "2024-03-01T10:00:00Z"},
    ]}
    client = api_client(intel.a_analyst)
    resp = upload(client, "bundle.json", json.dumps(bundle).encode(), source_id=intel.amber_source.pk, format="stix")
    assert resp.status_code == 201, resp.content
    assert Indicator.objects.filter(type="domain", value="stix-c2.xyz").exists()
    assert StixObject.objects.filter(stix_id="indicator--00000000-0000-4000-8000-000000000002").exists()
