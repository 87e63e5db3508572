"""`vigil intel …` from the shell: imports that name their bad lines and change nothing
the second time, exports to a file, indicators, sources, feeds against a local HTTP
server, warninglists, and the access layer behind every subcommand."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.core.actors import system_actor
from vigil.core.models import AuditEntry
from vigil.intel import reference as reference_data
from vigil.intel.formats import EXPORTERS, IMPORTERS
from vigil.intel.models import Feed, FeedRun, ImportJob, Indicator, Sighting, Source
from vigil.intel.services.ingest import import_file
from vigil.intel.services.sources import source_create

from .test_feeds import FeedServer

pytestmark = pytest.mark.django_db


def intel(capsys, *args):
    """Run `vigil intel ARGS`; (stdout, stderr)."""
    call_command("intel", *args)
    captured = capsys.readouterr()
    return captured.out, captured.err


def as_json(capsys, *args):
    out, _err = intel(capsys, *args, "--json")
    return json.loads(out)


@pytest.fixture
def listing(tmp_path):
    path = tmp_path / "lua-dao.txt"
    path.write_text("# danh sách\nlua-dao-1.xyz\nlua-dao-2.xyz\nlua-dao-3.xyz\n", encoding="utf-8")
    return path


@pytest.fixture
def sources_a(net):
    """Province A's partner sources the imports go to: an import creates no source."""
    for name in ("Đối tác X", "Đối tác Y", "CSV", "Chung", "Riêng", "IP"):
        source_create(actor=system_actor(), owner_unit=net.prov_a, name=name, tlp="amber", kind="partner")


@pytest.fixture
def amber_a(net, tmp_path):
    """An AMBER indicator of province A."""
    source = source_create(actor=system_actor(), owner_unit=net.prov_a, name="Riêng tỉnh A", tlp="amber")
    path = tmp_path / "amber.txt"
    path.write_text("rieng-tinh-a.xyz\n", encoding="utf-8")
    import_file(actor=system_actor(), source=source, path=path, format="list", options={"type": "domain"})
    return Indicator.objects.get(value="rieng-tinh-a.xyz")


# --------------------------------------------------------------------------- import


def test_an_import_with_a_bad_line_exits_1_naming_the_line_and_writes_nothing(net, sources_a, tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_text("lua-dao-1.xyz\nkhông phải tên miền!\nlua-dao-2.xyz\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        intel(capsys, "import", str(path), "--format", "list", "--type", "domain", "--source", "Đối tác X",
              "--as", "a_analyst")
    assert exc.value.returncode == 1
    assert "dòng 2" in str(exc.value) and "--skip-invalid" in str(exc.value)
    assert not Indicator.objects.exists()

    out, err = intel(capsys, "import", str(path), "--format", "list", "--type", "domain", "--source", "Đối tác X",
                     "--skip-invalid", "--as", "a_analyst")
    assert "2 tạo mới" in out
    assert "dòng 2" in err and "bản ghi" in err
    assert Indicator.objects.count() == 2


def test_an_import_creates_no_source(net, listing, capsys):
    """An unknown source name is refused, as on the page and in the API: creating a source
    (its unit, TLP, sharing) is `vigil intel sources create`, not a side effect."""
    with pytest.raises(CommandError) as exc:
        intel(capsys, "import", str(listing), "--format", "list", "--source", "Chưa có", "--as", "a_analyst")
    assert "--source" in str(exc.value) and "sources create" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        intel(capsys, "import", str(listing), "--format", "list", "--as", "a_analyst")
    assert "--source" in str(exc.value)
    assert not Source.objects.exists() and not Indicator.objects.exists()


def test_a_long_error_list_is_cut_after_twenty_lines(net, sources_a, tmp_path, capsys):
    path = tmp_path / "many.txt"
    path.write_text("".join(f"sai {i}\n" for i in range(30)), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        intel(capsys, "import", str(path), "--format", "list", "--type", "domain", "--source", "Chung",
              "--as", "a_analyst")
    text = str(exc.value)
    assert "dòng 20 " in text and "dòng 21 " not in text and "… và 10 lỗi khác" in text


def test_reimporting_the_same_file_changes_nothing(net, sources_a, listing, capsys):
    first = as_json(capsys, "import", str(listing), "--format", "list", "--source", "Đối tác Y", "--unit", "tinh-a",
                    "--tlp", "green", "--confidence", "80", "--as", "a_analyst")
    assert first["status"] == "done" and first["counts"]["created"] == 3 and not first["already_imported"]
    ind = Indicator.objects.get(value="lua-dao-1.xyz")
    assert (ind.tlp, ind.confidence) == ("green", 80)
    before = list(Indicator.objects.order_by("pk").values("pk", "last_seen", "expires_at", "updated_at"))

    out, _err = intel(capsys, "import", str(listing), "--format", "list", "--source", "Đối tác Y",
                      "--as", "a_analyst")
    assert "không có gì thay đổi" in out and f"#{first['id']}" in out
    again = as_json(capsys, "import", str(listing), "--format", "list", "--source", "Đối tác Y", "--as", "a_analyst")
    assert again["id"] == first["id"] and again["already_imported"]
    assert list(Indicator.objects.order_by("pk").values("pk", "last_seen", "expires_at", "updated_at")) == before
    assert ImportJob.objects.count() == 1

    forced = as_json(capsys, "import", str(listing), "--format", "list", "--source", "Đối tác Y", "--force",
                     "--as", "a_analyst")
    assert forced["id"] != first["id"] and forced["counts"]["created"] == 0


def test_an_import_into_a_source_the_user_cannot_write_is_refused(net, listing, capsys):
    source = source_create(actor=system_actor(), owner_unit=net.prov_a, name="Của tỉnh A", tlp="green")
    with pytest.raises(CommandError) as exc:
        intel(capsys, "import", str(listing), "--format", "list", "--source", str(source.pk), "--as", "b_analyst")
    assert exc.value.returncode == 3  # access denied
    assert not Indicator.objects.exists()
    with pytest.raises(CommandError) as exc:
        intel(capsys, "import", "/khong/co/tep.txt", "--format", "list", "--as", "a_analyst")
    assert exc.value.returncode == 2


def test_a_csv_import_takes_a_column_mapping(net, sources_a, tmp_path, capsys):
    if "csv" not in IMPORTERS:
        pytest.skip("csv format not registered yet")
    path = tmp_path / "ioc.csv"
    path.write_text("ioc,kind\nlua-dao-csv.xyz,domain\n198.51.100.77,ipv4\n", encoding="utf-8")
    data = as_json(capsys, "import", str(path), "--format", "csv", "--mapping", '{"value": "ioc", "type": "kind"}',
                   "--source", "CSV", "--as", "a_analyst")
    assert data["counts"]["created"] == 2
    with pytest.raises(CommandError) as exc:
        intel(capsys, "import", str(path), "--format", "csv", "--mapping", "{sai", "--source", "CSV",
              "--as", "a_analyst")
    assert exc.value.returncode == 2 and "--mapping" in str(exc.value)


# --------------------------------------------------------------------------- export


def test_export_writes_a_list_and_an_rpz_zone_to_a_file(net, sources_a, listing, tmp_path, capsys):
    intel(capsys, "import", str(listing), "--format", "list", "--source", "Chung", "--tlp", "green",
          "--as", "a_analyst")
    target = tmp_path / "out.txt"
    out, err = intel(capsys, "export", "--format", "list", "--type", "domain", "--output", str(target),
                     "--as", "b_analyst")
    lines = target.read_text(encoding="utf-8").splitlines()
    assert {"lua-dao-1.xyz", "lua-dao-2.xyz", "lua-dao-3.xyz"} <= set(lines)
    assert "dòng" in err and str(target) in out
    assert not (tmp_path / "out.txt.partial").exists()
    assert AuditEntry.objects.filter(action="export", actor=net.b_analyst).exists()

    out, _err = intel(capsys, "export", "--format", "list", "--type", "ipv4", "--as", "b_analyst")
    assert "lua-dao" not in out

    if "rpz" not in EXPORTERS:
        pytest.skip("rpz format not registered yet")
    zone = tmp_path / "vigil.rpz"
    intel(capsys, "export", "--format", "rpz", "--zone", "rpz.cqtt.vn", "--min-confidence", "10",
          "--output", str(zone), "--as", "b_analyst")
    text = zone.read_text(encoding="utf-8")
    assert "$ORIGIN rpz.cqtt.vn." in text and "lua-dao-1.xyz CNAME ." in text


def test_export_filters_are_checked(net, capsys):
    with pytest.raises(CommandError) as exc:
        intel(capsys, "export", "--format", "list", "--type", "ip", "--as", "a_analyst")
    assert "type" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        intel(capsys, "export", "--format", "list", "--min-confidence", "300", "--as", "a_analyst")
    assert "min_confidence" in str(exc.value)


# --------------------------------------------------------------------------- indicators and sightings


def test_indicators_add_list_show_revoke_and_restore(net, capsys):
    added = as_json(capsys, "indicators", "add", "--type", "url", "--value", "hxxp://lua-dao[.]xyz/Dang-Nhap",
                    "--tlp", "green", "--confidence", "90", "--tag", "phishing", "--as", "a_analyst")
    assert added["value"] == "http://lua-dao.xyz/Dang-Nhap" and added["status"] == "active"
    assert added["value_defanged"].startswith("hxxp")

    page = as_json(capsys, "indicators", "list", "--type", "url", "--as", "b_analyst")
    assert [i["id"] for i in page["items"]] == [added["id"]]
    out, _err = intel(capsys, "indicators", "list", "--q", "hxxp://lua-dao[.]xyz/Dang-Nhap", "--as", "b_analyst")
    assert "1 chỉ báo." in out and "hxxp://lua-dao[.]xyz/Dang-Nhap" in out

    shown = as_json(capsys, "indicators", "show", f"url:{added['value']}", "--as", "b_analyst")
    assert shown["id"] == added["id"] and shown["claims"][0]["source"]["owner_unit"]["code"] == "tinh-a"
    assert shown["claims"][0]["tags"] == ["phishing"]
    out, _err = intel(capsys, "indicators", "show", str(added["id"]), "--as", "a_analyst")
    assert "hxxp://lua-dao[.]xyz" in out and "Nguồn (1)" in out

    sighting = as_json(capsys, "sightings", "add", str(added["id"]), "--unit", "tinh-b", "--count", "3",
                       "--note", "Thấy ở cổng thư", "--seen-at", "2026-01-05T08:00:00+07:00", "--as", "b_analyst")
    assert sighting["count"] == 3 and Sighting.objects.get().owner_unit == net.prov_b

    with pytest.raises(CommandError):
        intel(capsys, "indicators", "revoke", str(added["id"]), "--reason", "Nhầm", "--as", "b_analyst")
    intel(capsys, "indicators", "revoke", str(added["id"]), "--reason", "Trang thật của ngân hàng",
          "--as", "a_analyst")
    assert Indicator.objects.get().status == "revoked"
    assert as_json(capsys, "indicators", "list", "--as", "a_analyst")["items"] == []
    assert len(as_json(capsys, "indicators", "list", "--status", "revoked", "--as", "a_analyst")["items"]) == 1
    intel(capsys, "indicators", "restore", str(added["id"]), "--as", "a_analyst")
    assert Indicator.objects.get().status == "active"


def test_another_province_cannot_see_an_amber_indicator(net, amber_a, capsys):
    for ref in (str(amber_a.pk), "domain:rieng-tinh-a.xyz", "rieng-tinh-a.xyz"):
        with pytest.raises(CommandError) as exc:
            intel(capsys, "indicators", "show", ref, "--as", "b_analyst")
        assert exc.value.returncode == 3 and "Không tìm thấy" in str(exc.value)
    assert as_json(capsys, "indicators", "list", "--as", "b_analyst")["items"] == []
    assert as_json(capsys, "indicators", "show", str(amber_a.pk), "--as", "a_analyst")["tlp"] == "amber"
    assert as_json(capsys, "indicators", "show", str(amber_a.pk), "--as", "agency_analyst")["id"] == amber_a.pk


def test_the_acting_user_is_required(net, capsys, monkeypatch):
    monkeypatch.delenv("VIGIL_USER", raising=False)
    with pytest.raises(CommandError) as exc:
        intel(capsys, "indicators", "list")
    assert exc.value.returncode == 2


# --------------------------------------------------------------------------- sources and imports


def test_sources_create_list_show_update_delete(net, capsys):
    created = as_json(capsys, "sources", "create", "--name", "Đối tác ngân hàng", "--unit", "cqtt", "--tlp", "amber",
                      "--kind", "partner", "--reliability", "B", "--confidence", "70", "--lifetime-days", "30",
                      "--share-with", "tinh-b", "--as", "agency_analyst")
    assert created["reliability"] == "B" and created["lifetime_days"] == 30
    assert [s["name"] for s in as_json(capsys, "sources", "list", "--as", "b_analyst")] == ["Đối tác ngân hàng"]
    shown = as_json(capsys, "sources", "show", "Đối tác ngân hàng", "--as", "b_analyst")
    assert [u["code"] for u in shown["shared_with"]] == ["tinh-b"] and shown["claim_count"] == 0
    with pytest.raises(CommandError):
        intel(capsys, "sources", "create", "--name", "Đối tác ngân hàng", "--unit", "cqtt", "--as", "agency_analyst")
    with pytest.raises(CommandError) as exc:
        intel(capsys, "sources", "create", "--name", "Sai", "--unit", "tinh-a", "--confidence", "120",
              "--as", "a_analyst")
    assert "Độ tin cậy" in str(exc.value)
    with pytest.raises(CommandError):
        intel(capsys, "sources", "create", "--name", "Không được", "--unit", "tinh-a", "--as", "b_analyst")
    with pytest.raises(CommandError):
        intel(capsys, "sources", "update", str(created["id"]), "--inactive", "--as", "b_analyst")

    intel(capsys, "sources", "update", str(created["id"]), "--share-with", "", "--as", "agency_analyst")
    assert as_json(capsys, "sources", "list", "--as", "b_analyst") == []
    intel(capsys, "sources", "update", "Đối tác ngân hàng", "--inactive", "--as", "agency_analyst")
    assert Source.objects.get().is_active is False
    with pytest.raises(CommandError):
        intel(capsys, "sources", "delete", str(created["id"]), "--as", "agency_analyst")  # analysts may not delete
    intel(capsys, "sources", "delete", str(created["id"]), "--as", "admin")
    assert not Source.objects.exists()


def test_imports_list_and_show(net, sources_a, listing, capsys):
    job = as_json(capsys, "import", str(listing), "--format", "list", "--source", "Riêng", "--as", "a_analyst")
    assert [j["id"] for j in as_json(capsys, "imports", "list", "--as", "a_analyst")] == [job["id"]]
    assert as_json(capsys, "imports", "list", "--as", "b_analyst") == []
    out, _err = intel(capsys, "imports", "show", str(job["id"]), "--as", "a_analyst")
    assert "lua-dao.txt" in out and "3 tạo mới" in out
    with pytest.raises(CommandError):
        intel(capsys, "imports", "show", str(job["id"]), "--as", "b_analyst")


# --------------------------------------------------------------------------- feeds


def test_feeds_create_run_show_and_run_due_against_a_local_server(net, capsys, settings):
    settings.INTEL_FEED_ALLOW_PRIVATE = True
    source = source_create(actor=system_actor(), owner_unit=net.prov_a, name="Nguồn cấp", tlp="amber", kind="feed")
    with FeedServer() as server:
        url = server.serve("/feed.txt", "lua-dao-f1.xyz\nlua-dao-f2.xyz\n")
        feed = as_json(capsys, "feeds", "create", "--source", "Nguồn cấp", "--name", "Danh sách", "--url", url,
                       "--format", "list", "--type", "domain", "--interval", "30", "--tlp", "green",
                       "--as", "a_analyst")
        assert feed["interval_minutes"] == 30 and feed["next_run_at"] is None
        with pytest.raises(CommandError) as exc:
            intel(capsys, "feeds", "create", "--source", str(source.pk), "--name", "Sai", "--url", "ftp://x/y",
                  "--format", "list", "--as", "a_analyst")
        assert str(exc.value).startswith("url:")
        with pytest.raises(CommandError):
            intel(capsys, "feeds", "create", "--source", str(source.pk), "--name", "B", "--url", url,
                  "--format", "list", "--as", "b_analyst")

        run = as_json(capsys, "feeds", "run", str(feed["id"]), "--as", "a_analyst")
        assert run["status"] == "done" and run["counts"]["created"] == 2
        assert Indicator.objects.get(value="lua-dao-f1.xyz").tlp == "green"
        out, _err = intel(capsys, "feeds", "show", str(feed["id"]), "--as", "a_analyst")
        assert "Hoàn thành" in out and "HTTP 200" in out

        assert [f["id"] for f in as_json(capsys, "feeds", "list", "--as", "a_analyst")] == [feed["id"]]
        assert as_json(capsys, "feeds", "list", "--as", "b_analyst") == []
        with pytest.raises(CommandError):
            intel(capsys, "feeds", "show", str(feed["id"]), "--as", "b_analyst")

        server.serve("/broken.txt", "x", status=404)
        intel(capsys, "feeds", "update", str(feed["id"]), "--url", server.url("/broken.txt"), "--as", "a_analyst")
        with pytest.raises(CommandError) as exc:
            intel(capsys, "feeds", "run", str(feed["id"]), "--as", "a_analyst")
        assert exc.value.returncode == 1 and "HTTP 404" in str(exc.value)

        intel(capsys, "feeds", "update", str(feed["id"]), "--url", url, "--as", "a_analyst")
        Feed.objects.filter(pk=feed["id"]).update(next_run_at=None)
        assert as_json(capsys, "feeds", "run-due") == {"ran": 1}
        assert as_json(capsys, "feeds", "run-due") == {"ran": 0}
        assert FeedRun.objects.filter(feed_id=feed["id"]).count() == 3

        intel(capsys, "feeds", "delete", str(feed["id"]), "--as", "a_analyst")
        assert not Feed.objects.exists()


# --------------------------------------------------------------------------- warninglists and taxonomies


def test_warninglists_list_show_and_disable_change_the_verdict(net, sources_a, tmp_path, capsys):
    reference_data.load_all()
    lists = as_json(capsys, "warninglists", "list", "--as", "b_analyst")
    rfc1918 = next(w for w in lists if w["slug"] == "rfc1918")
    assert rfc1918["enabled"] and rfc1918["entry_count"] > 0
    out, _err = intel(capsys, "warninglists", "show", "rfc1918", "--as", "b_analyst")
    assert "10.0.0.0/8" in out

    path = tmp_path / "ips.txt"
    path.write_text("10.20.30.40\n185.220.101.4\n", encoding="utf-8")
    job = as_json(capsys, "import", str(path), "--format", "list", "--source", "IP", "--as", "a_analyst")
    assert job["counts"]["warninglisted"] == 1
    held = Indicator.objects.get(value="10.20.30.40")
    assert held.status == "warninglisted"
    # 10.0.0.0/8 is on two lists (RFC 1918 and RFC 5735): switching off the one that
    # matched leaves the other; switching off both activates the indicator.
    first = "rfc1918" if "[rfc1918]" in held.warning else "rfc5735"
    other = "rfc5735" if first == "rfc1918" else "rfc1918"

    with pytest.raises(CommandError):
        intel(capsys, "warninglists", "disable", first, "--as", "a_analyst")  # network-wide admins only
    out, _err = intel(capsys, "warninglists", "disable", first, "--as", "admin")
    assert "1 chỉ báo" in out
    held.refresh_from_db()
    assert held.status == "warninglisted" and f"[{other}]" in held.warning
    intel(capsys, "warninglists", "disable", other, "--as", "admin")
    held.refresh_from_db()
    assert held.status == "active" and held.warning == ""
    assert Indicator.objects.get(value="185.220.101.4").status == "active"
    assert AuditEntry.objects.filter(action="intel.warninglist.disable").count() == 2

    data = as_json(capsys, "warninglists", "enable", str(rfc1918["id"]), "--as", "admin")
    assert data["enabled"] and data["indicators_changed"] == 1
    held.refresh_from_db()
    assert held.status == "warninglisted" and "[rfc1918]" in held.warning


def test_warninglists_and_taxonomies_load_from_a_directory(net, tmp_path, capsys):
    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "vn-banks.json").write_text(json.dumps({
        "name": "Trang chính thức của ngân hàng", "type": "hostname", "version": 1,
        "matching_attributes": ["domain", "hostname", "url"], "list": ["vietcombank.com.vn"],
    }), encoding="utf-8")
    assert as_json(capsys, "warninglists", "load", str(folder)) == {"created": 1, "updated": 0, "unchanged": 0}
    assert as_json(capsys, "warninglists", "load", str(folder), "--as", "admin")["unchanged"] == 1
    with pytest.raises(CommandError):
        intel(capsys, "warninglists", "load", str(folder), "--as", "a_analyst")
    (folder / "broken.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        intel(capsys, "warninglists", "load", str(folder))
    assert "broken.json" in str(exc.value)

    reference_data.load_all()
    taxonomies = as_json(capsys, "taxonomies", "list", "--as", "b_analyst")
    assert any(t["namespace"] == "tlp" and t["tag_count"] > 0 for t in taxonomies)
    with pytest.raises(CommandError):
        intel(capsys, "taxonomies", "load", str(tmp_path / "khong-co"))
