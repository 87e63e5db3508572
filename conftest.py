"""Shared pytest fixtures. Tests run offline and fast by default; PostgreSQL, Redis, SMTP
and Chromium are used for real where a test needs them."""

import os

import pytest

from vigil.core.testclock import travel_from_environment

os.environ.setdefault("VIGIL_HUEY_IMMEDIATE", "1")


# Move the whole process's clock (time.time, datetime.now, date.today, ...) to another
# day before any test or Django code reads it, and let it run from there: CI runs the
# date-sensitive tests (marker `clock`) this way at the turn of a year to prove that no
# test depends on the real date (vigil/core/testclock.py). Tests that pin a day of their
# own (the `time_machine` fixture) still do: time-machine nests.
try:
    travel_from_environment()
except ValueError as exc:
    raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database (pytest-django's), with the standard test network built once and
    committed: every test sees it, each in a transaction rolled back at its end."""
    from vigil.testing import make_network

    with django_db_blocker.unblock():
        make_network()


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    """A data folder made by `vigil demo --no-serve` (SQLite), once per session: (env, what
    it printed). Skipped on PostgreSQL runs, which cover the same code in-process."""
    if os.environ.get("VIGIL_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("embedded-mode check (SQLite); the PostgreSQL run covers the same code in-process")
    from tests.demo_site import build

    return build(tmp_path_factory.mktemp("vigil-demo"))


@pytest.fixture(autouse=True)
def _audit_triggers_for_flush(request):
    """Transactional tests end with a flush of every table; lift the audit log's
    append-only triggers just for it, and put them back for the next test. The flush takes
    the standard network with it: the next transactional test builds it again, so that
    every test starts from the same database."""
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        yield
        return
    from vigil.testing import make_network, set_audit_triggers

    request.getfixturevalue("transactional_db")
    set_audit_triggers(True)
    make_network()
    yield
    set_audit_triggers(False)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Computed figures (statistics) are cached; every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """A request leaves its reader's language active in the thread (Django's locale
    middleware does not undo it); every test starts in Vietnamese, the default."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def net(db):
    """The standard test network (see vigil.testing), read back from the database: built
    once per session, so a test asking for it costs three queries, not a network."""
    from vigil.testing import make_network

    return make_network()


@pytest.fixture
def no_network(db):
    """A database without the standard network (deleted in this test's transaction): for
    loaders whose tests count what they find, such as the demo and the reference data."""
    from vigil.testing import remove_network

    remove_network()


@pytest.fixture
def login(client):
    """Log the Django test client in as a user of the network (password login, no 2FA)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api_client(db):
    """A Django test client that sends a fresh API token of the given user."""
    from django.test import Client

    from vigil.core.actors import Actor
    from vigil.core.services.auth import token_create

    def _make(user, scope="write"):
        _token, secret = token_create(actor=Actor(user=user, channel="cli"), user=user, name="test", scope=scope)
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return _make
