"""Creating accounts: a login, the person it belongs to and a first membership.

People and memberships belong to the organisation app, which implements the write
(`org.services.accounts.account_create`) and provides it to the kernel through the
organisation directory; this name stays for the kernel's own callers (`vigil createuser`).
"""

from __future__ import annotations

from ..actors import Actor
from ..directory import create_account
from ..models import User


def account_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    unit_code: str,
    role_code: str,
    full_name: str = "",
    email: str = "",
) -> User:
    """Create a user, their person (home unit `unit_code`) and a membership with role
    `role_code` in that unit starting today, through the organisation directory (same
    access rules, validation and audit as `org.services.accounts.account_create`)."""
    return create_account(
        actor=actor, username=username, password=password, unit_code=unit_code,
        role_code=role_code, full_name=full_name, email=email,
    )
