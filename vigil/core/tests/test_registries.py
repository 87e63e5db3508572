"""The kernel's registries, through which the apps plug in without core importing them:
background jobs started by name, the organisation directory, the home page's panels and
the observable exchange between incidents and intelligence."""

import sys
import types

import pytest
from django.core.exceptions import ImproperlyConfigured

from vigil.core import dashboard, directory, observables, queue

# --------------------------------------------------------------------------- jobs by name


@pytest.fixture
def jobs_module(monkeypatch):
    """A throw-away module holding a job, registered under a test name."""
    module = types.ModuleType("vigil_test_jobs")
    calls = []

    def ping(*args, **kwargs):
        calls.append((args, kwargs))
        return "queued"

    module.ping = ping
    ping.__module__ = module.__name__
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(queue, "_JOBS", dict(queue._JOBS))
    queue.register_job("test.ping")(ping)
    return module, calls


def test_a_service_starts_a_job_by_name(jobs_module):
    _module, calls = jobs_module
    assert queue.enqueue("test.ping", 7, channel="job") == "queued"
    assert calls == [((7,), {"channel": "job"})]
    assert "test.ping" in queue.registered_jobs()


def test_the_job_is_looked_up_in_its_module_at_call_time(jobs_module, monkeypatch):
    module, calls = jobs_module
    monkeypatch.setattr(module, "ping", lambda *a, **k: "replaced")
    assert queue.enqueue("test.ping") == "replaced"
    assert calls == []


def test_an_unknown_job_and_a_name_taken_twice_are_programming_errors(jobs_module):
    with pytest.raises(LookupError):
        queue.enqueue("test.nobody")

    def other():
        return None

    with pytest.raises(ValueError, match="registered twice"):
        queue.register_job("test.ping")(other)


def test_the_jobs_services_start_are_registered_by_the_installed_apps():
    assert {"core.send_notification_email", "core.deliver_webhook", "incidents.incident_reported"} <= set(
        queue.registered_jobs()
    )


# --------------------------------------------------------------------------- the organisation directory


def test_the_unit_model_is_the_swappable_setting(settings):
    from django.apps import apps

    assert directory.unit_model() is apps.get_model(settings.VIGIL_UNIT_MODEL)
    settings.VIGIL_UNIT_MODEL = "org.NoSuchModel"
    with pytest.raises(ImproperlyConfigured, match="VIGIL_UNIT_MODEL"):
        directory.unit_model()


def test_without_a_registered_directory_the_kernel_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(directory, "_directory", None)
    with pytest.raises(ImproperlyConfigured, match="register_directory"):
        directory.role_model()


@pytest.mark.django_db
def test_the_directory_answers_for_the_organisation(net):
    role_model = directory.role_model()
    assert role_model._meta.label == "org.Role"
    units = {m.unit_id for m in directory.memberships_of(net.a_head)}
    assert net.prov_a.pk in units
    assert directory.requires_second_factor(net.a_head) is False
    answer = directory.recipients_for_units([net.prov_a.pk])
    assert net.a_head in answer[net.prov_a.pk]


# --------------------------------------------------------------------------- home page panels


def test_panels_come_in_order_and_a_column_must_exist(monkeypatch):
    monkeypatch.setattr(dashboard, "_PANELS", {})
    dashboard.register_panel(dashboard.DashboardPanel("b", "x.html", lambda user: {}, dashboard.SIDE, 20))
    dashboard.register_panel(dashboard.DashboardPanel("a", "y.html", lambda user: {}, dashboard.MAIN, 20))
    dashboard.register_panel(dashboard.DashboardPanel("c", "z.html", lambda user: {}, dashboard.MAIN, 10))
    assert [p.key for p in dashboard.panels()] == ["c", "a", "b"]
    with pytest.raises(ValueError):
        dashboard.register_panel(dashboard.DashboardPanel("d", "z.html", lambda user: {}, "footer"))


@pytest.mark.django_db
def test_the_home_page_renders_the_panels_the_apps_registered(client, net):
    client.force_login(net.a_head)
    page = client.get("/").content.decode()
    assert 'data-testid="my-units"' in page
    assert 'data-testid="units-in-scope"' in page
    assert 'data-testid="completeness-summary"' in page


@pytest.mark.django_db
def test_a_panel_with_nothing_to_show_is_left_out(client, net, monkeypatch):
    monkeypatch.setattr(dashboard, "_PANELS", {})
    dashboard.register_panel(dashboard.DashboardPanel("hidden", "org/_dashboard_scope.html", lambda user: None))
    client.force_login(net.a_head)
    page = client.get("/").content.decode()
    assert 'data-testid="dashboard-title"' in page
    assert 'data-testid="units-in-scope"' not in page


# --------------------------------------------------------------------------- observables exchange


def test_without_an_indicator_lookup_no_observable_is_a_known_indicator(monkeypatch):
    monkeypatch.setattr(observables, "_lookup", None)
    assert observables.known_indicators(None, [object()]) == {}


def test_the_exchange_is_registered_by_incidents_and_intel():
    assert observables._store is not None and observables._lookup is not None
