"""Threat intelligence in a real browser: a province analyst creates an AMBER source and
uploads a list (a bad line is named, then skipped), finds an indicator defanged in the
list, records a sighting; a sibling province cannot open it; the standing agency sees it,
revokes it as a false positive, and the province's blocklist export no longer carries it."""

import pytest

from vigil.intel import reference as reference_data
from vigil.intel.models import ImportJob, Indicator, Source

from .test_program_browser import open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = "\n".join([
    "# scam domains seen by province A",
    "vietcombank-xacminh[.]example",
    "hxxps://bidv-nhantien.example/otp",
    "not a domain at all",
    "203.0.113.77",
]) + "\n"


def test_source_upload_sighting_sibling_rule_and_revocation(browser, live_server, net, tmp_path):
    base = live_server.url
    reference_data.load_all()
    upload = tmp_path / "scam-a.txt"
    upload.write_text(LIST)

    # 1. Province A's analyst creates an AMBER source and uploads the list.
    a_ctx, a = open_as(browser, base, "a_analyst")
    a.goto(f"{base}/intel/sources/new/")
    a.select_option("select[name=owner_unit]", str(net.units["prov_a"].pk))
    a.fill("input[name=name]", "Tỉnh A – phản ánh lừa đảo")
    a.select_option("select[name=tlp]", "amber")
    with a.expect_navigation():
        a.click("[data-testid=submit]")
    source = Source.objects.get(name="Tỉnh A – phản ánh lừa đảo")
    assert source.owner_unit == net.units["prov_a"]

    a.goto(f"{base}/intel/imports/new/")
    a.set_input_files("input[name=file]", str(upload))
    a.select_option("select[name=source]", str(source.pk))
    a.select_option("select[name=format]", "list")
    with a.expect_navigation():
        a.click("[data-testid=submit]")
    # Nothing of the refused batch is written, and the bad line is named by its number.
    assert "4" in a.inner_text("[data-testid=import-errors]")
    assert Indicator.objects.count() == 0
    a.goto(f"{base}/intel/imports/new/")
    a.set_input_files("input[name=file]", str(upload))
    a.select_option("select[name=source]", str(source.pk))
    a.select_option("select[name=format]", "list")
    a.check("input[name=skip_invalid]")
    with a.expect_navigation():
        a.click("[data-testid=submit]")
    assert a.inner_text("[data-testid=count-created]").strip() == "3"
    assert ImportJob.objects.get(source=source).status == ImportJob.Status.DONE

    # 2. The list shows values defanged; the detail page takes a sighting.
    a.goto(f"{base}/intel/indicators/?type=domain")
    table = a.inner_text("[data-testid=indicator-table]")
    assert "vietcombank-xacminh[.]example" in table and "vietcombank-xacminh.example" not in table
    indicator = Indicator.objects.get(type="domain", value="vietcombank-xacminh.example")
    a.goto(f"{base}/intel/indicators/{indicator.pk}/")
    form = a.locator("[data-testid=sighting-form]")
    form.locator("select[name=unit]").select_option(str(net.units["prov_a"].pk))
    form.locator("input[name=count]").fill("3")
    form.locator("input[name=note]").fill("Người dân phản ánh qua đường dây nóng")
    with a.expect_navigation():
        a.click("[data-testid=sighting-submit]")
    assert "Người dân phản ánh" in a.inner_text("[data-testid=sighting-table]")
    export = a.request.get(f"{base}/api/v1/intel/exports/rpz?type=domain")
    assert export.ok and "vietcombank-xacminh.example CNAME ." in export.text()
    a_ctx.close()

    # 3. A sibling province cannot open it, nor find it in its list.
    b_ctx, b = open_as(browser, base, "b_analyst")
    assert b.goto(f"{base}/intel/indicators/{indicator.pk}/").status == 404
    b.goto(f"{base}/intel/indicators/?status=all")
    assert "vietcombank" not in b.inner_text("main")
    b_ctx.close()

    # 4. The standing agency sees it, revokes it; it leaves every blocklist at once.
    g_ctx, g = open_as(browser, base, "agency_analyst")
    g.goto(f"{base}/intel/indicators/{indicator.pk}/")
    g.fill("[data-testid=revoke-form] textarea[name=reason]", "Tên miền của chiến dịch thử nghiệm nội bộ")
    with g.expect_navigation():
        g.click("[data-testid=revoke-submit]")
    assert "Tên miền của chiến dịch thử nghiệm nội bộ" in g.inner_text("main")
    g_ctx.close()
    indicator.refresh_from_db()
    assert indicator.revoked_at is not None
    a_ctx, a = open_as(browser, base, "a_analyst")
    export = a.request.get(f"{base}/api/v1/intel/exports/rpz?type=domain")
    assert export.ok and "vietcombank-xacminh" not in export.text()
    a_ctx.close()
