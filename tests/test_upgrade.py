"""An installation of the previous release upgrades in place (issue 14): the data folder that
release made (tests/fixtures/upgrade: its demo, audit key, a signed checkpoint and uploaded
files, on SQLite) is migrated by today's `vigil migrate`; no migration is left, every row of
every table that still exists is kept, the audit chain verifies against the old checkpoint
with the old key, and the platform serves the old data: the committee office and a province
open every page they reach (one per route) without a server error."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from bench.screens.crawl import Browser, crawl
from tests.demo_site import serving, vigil
from tests.test_backup_restore import env_for, ok, table_counts

FIXTURE = Path(__file__).parent / "fixtures" / "upgrade" / "previous-release.tar.gz"
CHECKPOINT_SEQ = 699
# Django's own bookkeeping: rows for the migrations applied and the models added.
GROWS = {"django_migrations", "django_content_type", "auth_permission"}
# Tables the current schema no longer has (none so far): name them here with the reason.
DROPPED: dict[str, str] = {}


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    if os.environ.get("VIGIL_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the previous release's installation is an embedded one (SQLite)")
    folder = tmp_path_factory.mktemp("upgrade")
    with tarfile.open(FIXTURE, "r:gz") as tar:
        tar.extractall(folder, filter="data")
    before = table_counts(folder / "vigil.sqlite3")
    env = env_for(folder)
    printed = ok(vigil(["migrate"], env))
    return folder, env, before, printed


def test_the_previous_release_migrates_and_keeps_every_row(upgraded):
    folder, env, before, printed = upgraded
    assert "Applying" in printed  # the fixture is behind: something was migrated
    assert ok(vigil(["migrate", "--check"], env)) is not None  # exit 0: nothing left to apply
    after = table_counts(folder / "vigil.sqlite3")
    assert set(before) - set(after) == set(DROPPED)
    changed = {t: (n, after[t]) for t, n in before.items() if t in after and after[t] != n and t not in GROWS}
    assert changed == {}
    assert after["django_migrations"] > before["django_migrations"]
    assert all(after[t] >= before[t] for t in GROWS)
    assert before["core_auditentry"] >= CHECKPOINT_SEQ
    for table in ("org_unit", "org_person", "program_task", "incidents_incident", "intel_indicator", "core_notification"):
        assert before[table] > 0, f"the fixture has no {table}: it proves nothing about that data"


def test_the_audit_chain_of_the_previous_release_verifies_after_the_upgrade(upgraded):
    _folder, env, before, _printed = upgraded
    assert ok(vigil(["audit", "verify"], env)).startswith(f"OK: {before['core_auditentry']} entries")


@pytest.mark.parametrize("username", ["vanphong", "hanoi"])
def test_the_upgraded_installation_serves_its_old_data(upgraded, username):
    _folder, env, _before, _printed = upgraded
    with serving(dict(env)) as base:
        for lang in ("vi", "en"):
            client = Browser(base)
            client.sign_in(username, "Vigil-Demo-2026", lang)
            errors: list = []
            pages = crawl(client, errors=errors)
            assert errors == [], errors
            assert len(pages) >= 30, [p for p, _h, _s in pages]
