"""The CLI kit (`vigil.core.commands`): exit statuses, the acting account, the shared
option parsers and JSON in the API's schema; and the `vigil` front's groups and aliases."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from vigil.core.api.notifications import NotificationOut
from vigil.core.commands import (
    EXIT_DENIED,
    EXIT_ERROR,
    EXIT_USAGE,
    VigilCommand,
    acting_user,
    add_identity_arguments,
    as_command_error,
    parse_date,
    parse_datetime,
    parse_int,
    platform_actor,
    resolve_unit,
    schema_data,
)
from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound

# --------------------------------------------------------------------------- exit statuses


@pytest.mark.parametrize(("exc", "status"), [
    (DomainError("x", field="title"), EXIT_ERROR),
    (Conflict("x"), EXIT_ERROR),
    (ValidationError({"title": ["x"]}), EXIT_ERROR),
    (AccessDenied(), EXIT_DENIED),
    (NotFound("x", field="task_id"), EXIT_DENIED),
])
def test_errors_map_to_one_line_and_a_documented_status(exc, status):
    error = as_command_error(exc)
    assert error.returncode == status
    assert "\n" not in str(error)


def test_the_message_names_the_field():
    assert str(as_command_error(DomainError("không hợp lệ", field="title"))) == "title: không hợp lệ"
    assert str(as_command_error(DomainError("không hợp lệ", field="__all__"))) == "không hợp lệ"


class _Probe(VigilCommand):
    """A command of the kit: one subcommand that fails as told, one the platform runs."""

    platform_subcommands = ("tick",)

    def add_arguments(self, parser):
        sub = self.subcommands(parser)
        fail = self.subcommand(sub, "fail")
        fail.add_argument("kind")
        self.subcommand(sub, "tick", identity=False)

    def do_fail(self, user, options):
        raise {"denied": AccessDenied(), "missing": NotFound(), "bad": DomainError("sai", field="x")}[options["kind"]]

    def do_tick(self, user, options):
        assert user is None
        self.emit_json({"ok": True})


def _run(*args):
    out = StringIO()
    command = _Probe(stdout=out)
    parser = command.create_parser("vigil", "probe")
    options = vars(parser.parse_args(list(args)))
    command.execute(**options)
    return out.getvalue()


@pytest.mark.parametrize(("kind", "status"), [("denied", EXIT_DENIED), ("missing", EXIT_DENIED), ("bad", EXIT_ERROR)])
def test_the_base_command_maps_domain_errors(net, kind, status):
    with pytest.raises(CommandError) as exc:
        _run("fail", kind, "--as", "a_analyst")
    assert exc.value.returncode == status


def test_without_an_account_it_is_a_usage_error_and_platform_subcommands_need_none(net, monkeypatch):
    monkeypatch.delenv("VIGIL_USER", raising=False)
    with pytest.raises(CommandError) as exc:
        _run("fail", "bad")
    assert exc.value.returncode == EXIT_USAGE and "--as" in str(exc.value)
    assert json.loads(_run("tick")) == {"ok": True}


def test_the_acting_account_comes_from_as_or_the_environment(net, monkeypatch):
    assert acting_user({"as_user": "a_analyst"}).username == "a_analyst"
    monkeypatch.setenv("VIGIL_USER", "b_analyst")
    assert acting_user({}).username == "b_analyst"


def test_the_platform_actor_is_the_named_platform():
    actor = platform_actor()
    assert actor.is_platform and actor.user is None and actor.channel == "cli"
    assert actor.extra["name"].startswith("cli:")


# --------------------------------------------------------------------------- options


def test_dates_are_iso_and_a_bad_one_is_a_usage_error_naming_the_option():
    assert parse_date("2025-06-01", "--on") == dt.date(2025, 6, 1)
    assert parse_date(None, "--on") is None
    with pytest.raises(CommandError) as exc:
        parse_date("01/06/2025", "--on")
    assert exc.value.returncode == EXIT_USAGE and str(exc.value).startswith("--on:")
    assert parse_datetime("2026-01-05T08:00:00+07:00", "--seen-at").utcoffset() == dt.timedelta(hours=7)
    with pytest.raises(CommandError) as exc:
        parse_datetime("hôm qua", "--now")
    assert exc.value.returncode == EXIT_USAGE and "--now" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        parse_int("năm nay", "--year")
    assert exc.value.returncode == EXIT_USAGE


def test_a_unit_option_resolves_by_code_or_id_within_what_the_account_sees(net):
    user = net.users["a_analyst"]
    assert resolve_unit(user, "tinh-a").pk == net.prov_a.pk
    assert resolve_unit(user, str(net.prov_a.pk)).code == "tinh-a"
    with pytest.raises(DomainError) as exc:  # an option naming a hidden unit: bad input (exit 1)
        resolve_unit(user, "tinh-b", field="--unit")
    assert exc.value.field == "--unit" and not isinstance(exc.value, NotFound)
    with pytest.raises(NotFound):  # the unit a subcommand is about: not found (exit 3)
        resolve_unit(user, "tinh-b", bad_input=False)


def test_identity_arguments():
    import argparse

    parser = argparse.ArgumentParser()
    add_identity_arguments(parser)
    options = vars(parser.parse_args(["--as", "x", "--json"]))
    assert options == {"as_user": "x", "json": True}


# --------------------------------------------------------------------------- JSON


def test_json_is_the_api_schema(net):
    from vigil.core.notify import selectors

    from .test_notifications import send

    send([net.users["a_analyst"]])
    rows = list(selectors.notification_list(user=net.users["a_analyst"]))
    data = schema_data(NotificationOut, rows, many=True)
    assert set(data[0]) == set(NotificationOut.model_fields)
    json.dumps(data)  # JSON-ready: datetimes as text
