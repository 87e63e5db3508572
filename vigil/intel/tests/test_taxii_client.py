"""A member organisation uses Vigil's TAXII 2.1 server with the OASIS `taxii2-client`
library over real HTTP (pytest-django's live server on 127.0.0.1): discovery, the
collections, paging through indicators, adding a bundle built with `stix2` and reading
its status and the objects back."""

import json

import pytest
import stix2
from requests.exceptions import HTTPError
from taxii2client.common import TokenAuth
from taxii2client.v21 import ApiRoot, Server, as_pages

from vigil.core.actors import Actor, system_actor
from vigil.core.services.auth import token_create
from vigil.intel import reference as reference_data
from vigil.intel.models import Source
from vigil.intel.services.ingest import import_file
from vigil.testing import make_network


@pytest.fixture
def network(transactional_db, tmp_path):
    net = make_network()
    reference_data.load_all()
    green = Source.objects.create(owner_unit=net.prov_a, name="Nguồn cấp tỉnh A", tlp="green")
    path = tmp_path / "green.txt"
    path.write_text("\n".join(f"phish-{i:03d}.lua-dao.xyz" for i in range(25)) + "\n", encoding="utf-8")
    assert import_file(actor=system_actor(), source=green, path=path, format="list",
                       options={"type": "domain"}).status == "done"
    amber = Source.objects.create(owner_unit=net.prov_a, name="Nguồn riêng tỉnh A", tlp="amber")
    path = tmp_path / "amber.txt"
    path.write_text("rieng.lua-dao.xyz\n", encoding="utf-8")
    assert import_file(actor=system_actor(), source=amber, path=path, format="list",
                       options={"type": "domain"}).status == "done"
    return net


def secret_of(user, scope="write") -> str:
    _token, secret = token_create(actor=Actor(user=user), user=user, name="taxii2-client", scope=scope)
    return secret


def test_a_member_organisation_discovers_pages_adds_and_reads_back(live_server, network):
    server = Server(f"{live_server.url}/taxii2/", user="tinh-b", password=secret_of(network.b_analyst))
    assert server.title
    root = server.default
    assert root.url == f"{live_server.url}/taxii2/vigil/"
    assert [r.url for r in server.api_roots] == [root.url]
    assert root.versions == ["application/taxii+json;version=2.1"]
    assert root.max_content_length == 10 * 1024 * 1024

    collections = {c.alias: c for c in root.collections}
    green = collections["indicators-green"]
    assert green.can_read and not green.can_write

    pages = list(as_pages(green.get_objects, per_request=10))
    objects = [o for page in pages for o in page.get("objects", [])]
    assert len(pages) == 3
    assert len(objects) == len({o["id"] for o in objects}) == 25
    assert all(o["type"] == "indicator" and o["pattern"].startswith("[domain-name:value = ") for o in objects)
    manifest = [m for page in as_pages(green.get_manifest, per_request=20) for m in page.get("objects", [])]
    assert [m["id"] for m in manifest] == [o["id"] for o in objects]

    amber = collections["indicators-amber"]
    assert amber.get_objects().get("objects", []) == []  # another province's AMBER stays there

    shared = collections["shared-green"]
    assert shared.can_write
    malware = stix2.Malware(name="Mã độc giả mạo ngân hàng", is_family=True)
    indicator = stix2.Indicator(name="Máy chủ điều khiển", pattern="[domain-name:value = 'c2.ngan-hang-gia.xyz']",
                                pattern_type="stix", valid_from="2024-03-01T00:00:00Z")
    relationship = stix2.Relationship(indicator, "indicates", malware)
    envelope = {"objects": [json.loads(o.serialize()) for o in (malware, indicator, relationship)]}
    status = shared.add_objects(json.dumps(envelope))
    assert status.status == "complete"
    assert (status.total_count, status.success_count, status.failure_count) == (3, 3, 0)
    again = root.get_status(status.id)
    assert again.success_count == 3 and {s["id"] for s in again.successes} == {malware.id, indicator.id,
                                                                                relationship.id}

    back = shared.get_object(malware.id)["objects"]
    assert [o["name"] for o in back] == ["Mã độc giả mạo ngân hàng"]
    assert shared.object_versions(malware.id)["versions"] == [back[0]["modified"]]
    assert {o["id"] for o in shared.get_objects(type="relationship")["objects"]} == {relationship.id}

    fresh = green.get_objects(added_after=pages[-1]["objects"][-1]["modified"])
    assert "[domain-name:value = 'c2.ngan-hang-gia.xyz']" in [o["pattern"] for o in fresh["objects"]]


def test_another_member_reads_with_a_token_and_cannot_write_with_a_read_only_one(live_server, network):
    root = ApiRoot(f"{live_server.url}/taxii2/vigil/", auth=TokenAuth(secret_of(network.a_analyst, scope="read")))
    collections = {c.alias: c for c in root.collections}
    amber = collections["indicators-amber"]
    assert [o["pattern"] for o in amber.get_objects()["objects"]] == ["[domain-name:value = 'rieng.lua-dao.xyz']"]
    shared = collections["shared-green"]
    assert not shared.can_write
    shared._can_write = True  # a client that ignores can_write is refused by the server all the same
    with pytest.raises(HTTPError) as refused:
        shared.add_objects({"objects": [json.loads(stix2.Malware(name="x", is_family=False).serialize())]})
    assert refused.value.response.status_code == 403


def test_a_client_without_credentials_is_refused(live_server, network):
    with pytest.raises(HTTPError) as refused:
        Server(f"{live_server.url}/taxii2/").refresh()
    assert refused.value.response.status_code == 401
