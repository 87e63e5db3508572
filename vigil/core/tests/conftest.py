"""Helpers for core's tests: real TOTP codes, password logins through the login page,
and switching the audit log's append-only triggers off for tamper tests."""

import importlib
import time
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from vigil.testing import PASSWORD


def totp_code(device, offset_steps: int = 0) -> str:
    """The code an authenticator app would show for `device` now (+ offset steps)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def password_login():
    """Log a fresh client in through the real login page (axes, signals, 2FA redirect)."""

    def _login(username, password=PASSWORD, client=None, **extra):
        client = client or Client()
        response = client.post("/login/", {"username": username, "password": password, **extra})
        return client, response

    return _login


_MIGRATION = importlib.import_module("vigil.core.migrations.0003_audit_append_only")


@contextmanager
def audit_triggers_dropped():
    """Drop the triggers that make the audit log append-only (as an attacker with database
    access would), and put them back afterwards."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_no_change ON core_auditentry")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute(_MIGRATION.POSTGRES[1])
            else:
                for sql in _MIGRATION.SQLITE:
                    cursor.execute(sql)

