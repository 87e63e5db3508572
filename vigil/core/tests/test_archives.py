"""Issue 11, item 3: decompression bombs are refused before anything is decompressed into
memory — systems imports (XLSX), uploads (Office files, ZIP; also incident mail
attachments, which go through the same check), intel imports and STIX files (gzip). The
bombs are built here: small on disk, huge when expanded."""

from __future__ import annotations

import gzip
import io
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook

from vigil.core import archives
from vigil.core.actors import Actor, system_actor
from vigil.core.errors import DomainError
from vigil.core.uploads import check_upload

MIB = 1 << 20


def zip_bytes(members: dict[str, bytes | int], *, method=zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP; an int member is that many zero bytes, written in chunks (never held)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            if isinstance(content, int):
                with archive.open(name, "w", force_zip64=True) as member:
                    chunk = b"0" * MIB
                    for _ in range(content // MIB):
                        member.write(chunk)
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


def xlsx_with_cell(text_bytes: int) -> bytes:
    """A real XLSX (made by openpyxl) whose first cell is `text_bytes` long."""
    book = Workbook()
    book.active.append(["Mã đơn vị", "Mã hệ thống", "Tên hệ thống"])
    book.active.append(["tinh-a", "ht", "PLACEHOLDER"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"PLACEHOLDER")
                head = head.replace(b't="s"', b't="inlineStr"')
                with target.open(info.filename, "w", force_zip64=True) as member:
                    member.write(head)
                    chunk = b"A" * MIB
                    for _ in range(text_bytes // MIB):
                        member.write(chunk)
                    member.write(b"A" * (text_bytes % MIB))
                    member.write(tail)
            else:
                target.writestr(info, data)
    return out.getvalue()


# --------------------------------------------------------------------------- the helper


def test_a_zip_bomb_is_refused_from_its_central_directory():
    bomb = zip_bytes({"a.txt": 32 * MIB})
    assert len(bomb) < 1 * MIB
    with pytest.raises(archives.ArchiveError) as exc:
        archives.inspect_zip(bomb, name="bom.zip")
    assert exc.value.field == "file" and "bom.zip" in str(exc.value.message)


def test_totals_member_counts_and_broken_archives_are_refused():
    with pytest.raises(archives.ArchiveError) as exc:  # stored (no compression): only the total counts
        archives.inspect_zip(zip_bytes({"a": b"x" * 3000, "b": b"y" * 3000}, method=zipfile.ZIP_STORED),
                             name="lon.zip", limit=5000)
    assert "lon.zip" in str(exc.value.message)
    with pytest.raises(archives.ArchiveError):
        archives.inspect_zip(zip_bytes({f"f{i}": b"" for i in range(archives.MAX_MEMBERS + 1)},
                                       method=zipfile.ZIP_STORED), name="nhieu.zip")
    with pytest.raises(archives.ArchiveError):
        archives.inspect_zip(b"PK\x03\x04 not a zip", name="hong.zip")
    summary = archives.inspect_zip(zip_bytes({"ok.txt": b"hello" * 100}), name="ok.zip")
    assert summary.members == 1 and summary.total == 500


def test_a_gzip_bomb_stops_at_the_ratio_and_a_truncated_gzip_is_a_clear_error():
    bomb = gzip.compress(b"0" * (64 * MIB))
    with pytest.raises(archives.ArchiveError) as exc:
        archives.gunzip_bytes(bomb, name="bom.gz")
    assert "bom.gz" in str(exc.value.message)
    with override_settings(VIGIL_ARCHIVE_MAX_RATIO=10_000, VIGIL_ARCHIVE_MAX_BYTES=8 * MIB):
        with pytest.raises(archives.ArchiveError):  # the absolute limit
            archives.gunzip_bytes(bomb, name="bom.gz")
    with pytest.raises(archives.ArchiveError) as exc:
        archives.gunzip_bytes(gzip.compress(b"1.2.3.4\n" * 1000)[:-20], name="cut.gz")
    assert "cut.gz" in str(exc.value.message)
    assert archives.gunzip_bytes(gzip.compress(b"abc\n" * 10), name="ok.gz") == b"abc\n" * 10


# --------------------------------------------------------------------------- systems import (XLSX)


@pytest.mark.django_db
def test_systems_import_refuses_an_xlsx_bomb_before_openpyxl_reads_it(net):
    from vigil.assets.services import imports

    actor = Actor(user=net.a_analyst, channel="web")
    bomb = xlsx_with_cell(64 * MIB)  # one cell of 64 MB (the 1 GB of the probe, scaled down)
    assert len(bomb) < 2 * MIB
    with mock.patch("openpyxl.load_workbook", side_effect=AssertionError("read before the check")):
        with pytest.raises(DomainError) as exc:
            imports.import_registry(actor=actor, content=bomb, filename="he-thong.xlsx")
    assert exc.value.field == "file" and "he-thong.xlsx" in str(exc.value.message)

    # Below the ratio but longer than any Excel cell: still refused, streamed.
    long_cell = xlsx_with_cell(400_000)
    with mock.patch("openpyxl.load_workbook", side_effect=AssertionError("read before the check")):
        with pytest.raises(DomainError) as exc:
            imports.import_registry(actor=actor, content=long_cell, filename="o-dai.xlsx")
    assert exc.value.field == "file" and "o-dai.xlsx" in str(exc.value.message)

    # An ordinary file still reads (its row has errors of its own, not a file error).
    result = imports.import_registry(actor=actor, content=xlsx_with_cell(20), filename="ok.xlsx", dry_run=True)
    assert result.rows == 1


# --------------------------------------------------------------------------- uploads


@pytest.mark.parametrize("name", ["bao-cao.docx", "bang.xlsx", "goi.zip"])
@override_settings(VIGIL_MAX_UPLOAD_BYTES=20 * MIB)  # the size limit is not what is tested here
def test_an_upload_that_promises_a_bomb_is_refused(name):
    bomb = zip_bytes({"word/document.xml": 32 * MIB})
    with pytest.raises(DomainError) as exc:
        check_upload(SimpleUploadedFile(name, bomb), field="attachments")
    assert exc.value.field == "attachments" and name in str(exc.value.message)
    fine = zip_bytes({"word/document.xml": b"<w:document/>"})
    assert check_upload(SimpleUploadedFile(name, fine)).size == len(fine)


@pytest.mark.django_db
def test_a_mail_attachment_bomb_is_left_out_of_the_incident(net):
    from vigil.incidents import reference as reference_data
    from vigil.incidents.models import Incident
    from vigil.incidents.services import mail
    from vigil.incidents.tests.test_mail_import import message

    reference_data.load_all()
    bomb = zip_bytes({"word/document.xml": 32 * MIB})
    raw = message(7, attach=[("hop-dong.docx", bomb, "application",
                              "vnd.openxmlformats-officedocument.wordprocessingml.document")]).as_bytes()
    result = mail.import_message(actor=Actor(user=net.users["agency_analyst"], channel="cli"), raw=raw)
    assert result.status == "created"
    incident = Incident.objects.get(intake_key="mail:report-7@example.org")
    assert not incident.evidence.exists()
    assert incident.timeline.filter(kind="attachment_refused", text__contains="hop-dong.docx").exists()


# --------------------------------------------------------------------------- intel (gzip)


@pytest.fixture
def source(net):
    from vigil.intel.services.sources import source_create

    return source_create(actor=system_actor(), owner_unit=net.prov_a, name="Nguồn thử", tlp="amber", kind="feed")


@pytest.mark.django_db
def test_intel_imports_stop_a_gzip_bomb_and_report_a_truncated_gzip(source, tmp_path):
    from vigil.intel.models import ImportJob
    from vigil.intel.services import ingest

    bomb = tmp_path / "bom.txt.gz"
    with gzip.open(bomb, "wb") as fh:
        for _ in range(64):
            fh.write(b"\n" * MIB)
    job = ingest.import_file(actor=system_actor(), source=source, path=bomb, format="list",
                             options={"type": "domain"})
    assert job.status == ImportJob.Status.FAILED
    assert "bom.txt.gz" in job.errors[-1]["message"]

    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(gzip.compress(b"lua-dao.example\n" * 5000)[:-40])
    job = ingest.import_file(actor=system_actor(), source=source, path=cut, format="list",
                             options={"type": "domain"})
    assert job.status == ImportJob.Status.FAILED and "cut.txt.gz" in job.errors[-1]["message"]


@pytest.mark.django_db
def test_a_stix_gzip_bomb_is_refused(source, tmp_path):
    from vigil.intel.services import stix_store

    bomb = tmp_path / "bundle.json.gz"
    with gzip.open(bomb, "wb") as fh:
        fh.write(b'{"type": "bundle", "id": "bundle--1", "objects": [], "pad": "')
        for _ in range(64):
            fh.write(b" " * MIB)
        fh.write(b'"}')
    with pytest.raises(DomainError) as exc:
        stix_store.store_file(actor=system_actor(), source=source, path=bomb)
    assert exc.value.field == "file" and "bundle.json.gz" in str(exc.value.message)
