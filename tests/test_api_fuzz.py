"""Schemathesis over the whole OpenAPI document, bounded so it runs in CI.

Every operation of /api/v1/ gets a few generated requests (derandomized: the same ones on
every run) as a province analyst and as an office user, on the route access matrix's world
(the standard test network with one object of every kind, so path parameters name real
objects half of the time). Each answer must be no 5xx, a documented status code, the
documented content type and a body that matches the documented schema.

Bounded (about a minute per user on two cores): VIGIL_FUZZ_EXAMPLES requests per operation,
user and strategy (default 1; the explicit examples of the document come on top) and at most
VIGIL_FUZZ_SECONDS per user (default 120); raise them for a deeper run."""

import contextlib
import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.test_access_matrix import world  # noqa: F401 (the fixture)

EXAMPLES = int(os.environ.get("VIGIL_FUZZ_EXAMPLES", "1"))
SECONDS = float(os.environ.get("VIGIL_FUZZ_SECONDS", "120"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _token(user) -> str:
    from vigil.core.actors import Actor
    from vigil.core.services.auth import token_create

    _t, secret = token_create(actor=Actor(user=user, channel="cli"), user=user, name="fuzz", scope="write")
    return secret


def _schema():
    from django.core.handlers.wsgi import WSGIHandler

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@contextlib.contextmanager
def _keep_connection():
    """Requests go straight to the WSGI handler: like Django's test client, keep the end of
    a request from closing the test's database connection (inside its transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _path_values(objects) -> dict:
    values = {**objects["global"], **objects["amber"]}
    return {k: v for k, v in values.items() if k.endswith("_id") or k in ("reference", "export_format")}


def fuzz(schema, token: str, path_values: dict, deadline: float) -> tuple[list[str], int]:
    """Run every operation; return the failures (one line each) and how many were run."""
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    ran = 0
    for result in schema.get_all_operations():
        if time.monotonic() > deadline:
            break
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        known = {k: v for k, v in path_values.items() if k in names}
        strategies = [operation.as_strategy()]
        if known:
            strategies.insert(0, operation.as_strategy(path_parameters=known))
        for strategy in strategies:

            @given(case=strategy)
            @hsettings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                       suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            def probe(case):
                response = case.call(headers=headers)
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup: one line per failure
                    label = f"{case.method} {case.formatted_path} -> {response.status_code}"
                    detail = " | ".join(str(f.title) for f in getattr(exc, "exceptions", [exc]))
                    failures.append(f"{label}: {detail}")

            probe()
        ran += 1
    return failures, ran


@pytest.mark.django_db
def test_api_answers_no_5xx_and_conforms_to_its_document(world):  # noqa: F811
    """As a province analyst, then as an office user (network-wide reads)."""
    net = world["net"]
    failures = []
    with _keep_connection():
        schema = _schema()
        total = sum(1 for _ in schema.get_all_operations())
        for username in ("a_analyst", "office_staff"):
            started = time.monotonic()
            found, ran = fuzz(schema, _token(net.users[username]), _path_values(world), started + SECONDS)
            print(f"fuzz {username}: {ran}/{total} operations in {time.monotonic() - started:.0f}s")
            assert ran >= min(total, 50), f"{username}: only {ran} of {total} operations ran within {SECONDS}s"
            failures += [f"{username}: {line}" for line in found]
    unique = sorted(set(failures))
    assert not unique, f"{len(unique)} failing cases:\n" + "\n".join(unique[:80])
