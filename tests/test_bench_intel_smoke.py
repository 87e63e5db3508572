"""The benchmark of issue 5 (bench/intel) still runs: its input files are what they claim,
every measurement runs once on a tiny input through the real services, and the report
renders. No timing is asserted here: `bench/run intel` measures."""

import argparse
import json

import pytest

from bench.intel import data, report, run

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # their data is dated from the real today


def test_generated_inputs_hold_distinct_domains_and_a_valid_bundle(tmp_path):
    lines = data.write_list(tmp_path / "d.txt", 500).read_text().splitlines()
    assert lines[0].startswith("#") and len(set(lines[1:])) == 500
    bundle = json.loads(data.write_stix(tmp_path / "b.json", 50).read_text())
    assert bundle["type"] == "bundle" and len(bundle["objects"]) == 50
    assert {o["pattern"].split("'")[1] for o in bundle["objects"]} == set(data.domains(50, seed=11))


def test_every_measurement_runs_and_the_report_renders(tmp_path):
    list_path = data.write_list(tmp_path / "d.txt", 300)
    stix_path = data.write_stix(tmp_path / "b.json", 40)
    out = run.measure(str(list_path), str(stix_path), log=lambda _m: None)
    assert out["list"]["records"] == 300 and out["list"]["created"] == 300
    assert out["list_again"]["updated"] == 300
    assert out["same_file"]["job"] is True
    assert out["stix"]["records"] == 40 and out["stix"]["created"] == 40
    assert out["indicators"] == 340
    assert out["rpz"]["lines"] >= 2 * 340  # a CNAME and a wildcard per domain, plus the header
    text = report.render(results={"sqlite": out}, args=argparse.Namespace(quick=True, count=300, stix_count=40))
    assert "plain list: indicators / s" in text and "RPZ export" in text
