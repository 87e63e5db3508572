"""Core reads, one module per concern: accounts (users, API tokens, TOTP devices), roles
and the audit log. The names below are the ones the pages, the API and the CLI use
(`from vigil.core import selectors; selectors.token_list(...)`)."""

from .accounts import (
    otp_devices,
    otp_pending_device,
    token_get,
    token_get_by_key,
    token_list,
    user_by_username,
)
from .audit import (
    AuditFilter,
    audit_diff,
    audit_entries,
    audit_entry_get,
    audit_units,
    audit_vocabulary,
    is_auditor,
    redact_entries,
)
from .roles import role_by_code, role_get, role_list

__all__ = [
    "AuditFilter", "audit_diff", "audit_entries", "audit_entry_get", "audit_units", "audit_vocabulary",
    "is_auditor", "otp_devices", "otp_pending_device", "redact_entries", "role_by_code", "role_get",
    "role_list", "token_get", "token_get_by_key", "token_list", "user_by_username",
]
