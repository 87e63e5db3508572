"""Issue 11, items 6 and 13: only the unit that created a STIX object id may add versions
of it (in any collection); the refusal is a failure of that object in the TAXII status;
and neither the refusal nor a success tells the caller whether a unit it cannot see holds
the id."""

import pytest

from vigil.core.actors import Actor
from vigil.intel import reference as reference_data
from vigil.intel.models import Source, StixObject
from vigil.intel.services.stix_store import store_objects

from .test_taxii_server import ROOT, SHARED_AMBER, SHARED_GREEN, get, post_envelope, stix_malware

pytestmark = pytest.mark.django_db

V1 = "2024-03-01T10:00:00.000Z"
V2 = "2024-03-05T10:00:00.000Z"


@pytest.fixture
def intel(net):
    reference_data.load_all()
    return net


def objects_url(collection, stix_id=""):
    return f"{ROOT}/collections/{collection}/objects/" + (f"{stix_id}/" if stix_id else "")


def status_of(response):
    assert response.status_code == 202, response.content
    return response.json()


def without_ids(entries, *ids):
    """Status entries with the object ids blanked, to compare two answers."""
    out = []
    for entry in entries:
        text = entry["message"]
        for i in ids:
            text = text.replace(i, "ID")
        out.append({**entry, "id": "ID", "message": text})
    return out


def test_another_unit_cannot_add_a_newer_version_of_an_object(intel, api_client):
    original = stix_malware(1, modified=V1, name="gốc")
    spoof = stix_malware(1, modified=V2, name="giả mạo")
    assert status_of(post_envelope(api_client(intel.a_analyst), SHARED_GREEN, [original]))["success_count"] == 1
    status = status_of(post_envelope(api_client(intel.b_analyst), SHARED_GREEN, [spoof, stix_malware(2)]))
    assert (status["success_count"], status["failure_count"]) == (1, 1)
    failure = status["failures"][0]
    assert failure["id"] == spoof["id"] and failure["version"] == V2 and spoof["id"] in failure["message"]
    reader = api_client(intel.office_staff)
    served = get(reader, objects_url(SHARED_GREEN, spoof["id"])).json()["objects"]
    assert [o["name"] for o in served] == ["gốc"]
    assert not StixObject.objects.filter(stix_id=spoof["id"], owner_unit=intel.prov_b).exists()
    # the owning unit still adds versions
    status = status_of(post_envelope(api_client(intel.a_head), SHARED_GREEN, [stix_malware(1, modified=V2, name="v2")]))
    assert status["success_count"] == 1
    assert [o["name"] for o in get(reader, objects_url(SHARED_GREEN, spoof["id"])).json()["objects"]] == ["v2"]


def test_the_id_is_owned_in_every_collection(intel, api_client):
    post_envelope(api_client(intel.a_analyst), SHARED_GREEN, [stix_malware(3, modified=V1)])
    for version in (V1, V2):  # the same version, or a newer one, in another collection
        status = status_of(post_envelope(api_client(intel.b_analyst), SHARED_AMBER, [stix_malware(3, modified=version)]))
        assert (status["success_count"], status["failure_count"]) == (0, 1)
    assert StixObject.objects.filter(stix_id=stix_malware(3)["id"]).count() == 1


def test_the_refusal_is_the_same_whether_or_not_the_caller_may_see_the_object(intel, api_client):
    a = api_client(intel.a_analyst)
    post_envelope(a, SHARED_GREEN, [stix_malware(4, modified=V1)])  # b may see it
    post_envelope(a, SHARED_AMBER, [stix_malware(5, modified=V1)])  # b may not
    b = api_client(intel.b_analyst)
    assert get(b, objects_url(SHARED_AMBER, stix_malware(5)["id"])).status_code == 404
    seen = status_of(post_envelope(b, SHARED_AMBER, [stix_malware(4, modified=V2)]))["failures"]
    hidden = status_of(post_envelope(b, SHARED_AMBER, [stix_malware(5, modified=V2)]))["failures"]
    assert without_ids(seen, stix_malware(4)["id"]) == without_ids(hidden, stix_malware(5)["id"])
    for text in ("tinh-a", "Tỉnh A", "shared-amber", "shared-green", V1):
        assert text not in hidden[0]["message"]


def test_reposting_a_hidden_objects_exact_version_says_nothing_about_it(intel, api_client):
    """Before: "this version is already in the collection" for another unit's AMBER object."""
    post_envelope(api_client(intel.a_analyst), SHARED_AMBER, [stix_malware(6, modified=V1)])
    b = api_client(intel.b_analyst)
    known = status_of(post_envelope(b, SHARED_AMBER, [stix_malware(6, modified=V1)]))
    fresh = status_of(post_envelope(b, SHARED_AMBER, [stix_malware(7, modified=V1)]))
    assert without_ids(known["successes"], stix_malware(6)["id"]) == without_ids(
        fresh["successes"], stix_malware(7)["id"])
    assert StixObject.objects.filter(stix_id=stix_malware(6)["id"]).count() == 1


def test_the_same_observable_from_another_unit_is_acknowledged_not_refused(intel, api_client):
    """A cyber-observable's id derives from its value: refusing it would tell another unit
    that someone holds that address."""
    sco = {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
           "value": "203.0.113.5"}
    post_envelope(api_client(intel.a_analyst), SHARED_AMBER, [sco])
    b = api_client(intel.b_analyst)
    status = status_of(post_envelope(b, SHARED_GREEN, [sco]))
    other = {**sco, "id": "ipv4-addr--0a9a1b2c-3d4e-5f60-8a7b-6c5d4e3f2a10", "value": "203.0.113.6"}
    fresh = status_of(post_envelope(b, SHARED_GREEN, [other]))
    assert status["failure_count"] == 0
    assert without_ids(status["successes"], sco["id"]) == without_ids(fresh["successes"], other["id"])
    assert list(StixObject.objects.filter(stix_id=sco["id"]).values_list("owner_unit", flat=True)) == [intel.prov_a.pk]


def test_store_objects_counts_refusals_apart_from_invalid_objects(intel):
    mine = Source.objects.create(owner_unit=intel.prov_a, name="nguồn A", tlp="green")
    theirs = Source.objects.create(owner_unit=intel.prov_b, name="nguồn B", tlp="green")
    store_objects(actor=Actor(user=intel.a_head), source=mine, objects=[stix_malware(8, modified=V1)])
    result = store_objects(actor=Actor(user=intel.b_analyst), source=theirs,
                           objects=[stix_malware(8, modified=V2), {"type": "malware", "id": "x"}])
    assert (result["created"], result["refused"], result["failed"]) == (0, 1, 1)
    assert [r["status"] for r in result["results"]] == ["refused", "failed"]
