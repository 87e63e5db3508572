"""The audit chain against someone with write access to the database (issue 11, item 9):
the chain is keyed with a secret kept outside the database, and signed checkpoints of its
head (a file, and notifications to the auditors) reveal truncation and rewrites that a
plain hash chain cannot."""

import hashlib
import io
import os
import stat

import pytest
from django.core.management import call_command
from django.db import connection

from vigil.core import audit, audit_seal
from vigil.core.actors import Actor
from vigil.core.models import AuditChainHead, AuditEntry, Notification
from vigil.org.services.units import unit_update

from .conftest import audit_triggers_dropped

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_files(tmp_path, settings):
    """A key file and a checkpoint file of this test only. The entries already in the log
    (the standard test network's, written once for the whole session under the session's
    key) are re-keyed with this test's key, in the test's transaction: the chain is then
    one written under this key from its first entry."""
    settings.AUDIT_KEY = ""
    settings.AUDIT_KEY_FILE = tmp_path / "audit.key"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.log"
    first = AuditEntry.objects.order_by("seq").first()
    if first is not None:
        with audit_triggers_dropped():
            _recompute_from(first.seq, audit.entry_digest, alg=audit.HASH_HMAC)
    return tmp_path


@pytest.fixture
def chain(sealed_files, net):
    """The test network's entries (written through services) and a few more."""
    for phone in ("111", "222", "333", "444"):
        unit_update(actor=Actor(user=net.a_head), unit=net.prov_a_dept, phone=phone)
    return net


def cli(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rewrite(entry, **changes):
    """UPDATE one row as an attacker would (the triggers must be dropped)."""
    columns = ", ".join(f"{name} = %s" for name in changes)
    _execute(f"UPDATE core_auditentry SET {columns} WHERE seq = %s", [*changes.values(), entry.seq])


def _sealed_seq(files):
    """The sequence number of the last checkpoint in the file."""
    return int((files / "audit-checkpoints.log").read_text().splitlines()[-1].split("\t")[1])


def _rewind_head(seq, digest):
    AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=digest)


def _plain_sha256(entry):
    """The unkeyed digest the product used before (what an attacker can compute)."""
    legacy = AuditEntry(**{f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields})
    legacy.hash_alg = None
    return audit.entry_digest(legacy)


def _recompute_from(seq, digest_of, *, alg):
    """Rewrite the chain from `seq` to the end with `digest_of(entry)`, and move the head."""
    rows = list(AuditEntry.objects.filter(seq__gte=seq).order_by("seq"))
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else audit.GENESIS
    for entry in rows:
        entry.prev_hash = prev
        entry.hash_alg = alg
        entry.hash = digest_of(entry)
        _rewrite(entry, prev_hash=entry.prev_hash, hash_alg=alg, hash=entry.hash)
        prev = entry.hash
    _rewind_head(rows[-1].seq, prev)


# --------------------------------------------------------------------------- the key


def test_new_entries_are_keyed_with_a_secret_file_outside_the_database(chain, sealed_files):
    key_file = sealed_files / "audit.key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.hash_alg == audit.HASH_HMAC
    assert entry.hash != _plain_sha256(entry)  # not computable without the key
    assert cli("verify")[0] == 0


def test_configured_key_wins_and_a_different_key_fails_verify(chain, settings):
    assert cli("verify")[0] == 0
    settings.AUDIT_KEY = "k" * 40
    code, _out, err = cli("verify")
    assert code == 1 and "seq 1 altered" in err


def test_short_configured_key_is_refused(net, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_KEY = "short"
    with pytest.raises(ImproperlyConfigured, match="VIGIL_AUDIT_KEY"):
        audit_seal.audit_key()


def test_production_refuses_a_key_file_others_can_read(sealed_files, net, settings):
    from django.core.exceptions import ImproperlyConfigured

    key_file = sealed_files / "loose.key"
    key_file.write_text("a" * 64)
    os.chmod(key_file, 0o644)
    settings.AUDIT_KEY_FILE = key_file
    settings.MODE = "production"
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        audit_seal.audit_key()


# --------------------------------------------------------------------------- rewrites


def test_rewrite_recomputed_without_the_key_is_detected(chain):
    target = AuditEntry.objects.order_by("seq")[5]
    with audit_triggers_dropped():
        _rewrite(target, object_repr="forged")
        # the attacker recomputes every later hash with plain SHA-256, keeping the marker
        _recompute_from(target.seq, _plain_sha256, alg=audit.HASH_HMAC)
    code, _out, err = cli("verify")
    assert code == 1 and f"seq {target.seq} altered" in err


def test_rewrite_downgraded_to_unkeyed_entries_is_detected(chain):
    target = AuditEntry.objects.order_by("seq")[5]
    with audit_triggers_dropped():
        _rewrite(target, object_repr="forged")
        _recompute_from(target.seq, _plain_sha256, alg=None)
    code, _out, err = cli("verify")
    assert code == 1 and f"seq {target.seq} downgraded" in err


def test_whole_chain_downgraded_is_caught_by_the_checkpoint(chain, sealed_files):
    assert cli("checkpoint")[0] == 0
    sealed_seq = _sealed_seq(sealed_files)
    with audit_triggers_dropped():
        _rewrite(AuditEntry.objects.get(seq=3), object_repr="forged")
        _recompute_from(1, _plain_sha256, alg=None)
    code, _out, err = cli("verify")
    assert code == 1 and f"seq {sealed_seq} rewritten" in err


def test_rewrite_recomputed_with_the_products_own_keyed_digest_is_caught_by_the_checkpoint(chain, sealed_files):
    """Even with the key (the product's own digest), a rewrite below a checkpoint shows."""
    assert cli("checkpoint")[0] == 0
    sealed_seq = _sealed_seq(sealed_files)
    unit_update(actor=Actor(user=chain.a_head), unit=chain.prov_a_dept, phone="555")  # after the seal
    target = AuditEntry.objects.order_by("seq")[4]
    with audit_triggers_dropped():
        _rewrite(target, object_repr="forged")
        _recompute_from(target.seq, audit.entry_digest, alg=audit.HASH_HMAC)
    code, _out, err = cli("verify")
    assert code == 1 and f"seq {sealed_seq} rewritten" in err


# --------------------------------------------------------------------------- truncation


def test_deleting_the_last_entries_and_rewinding_the_head_is_detected(chain):
    assert cli("checkpoint")[0] == 0
    rows = list(AuditEntry.objects.order_by("-seq")[:3])
    keep = AuditEntry.objects.get(seq=rows[-1].seq - 1)
    with audit_triggers_dropped():
        _execute("DELETE FROM core_auditentry WHERE seq >= %s", [rows[-1].seq])
    _rewind_head(keep.seq, keep.hash)
    code, _out, err = cli("verify")
    assert code == 1 and f"seq {keep.seq + 1} truncated" in err
    assert "bị xoá" in err


def test_truncation_then_new_entries_is_detected_as_a_rewrite(chain, sealed_files):
    """Cutting entries off and letting the product append again gives a different head."""
    assert cli("checkpoint")[0] == 0
    sealed_seq = _sealed_seq(sealed_files)
    keep = AuditEntry.objects.get(seq=sealed_seq - 2)
    with audit_triggers_dropped():
        _execute("DELETE FROM core_auditentry WHERE seq > %s", [keep.seq])
    _rewind_head(keep.seq, keep.hash)
    for phone in ("7", "8", "9"):
        unit_update(actor=Actor(user=chain.a_head), unit=chain.prov_a_dept, phone=phone)
    code, _out, err = cli("verify")
    assert code == 1 and f"seq {sealed_seq} rewritten" in err


# --------------------------------------------------------------------------- checkpoints


def test_checkpoint_writes_a_signed_line_and_notifies_the_auditors(chain, sealed_files):
    head = AuditChainHead.objects.get(pk=1)  # the head the checkpoint seals (its notice comes after)
    code, out, _err = cli("checkpoint")
    assert code == 0
    lines = (sealed_files / "audit-checkpoints.log").read_text().splitlines()
    assert len(lines) == 1
    version, seq, digest, _at, mac = lines[0].split("\t")
    assert (version, int(seq), digest) == ("v1", head.last_seq, head.last_hash) and len(mac) == 64
    assert stat.S_IMODE((sealed_files / "audit-checkpoints.log").stat().st_mode) == 0o600
    assert f"seq {head.last_seq}" in out
    notes = Notification.objects.filter(kind=audit_seal.CHECKPOINT_KIND)
    assert set(notes.values_list("recipient_id", flat=True)) == set(audit_seal.auditor_ids())
    assert chain.auditor.pk in set(notes.values_list("recipient_id", flat=True))
    assert chain.a_analyst.pk not in set(notes.values_list("recipient_id", flat=True))
    assert head.last_hash in notes.get(recipient=chain.auditor).body
    code, out, _err = cli("verify")
    assert code == 0 and out.startswith("OK:")


def test_a_forged_checkpoint_line_is_reported(chain, sealed_files):
    assert cli("checkpoint")[0] == 0
    path = sealed_files / "audit-checkpoints.log"
    version, seq, digest, at, _mac = path.read_text().strip().split("\t")
    forged_mac = hashlib.sha256(f"{version}\t1\t{digest}\t{at}".encode()).hexdigest()
    with path.open("a") as handle:
        handle.write(f"{version}\t1\t{digest}\t{at}\t{forged_mac}\n")
    code, _out, err = cli("verify")
    assert code == 1 and "line 2: signature" in err


def test_a_broken_chain_is_not_sealed(chain, sealed_files):
    target = AuditEntry.objects.order_by("seq")[2]
    with audit_triggers_dropped():
        _rewrite(target, object_repr="forged")
    code, _out, err = cli("checkpoint")
    assert code == 1 and f"seq {target.seq} altered" in err
    assert not (sealed_files / "audit-checkpoints.log").exists()


def test_hourly_job_seals_only_a_grown_chain_and_notifies_once_a_day(chain, sealed_files):
    from vigil.core.jobs import audit_checkpoint

    path = sealed_files / "audit-checkpoints.log"
    assert audit_checkpoint.call_local()["written"] is True
    assert audit_checkpoint.call_local()["written"] is False
    unit_update(actor=Actor(user=chain.a_head), unit=chain.prov_a_dept, phone="999")
    assert audit_checkpoint.call_local()["written"] is True
    assert len(path.read_text().splitlines()) == 2
    assert Notification.objects.filter(kind=audit_seal.CHECKPOINT_KIND, recipient=chain.auditor).count() == 1
    assert cli("verify")[0] == 0


# --------------------------------------------------------------------------- entries from before the key


def test_entries_written_before_the_key_still_verify_and_new_ones_are_keyed(sealed_files, net):
    """An existing (unkeyed) chain is kept as it is: verified by plain SHA-256 up to the
    first keyed entry; everything written after the upgrade is keyed."""
    rows = list(AuditEntry.objects.order_by("seq"))
    with audit_triggers_dropped():  # turn the network's entries into a pre-upgrade chain
        _recompute_from(1, _plain_sha256, alg=None)
    assert audit.verify().ok and audit.verify().unkeyed == len(rows)
    unit_update(actor=Actor(user=net.a_head), unit=net.prov_a_dept, phone="123")
    result = audit.verify()
    assert result.ok and result.unkeyed == len(rows) and result.checked == len(rows) + 1
    assert AuditEntry.objects.order_by("-seq").first().hash_alg == audit.HASH_HMAC
