"""The TAXII 2.1 server through Django's test client: the protocol (media types, errors,
authentication), pagination and filters, versions, manifests, adding objects with status
resources, deleting, and the access layer on every object served."""

import base64
import json
import time

import pytest
from django.test import Client, override_settings

from vigil.core.actors import Actor, system_actor
from vigil.core.models import AuditEntry
from vigil.core.services.auth import token_create
from vigil.intel import reference as reference_data
from vigil.intel.formats.base import Record
from vigil.intel.models import Indicator, IndicatorSource, Source, StixObject, TaxiiStatus
from vigil.intel.services.ingest import import_file, import_records

pytestmark = pytest.mark.django_db

TAXII = "application/taxii+json;version=2.1"
GREEN = "6a3c8d2e-1b7f-5c40-9e2a-0f1d3b5c7a02"
AMBER = "6a3c8d2e-1b7f-5c40-9e2a-0f1d3b5c7a03"
STRICT = "6a3c8d2e-1b7f-5c40-9e2a-0f1d3b5c7a04"
RED = "6a3c8d2e-1b7f-5c40-9e2a-0f1d3b5c7a05"
SHARED_GREEN = "6a3c8d2e-1b7f-5c40-9e2a-0f1d3b5c7a12"
SHARED_AMBER = "6a3c8d2e-1b7f-5c40-9e2a-0f1d3b5c7a13"
ROOT = "/taxii2/vigil"


@pytest.fixture
def intel(net):
    reference_data.load_all()
    return net


@pytest.fixture
def seed(tmp_path):
    """Indicators of a new source: `seed(unit, tlp, values, recipients=[...])`."""
    counter = {"n": 0}

    def _seed(unit, tlp, values, *, recipients=(), created_by=None, name=None):
        counter["n"] += 1
        source = Source.objects.create(owner_unit=unit, name=name or f"nguồn {counter['n']}", tlp=tlp,
                                       created_by=created_by)
        if recipients:
            source.recipients.set(recipients)
        path = tmp_path / f"list-{counter['n']}.txt"
        path.write_text("\n".join(values) + "\n", encoding="utf-8")
        job = import_file(actor=system_actor(), source=source, path=path, format="list", options={"type": "domain"})
        assert job.status == "done", job.errors
        return source

    return _seed


def domains(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i:03d}.lua-dao.xyz" for i in range(count)]


def get(client, path, accept=TAXII, **params):
    return client.get(path, params, HTTP_ACCEPT=accept)


def post_envelope(client, collection, objects, content_type=TAXII):
    body = json.dumps({"objects": objects})
    return client.post(f"{ROOT}/collections/{collection}/objects/", body, content_type=content_type,
                       HTTP_ACCEPT=TAXII)


def ids_of(response) -> list[str]:
    return [o["id"] for o in response.json().get("objects", [])]


def stix_indicator(n: int, value: str, modified="2024-03-01T10:00:00.000Z") -> dict:
    return {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2024-03-01T10:00:00.000Z", "modified": modified, "name": f"C2 {value}",
        "pattern": f"[domain-name:value = '{value}']", "pattern_type": "stix", "valid_from": "2024-03-01T10:00:00Z",
    }


def stix_malware(n: int, modified="2024-03-01T10:00:00.000Z", name="Lừa đảo") -> dict:
    return {
        "type": "malware", "spec_version": "2.1", "id": f"malware--00000000-0000-4000-9000-{n:012d}",
        "created": "2024-03-01T10:00:00.000Z", "modified": modified, "name": name, "is_family": True,
    }


# --------------------------------------------------------------------------- protocol


def test_discovery_names_the_vigil_api_root_as_an_absolute_url(intel, api_client):
    response = get(api_client(intel.b_analyst), "/taxii2/")
    assert response.status_code == 200
    assert response["Content-Type"] == TAXII
    data = response.json()
    assert data["title"]
    assert data["default"] == "http://testserver/taxii2/vigil/"
    assert data["api_roots"] == ["http://testserver/taxii2/vigil/"]


def test_discovery_without_a_token_is_401_with_a_challenge_and_a_taxii_error(intel, client):
    response = get(client, "/taxii2/")
    assert response.status_code == 401
    assert "Basic" in response["WWW-Authenticate"] and "Bearer" in response["WWW-Authenticate"]
    assert response["Content-Type"] == TAXII
    error = response.json()
    assert error["http_status"] == "401"
    assert error["title"] == "Chưa xác thực"


def test_a_wrong_token_is_401(intel):
    client = Client(HTTP_AUTHORIZATION="Bearer vgl_000000000000_nope")
    assert get(client, f"{ROOT}/").status_code == 401


def test_basic_authentication_with_the_token_as_password_is_accepted(intel):
    _token, secret = token_create(actor=Actor(user=intel.b_analyst), user=intel.b_analyst, name="taxii", scope="read")
    basic = base64.b64encode(f"tinh-b:{secret}".encode()).decode()
    response = get(Client(HTTP_AUTHORIZATION=f"Basic {basic}"), f"{ROOT}/collections/")
    assert response.status_code == 200
    assert len(response.json()["collections"]) == 8
    wrong = base64.b64encode(b"tinh-b:wrong").decode()
    assert get(Client(HTTP_AUTHORIZATION=f"Basic {wrong}"), f"{ROOT}/").status_code == 401


def test_the_browser_session_is_not_accepted(intel, login):
    assert get(login(intel.a_analyst), "/taxii2/").status_code == 401


def test_api_root_states_the_version_and_max_content_length(intel, api_client):
    client = api_client(intel.a_analyst)
    data = get(client, f"{ROOT}/").json()
    assert data["versions"] == [TAXII]
    assert data["max_content_length"] == 10 * 1024 * 1024
    with override_settings(TAXII_MAX_CONTENT_LENGTH=2048):
        assert get(client, f"{ROOT}/").json()["max_content_length"] == 2048


@pytest.mark.parametrize("accept", ["application/json", "application/taxii+json;version=2.0", "text/html",
                                    "application/taxii+json;version=2.1;q=0"])
def test_an_unacceptable_accept_header_is_406(intel, api_client, accept):
    response = get(api_client(intel.a_analyst), f"{ROOT}/collections/", accept=accept)
    assert response.status_code == 406
    assert response.json()["http_status"] == "406"


@pytest.mark.parametrize("accept", ["application/taxii+json", "*/*", "application/taxii+json; version=2.1",
                                    "text/html, application/taxii+json;version=2.1;q=0.5"])
def test_taxii_media_type_without_version_and_wildcards_are_accepted(intel, api_client, accept):
    response = get(api_client(intel.a_analyst), f"{ROOT}/collections/", accept=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == TAXII


def test_an_unsupported_method_is_405(intel, api_client):
    response = api_client(intel.a_analyst).put(f"{ROOT}/collections/", "{}", content_type=TAXII)
    assert response.status_code == 405
    assert "GET" in response["Allow"]


# --------------------------------------------------------------------------- collections


def test_collections_are_readable_by_members_and_writable_only_where_they_may_add(intel, api_client):
    rows = {c["alias"]: c for c in get(api_client(intel.a_analyst), f"{ROOT}/collections/").json()["collections"]}
    assert set(rows) == {"indicators-clear", "indicators-green", "indicators-amber", "indicators-amber-strict",
                         "indicators-red", "shared-clear", "shared-green", "shared-amber"}
    assert all(c["can_read"] for c in rows.values())
    assert rows["shared-green"]["can_write"] and not rows["indicators-green"]["can_write"]
    assert rows["indicators-green"]["id"] == GREEN
    assert rows["indicators-green"]["media_types"] == ["application/stix+json;version=2.1"]

    auditor = get(api_client(intel.auditor), f"{ROOT}/collections/").json()["collections"]
    assert not any(c["can_write"] for c in auditor)
    read_only = get(api_client(intel.a_analyst, scope="read"), f"{ROOT}/collections/").json()["collections"]
    assert not any(c["can_write"] for c in read_only)


def test_one_collection_by_id_and_an_unknown_one_is_404(intel, api_client):
    client = api_client(intel.a_analyst)
    assert get(client, f"{ROOT}/collections/{SHARED_GREEN}/").json()["title"] == "Đối tượng STIX TLP:GREEN"
    missing = get(client, f"{ROOT}/collections/00000000-0000-4000-8000-000000000000/")
    assert missing.status_code == 404
    assert missing.json()["http_status"] == "404"
    assert get(client, f"{ROOT}/collections/00000000-0000-4000-8000-000000000000/objects/").status_code == 404


def test_a_user_without_membership_sees_no_collection(intel, api_client):
    response = get(api_client(intel.nobody), f"{ROOT}/collections/")
    assert response.status_code == 200
    assert response.json().get("collections", []) == []
    assert get(api_client(intel.nobody), f"{ROOT}/collections/{GREEN}/objects/").status_code == 404


# --------------------------------------------------------------------------- indicators: paging, filters


def test_pages_through_more_indicators_than_the_limit_with_next(intel, api_client, seed):
    seed(intel.prov_a, "green", domains("trang", 25))
    client = api_client(intel.b_analyst)
    seen, pages, params = [], 0, {"limit": 10}
    while True:
        response = get(client, f"{ROOT}/collections/{GREEN}/objects/", **params)
        assert response.status_code == 200
        assert response["X-TAXII-Date-Added-First"] <= response["X-TAXII-Date-Added-Last"]
        data = response.json()
        pages += 1
        seen += ids_of(response)
        assert len(data["objects"]) <= 10
        if not data["more"]:
            assert "next" not in data
            break
        params = {"limit": 10, "next": data["next"]}
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25
    assert all(o.startswith("indicator--") for o in seen)


def test_the_limit_defaults_to_100_and_is_capped_at_1000(intel, api_client, seed):
    seed(intel.prov_a, "green", domains("gioi-han", 120))
    client = api_client(intel.a_analyst)
    first = get(client, f"{ROOT}/collections/{GREEN}/objects/").json()
    assert len(first["objects"]) == 100 and first["more"]
    assert len(get(client, f"{ROOT}/collections/{GREEN}/objects/", limit=5000).json()["objects"]) == 120


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "abc"}, {"added_after": "hôm qua"},
                                    {"next": "không-phải-con-trỏ"}, {"match[version]": "2024-13-45"}])
def test_bad_query_parameters_are_400_naming_the_parameter(intel, api_client, params):
    response = get(api_client(intel.a_analyst), f"{ROOT}/collections/{GREEN}/objects/", **params)
    assert response.status_code == 400
    name = next(iter(params))
    assert name in response.json()["description"]


def test_added_after_returns_only_what_changed_since(intel, api_client, seed):
    seed(intel.prov_a, "green", domains("cu", 3))
    client = api_client(intel.b_analyst)
    last = get(client, f"{ROOT}/collections/{GREEN}/objects/")["X-TAXII-Date-Added-Last"]
    time.sleep(0.01)
    seed(intel.prov_a, "green", domains("moi", 2))
    response = get(client, f"{ROOT}/collections/{GREEN}/objects/", added_after=last)
    names = sorted(o["name"] for o in response.json()["objects"])
    assert names == ["domain: moi-000.lua-dao.xyz", "domain: moi-001.lua-dao.xyz"]
    later = get(client, f"{ROOT}/collections/{GREEN}/objects/", added_after=response["X-TAXII-Date-Added-Last"])
    assert later.status_code == 200 and later.json() == {"more": False}


def test_match_type_id_and_spec_version_filter_indicators(intel, api_client, seed):
    seed(intel.prov_a, "green", domains("loc", 4))
    client = api_client(intel.a_analyst)
    url = f"{ROOT}/collections/{GREEN}/objects/"
    every = ids_of(get(client, url))
    assert len(every) == 4
    assert ids_of(get(client, url, **{"match[type]": "malware,indicator"})) == every
    assert ids_of(get(client, url, **{"match[type]": "malware"})) == []
    assert ids_of(get(client, url, **{"match[id]": f"{every[1]},{every[3]}"})) == [every[1], every[3]]
    assert ids_of(get(client, url, **{"match[id]": "indicator--00000000-0000-4000-8000-000000000000"})) == []
    assert ids_of(get(client, url, **{"match[spec_version]": "2.0"})) == []
    assert ids_of(get(client, url, **{"match[spec_version]": "2.1"})) == every


def test_stix_ids_are_those_of_vigils_exports(intel, api_client, seed):
    from vigil.intel.stixmap import indicator_stix_id

    seed(intel.prov_a, "green", ["c2.lua-dao.xyz"])
    obj = get(api_client(intel.a_analyst), f"{ROOT}/collections/{GREEN}/objects/").json()["objects"][0]
    assert obj["id"] == indicator_stix_id("domain", "c2.lua-dao.xyz")
    assert obj["pattern"] == "[domain-name:value = 'c2.lua-dao.xyz']"


def test_one_indicator_its_versions_and_match_version(intel, api_client, seed):
    seed(intel.prov_a, "green", domains("mot", 2))
    client = api_client(intel.a_analyst)
    obj = get(client, f"{ROOT}/collections/{GREEN}/objects/").json()["objects"][0]
    url = f"{ROOT}/collections/{GREEN}/objects/{obj['id']}/"
    one = get(client, url)
    assert one.status_code == 200 and one.json()["objects"] == [obj]
    assert one["X-TAXII-Date-Added-First"]
    assert ids_of(get(client, url, **{"match[version]": obj["modified"]})) == [obj["id"]]
    assert ids_of(get(client, url, **{"match[version]": "2001-01-01T00:00:00.000Z"})) == []
    assert ids_of(get(client, url, **{"match[version]": "first"})) == [obj["id"]]
    versions = get(client, url + "versions/")
    assert versions.status_code == 200
    assert versions.json() == {"more": False, "versions": [obj["modified"]]}
    assert get(client, f"{ROOT}/collections/{GREEN}/objects/indicator--00000000-0000-4000-8000-000000000000/") \
        .status_code == 404


def test_manifest_lists_id_date_added_version_and_media_type(intel, api_client, seed):
    seed(intel.prov_a, "green", domains("kk", 3))
    client = api_client(intel.a_analyst)
    objects = get(client, f"{ROOT}/collections/{GREEN}/objects/").json()["objects"]
    response = get(client, f"{ROOT}/collections/{GREEN}/manifest/", limit=2)
    data = response.json()
    assert data["more"] and data["next"]
    assert [m["id"] for m in data["objects"]] == [o["id"] for o in objects[:2]]
    record = data["objects"][0]
    assert set(record) == {"id", "date_added", "version", "media_type"}
    assert record["version"] == objects[0]["modified"]
    assert record["media_type"] == "application/stix+json;version=2.1"
    assert record["date_added"] == response["X-TAXII-Date-Added-First"]
    rest = get(client, f"{ROOT}/collections/{GREEN}/manifest/", limit=2, next=data["next"]).json()
    assert [m["id"] for m in rest["objects"]] == [objects[2]["id"]] and not rest["more"]


def test_a_warninglisted_indicator_is_served_as_revoked(intel, api_client, seed):
    seed(intel.prov_a, "green", ["example.com"])
    obj = get(api_client(intel.a_analyst), f"{ROOT}/collections/{GREEN}/objects/").json()["objects"][0]
    assert obj["revoked"] is True


# --------------------------------------------------------------------------- indicators: access layer


def test_another_provinces_amber_indicators_are_not_served(intel, api_client, seed):
    seed(intel.prov_b, "amber", domains("amber-b", 3))
    url = f"{ROOT}/collections/{AMBER}/objects/"
    assert len(ids_of(get(api_client(intel.b_analyst), url))) == 3
    assert len(ids_of(get(api_client(intel.agency_analyst), url))) == 3  # the national centre sees the network
    hidden = get(api_client(intel.a_analyst), url)
    assert hidden.status_code == 200 and ids_of(hidden) == []
    some = ids_of(get(api_client(intel.b_analyst), url))[0]
    assert get(api_client(intel.a_analyst), f"{url}{some}/").status_code == 404
    assert get(api_client(intel.a_analyst), f"{ROOT}/collections/{AMBER}/manifest/").json() == {"more": False}


def test_amber_strict_indicators_reach_the_owning_unit_only(intel, api_client, seed):
    seed(intel.prov_b, "amber+strict", domains("strict-b", 2))
    url = f"{ROOT}/collections/{STRICT}/objects/"
    assert len(ids_of(get(api_client(intel.b_analyst), url))) == 2
    assert ids_of(get(api_client(intel.a_analyst), url)) == []
    assert ids_of(get(api_client(intel.a_head), url)) == []


def test_red_indicators_reach_named_recipients_only(intel, api_client, seed):
    seed(intel.prov_b, "red", domains("red-b", 2), recipients=[intel.a_head])
    url = f"{ROOT}/collections/{RED}/objects/"
    assert len(ids_of(get(api_client(intel.a_head), url))) == 2
    assert ids_of(get(api_client(intel.b_analyst), url)) == []
    assert ids_of(get(api_client(intel.a_analyst), url)) == []


def test_an_indicator_is_served_in_the_collection_of_its_most_permissive_label(intel, api_client, seed):
    seed(intel.prov_b, "amber", ["hai-nhan.lua-dao.xyz"])
    seed(intel.prov_a, "green", ["hai-nhan.lua-dao.xyz"])
    client = api_client(intel.b_analyst)
    assert len(ids_of(get(client, f"{ROOT}/collections/{GREEN}/objects/"))) == 1
    assert ids_of(get(client, f"{ROOT}/collections/{AMBER}/objects/")) == []


def test_a_green_indicator_never_carries_what_an_amber_claim_said(intel, api_client, seed):
    green = Source.objects.create(owner_unit=intel.prov_a, name="xanh", tlp="green")
    amber = Source.objects.create(owner_unit=intel.prov_b, name="hổ phách", tlp="amber")
    value = "chung.lua-dao.xyz"
    import_records(actor=system_actor(), source=green, label="t",
                   records=[Record(type="domain", value=value, tags=("cong-khai",), attack_ids=("T1566",))])
    import_records(actor=system_actor(), source=amber, label="t",
                   records=[Record(type="domain", value=value, tags=("chien-dich-mat",), attack_ids=("T1190",))])
    assert IndicatorSource.objects.filter(indicator__value=value).count() == 2
    for user in (intel.a_analyst, intel.b_analyst):
        obj = get(api_client(user), f"{ROOT}/collections/{GREEN}/objects/").json()["objects"][0]
        assert obj["labels"] == ["cong-khai"]
        assert [r["external_id"] for r in obj["external_references"]] == ["T1566"]


# --------------------------------------------------------------------------- adding objects


def test_adding_objects_returns_a_complete_status_and_they_are_served_back(intel, api_client):
    client = api_client(intel.a_analyst)
    response = post_envelope(client, SHARED_GREEN, [stix_malware(1), stix_indicator(2, "c2.tan-cong.xyz")])
    assert response.status_code == 202
    assert response["Content-Type"] == TAXII
    status = response.json()
    assert status["status"] == "complete"
    assert (status["total_count"], status["success_count"], status["failure_count"], status["pending_count"]) \
        == (2, 2, 0, 0)
    assert {s["id"] for s in status["successes"]} == {stix_malware(1)["id"], stix_indicator(2, "x")["id"]}
    assert all(s["version"] == "2024-03-01T10:00:00.000Z" for s in status["successes"])
    again = get(client, f"{ROOT}/status/{status['id']}/")
    assert again.status_code == 200 and again.json() == status

    served = get(api_client(intel.b_analyst), f"{ROOT}/collections/{SHARED_GREEN}/objects/").json()["objects"]
    assert stix_malware(1) in served and len(served) == 2
    row = StixObject.objects.get(stix_id=stix_malware(1)["id"])
    assert (row.owner_unit, row.tlp) == (intel.prov_a, "green")


def test_indicators_in_added_objects_enter_the_indicator_table_as_the_units_taxii_source(intel, api_client):
    client = api_client(intel.a_analyst)
    post_envelope(client, SHARED_GREEN, [stix_indicator(3, "C2.Tan-Cong.xyz")])
    indicator = Indicator.objects.get(type="domain", value="c2.tan-cong.xyz")
    claim = indicator.claims.get()
    assert claim.source.name == "TAXII – tinh-a"
    assert claim.source.kind == "taxii" and claim.source.owner_unit == intel.prov_a
    assert claim.tlp == "green"
    assert AuditEntry.objects.filter(action="intel.source.create", object_repr="TAXII – tinh-a").exists()
    post_envelope(client, SHARED_GREEN, [stix_indicator(4, "other.tan-cong.xyz")])
    assert Source.objects.filter(name="TAXII – tinh-a").count() == 1
    green = get(api_client(intel.b_analyst), f"{ROOT}/collections/{GREEN}/objects/").json()["objects"]
    assert sorted(o["pattern"] for o in green) == ["[domain-name:value = 'c2.tan-cong.xyz']",
                                                   "[domain-name:value = 'other.tan-cong.xyz']"]


def test_invalid_objects_are_listed_as_failures_with_a_message(intel, api_client):
    broken = stix_malware(5)
    broken["modified"] = "hôm qua"
    response = post_envelope(api_client(intel.a_analyst), SHARED_GREEN,
                             [stix_malware(6), broken, "không phải đối tượng", {"type": "malware", "id": "x"}])
    status = response.json()
    assert response.status_code == 202
    assert (status["total_count"], status["success_count"], status["failure_count"]) == (4, 1, 3)
    failures = {f["id"]: f["message"] for f in status["failures"]}
    assert "modified" in failures[broken["id"]] and broken["id"] in failures[broken["id"]]
    assert all(message for message in failures.values())
    assert StixObject.objects.count() == 1


def test_the_status_is_shown_only_to_the_user_who_added(intel, api_client):
    status = post_envelope(api_client(intel.a_analyst), SHARED_GREEN, [stix_malware(7)]).json()
    assert get(api_client(intel.b_analyst), f"{ROOT}/status/{status['id']}/").status_code == 404
    assert get(api_client(intel.a_analyst), f"{ROOT}/status/{status['id']}").status_code == 200
    assert get(api_client(intel.a_analyst), f"{ROOT}/status/nope/").status_code == 404
    assert TaxiiStatus.objects.get(uuid=status["id"]).user == intel.a_analyst


def test_a_read_only_token_cannot_add_objects(intel, api_client):
    response = post_envelope(api_client(intel.a_analyst, scope="read"), SHARED_GREEN, [stix_malware(8)])
    assert response.status_code == 403
    assert response.json()["http_status"] == "403"
    assert not StixObject.objects.exists()


def test_indicator_collections_and_members_who_may_not_add_are_refused(intel, api_client):
    assert post_envelope(api_client(intel.a_analyst), GREEN, [stix_malware(9)]).status_code == 403
    assert post_envelope(api_client(intel.auditor), SHARED_GREEN, [stix_malware(9)]).status_code == 403
    assert not StixObject.objects.exists()


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/taxii+json;version=2.0"])
def test_a_body_of_another_media_type_is_415(intel, api_client, content_type):
    response = post_envelope(api_client(intel.a_analyst), SHARED_GREEN, [stix_malware(10)], content_type=content_type)
    assert response.status_code == 415
    assert response.json()["http_status"] == "415"


def test_stix_bundles_are_accepted_as_application_stix_json(intel, api_client):
    client = api_client(intel.a_analyst)
    body = json.dumps({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
                       "objects": [stix_malware(11)]})
    response = client.post(f"{ROOT}/collections/{SHARED_GREEN}/objects/", body,
                           content_type="application/stix+json;version=2.1", HTTP_ACCEPT=TAXII)
    assert response.status_code == 202 and response.json()["success_count"] == 1


def test_a_body_over_max_content_length_is_413(intel, api_client):
    with override_settings(TAXII_MAX_CONTENT_LENGTH=512):
        response = post_envelope(api_client(intel.a_analyst), SHARED_GREEN, [stix_malware(i) for i in range(20)])
    assert response.status_code == 413
    assert response.json()["http_status"] == "413"
    assert not StixObject.objects.exists()


@pytest.mark.parametrize("body", ["{không phải json", "[]", '{"objects": "x"}'])
def test_a_body_that_is_not_an_envelope_is_400(intel, api_client, body):
    response = api_client(intel.a_analyst).post(f"{ROOT}/collections/{SHARED_GREEN}/objects/", body,
                                                 content_type=TAXII, HTTP_ACCEPT=TAXII)
    assert response.status_code == 400
    assert response.json()["description"]


# --------------------------------------------------------------------------- objects collections


def test_versions_of_a_stored_object_and_match_version(intel, api_client):
    client = api_client(intel.a_analyst)
    v1 = stix_malware(12, modified="2024-03-01T10:00:00.000Z", name="v1")
    v2 = stix_malware(12, modified="2024-03-02T10:00:00.000Z", name="v2")
    post_envelope(client, SHARED_GREEN, [v1])
    post_envelope(client, SHARED_GREEN, [v2, stix_malware(13)])
    url = f"{ROOT}/collections/{SHARED_GREEN}/objects/"
    assert [o["name"] for o in get(client, url, **{"match[id]": v1["id"]}).json()["objects"]] == ["v2"]
    assert [o["name"] for o in get(client, url + f"{v1['id']}/").json()["objects"]] == ["v2"]
    first = get(client, url + f"{v1['id']}/", **{"match[version]": "first"}).json()["objects"]
    assert [o["name"] for o in first] == ["v1"]
    every = get(client, url + f"{v1['id']}/", **{"match[version]": "all"}).json()["objects"]
    assert [o["name"] for o in every] == ["v1", "v2"]
    named = get(client, url, **{"match[version]": "2024-03-01T10:00:00Z"}).json()["objects"]
    assert sorted(o["name"] for o in named) == ["Lừa đảo", "v1"]  # v1 of one, the only version of the other
    assert len(get(client, url).json()["objects"]) == 2
    assert len(get(client, url, **{"match[version]": "all"}).json()["objects"]) == 3
    versions = get(client, url + f"{v1['id']}/versions/").json()
    assert versions == {"more": False, "versions": [v1["modified"], v2["modified"]]}
    page = get(client, url + f"{v1['id']}/versions/", limit=1).json()
    assert page["versions"] == [v1["modified"]] and page["more"]
    manifest = get(client, f"{ROOT}/collections/{SHARED_GREEN}/manifest/", **{"match[version]": "all"}).json()
    assert [m["version"] for m in manifest["objects"] if m["id"] == v1["id"]] == [v1["modified"], v2["modified"]]
    assert get(client, url + "malware--00000000-0000-4000-9000-999999999999/versions/").status_code == 404


def test_objects_page_with_next_and_filter_by_type(intel, api_client):
    client = api_client(intel.a_analyst)
    post_envelope(client, SHARED_GREEN, [stix_malware(100 + i) for i in range(7)]
                  + [stix_indicator(200, "loai.tan-cong.xyz")])
    url = f"{ROOT}/collections/{SHARED_GREEN}/objects/"
    seen, params = [], {"limit": 3, "match[type]": "malware"}
    while True:
        data = get(client, url, **params).json()
        seen += [o["id"] for o in data["objects"]]
        if not data["more"]:
            break
        params["next"] = data["next"]
    assert len(seen) == len(set(seen)) == 7
    assert all(i.startswith("malware--") for i in seen)


def test_another_provinces_amber_objects_are_not_served(intel, api_client):
    post_envelope(api_client(intel.a_analyst), SHARED_AMBER, [stix_malware(14)])
    url = f"{ROOT}/collections/{SHARED_AMBER}/objects/"
    assert ids_of(get(api_client(intel.a_head), url)) == [stix_malware(14)["id"]]
    assert ids_of(get(api_client(intel.agency_analyst), url)) == [stix_malware(14)["id"]]
    assert ids_of(get(api_client(intel.b_analyst), url)) == []
    assert get(api_client(intel.b_analyst), f"{url}{stix_malware(14)['id']}/").status_code == 404
    assert get(api_client(intel.b_analyst), f"{url}{stix_malware(14)['id']}/versions/").status_code == 404


def test_deleting_an_object_needs_delete_on_its_owning_unit_and_is_audited(intel, api_client):
    post_envelope(api_client(intel.a_analyst), SHARED_GREEN, [stix_malware(15), stix_malware(16)])
    url = f"{ROOT}/collections/{SHARED_GREEN}/objects/{stix_malware(15)['id']}/"
    assert api_client(intel.a_analyst).delete(url, HTTP_ACCEPT=TAXII).status_code == 403  # analysts may not delete
    assert api_client(intel.b_analyst).delete(url, HTTP_ACCEPT=TAXII).status_code == 403  # another province
    assert api_client(intel.a_head, scope="read").delete(url, HTTP_ACCEPT=TAXII).status_code == 403
    response = api_client(intel.a_head).delete(url, HTTP_ACCEPT=TAXII)
    assert response.status_code == 200
    assert get(api_client(intel.a_head), url).status_code == 404
    assert api_client(intel.a_head).delete(url, HTTP_ACCEPT=TAXII).status_code == 404
    assert list(StixObject.objects.values_list("stix_id", flat=True)) == [stix_malware(16)["id"]]
    assert AuditEntry.objects.filter(action="intel.taxii.delete", actor=intel.a_head).count() == 1
    assert AuditEntry.objects.filter(action="intel.taxii.add", actor=intel.a_analyst).count() == 1


def test_indicator_collections_cannot_be_deleted_from(intel, api_client, seed):
    seed(intel.prov_a, "green", ["xoa.lua-dao.xyz"])
    obj = get(api_client(intel.a_head), f"{ROOT}/collections/{GREEN}/objects/").json()["objects"][0]
    response = api_client(intel.a_head).delete(f"{ROOT}/collections/{GREEN}/objects/{obj['id']}/", HTTP_ACCEPT=TAXII)
    assert response.status_code == 403
