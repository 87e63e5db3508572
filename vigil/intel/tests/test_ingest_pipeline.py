"""The PostgreSQL import pipeline: outside a transaction, batches are written by a writer
thread on its own connection while the next batch is normalised. Its results must be those
of the sequential path: counts, checkpoints, refusal of a bad batch (earlier batches kept,
the job resumable), re-import changing nothing."""

import pytest
from django.db import connection

from vigil.core.actors import system_actor
from vigil.intel.models import ImportJob, Indicator, IndicatorSource, Source
from vigil.intel.services import ingest


@pytest.fixture
def source(transactional_db, net):
    if connection.vendor != "postgresql":
        pytest.skip("the writer thread is PostgreSQL's (SQLite writes in the importing thread)")
    return Source.objects.create(owner_unit=net.agency, name="pipeline", tlp="green")


def _write(tmp_path, lines):
    path = tmp_path / "list.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_threaded_import_counts_and_checkpoints_like_the_sequential_one(source, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "BATCH_SIZE", 100)
    seen = []
    path = _write(tmp_path, [f"pipe-{i}.example.vn" for i in range(450)] + ["pipe-1.example.vn"])
    job = ingest.import_file(actor=system_actor(), source=source, path=path, format="list",
                             options={"type": "domain"}, progress=lambda j: seen.append(j.records_done))
    assert job.status == ImportJob.Status.DONE
    assert job.counts["read"] == 451 and job.counts["created"] == 450 and job.counts["duplicates"] == 0
    assert seen[:5] == [100, 200, 300, 400, 451]
    assert Indicator.objects.count() == IndicatorSource.objects.count() == 450
    again = ingest.import_file(actor=system_actor(), source=source, path=path, format="list",
                               options={"type": "domain"}, refresh=True)
    # every line was written again (the duplicate in the last batch refreshes its own claim)
    assert again.counts["created"] == 0 and again.counts["updated"] == 451


def test_threaded_import_keeps_earlier_batches_when_one_is_refused_and_resumes(source, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "BATCH_SIZE", 100)
    lines = [f"ok-{i}.example.vn" for i in range(250)]
    lines[180] = "not a domain"
    path = _write(tmp_path, lines)
    job = ingest.import_file(actor=system_actor(), source=source, path=path, format="list",
                             options={"type": "domain"})
    assert job.status == ImportJob.Status.FAILED
    assert job.records_done == 100  # the first batch committed, the second was refused whole
    assert [e["line"] for e in job.errors] == [181]
    assert Indicator.objects.count() == 100
    resumed = ingest.import_file(actor=system_actor(), source=source, path=path, format="list",
                                 options={"type": "domain"}, skip_invalid=True)
    assert resumed.pk == job.pk and resumed.status == ImportJob.Status.DONE
    assert resumed.counts["invalid"] == 1 and len(resumed.errors) == 1
    assert Indicator.objects.count() == 249


def test_a_source_that_tightens_its_label_takes_the_indicator_with_it(net, tmp_path):
    """A value a source first shared as GREEN and now labels AMBER stops being visible to
    every member, unless another source still says GREEN (sequential path, both backends)."""
    from vigil.core.access import visible_to

    src = Source.objects.create(owner_unit=net.prov_a, name="tightening", tlp="green")
    other = Source.objects.create(owner_unit=net.prov_a, name="still green", tlp="green")
    path = _write(tmp_path, ["only-here.example.vn", "both.example.vn"])
    ingest.import_file(actor=system_actor(), source=src, path=path, format="list", options={"type": "domain"})
    ingest.import_records(actor=system_actor(), source=other, label="other",
                          records=[ingest.Record(type="domain", value="both.example.vn", line=1)])
    b = net.users["b_analyst"]
    assert visible_to(b, Indicator).count() == 2
    ingest.import_file(actor=system_actor(), source=src, path=path, format="list", options={"type": "domain"},
                       tlp="amber", refresh=True)
    assert dict(Indicator.objects.values_list("value", "tlp")) == {
        "only-here.example.vn": "amber", "both.example.vn": "green"}
    assert list(visible_to(b, Indicator).values_list("value", flat=True)) == ["both.example.vn"]
