"""Optimistic concurrency for every editable object: one mechanism for services, the API
and the pages.

- `Versioned`: an abstract model mixin with a `version` that every save of an existing row
  bumps in SQL (`version = version + 1`), so any change, by any path, makes older copies
  stale.
- `save(obj, fields, expected=...)`: how services write an edit. It touches only the
  fields named (never a whole-row save from a possibly stale instance) and, when the
  caller says which version it edited, refuses the write unless the row still has it.
  The check is an atomic compare-and-swap, `UPDATE ... SET version = version + 1 WHERE
  pk = %s AND version = %s`, which also locks the row until the transaction ends: of two
  concurrent edits of one version exactly one wins, whatever the timing.
- API: `etag(obj)` / `tag(request, obj)` put an `ETag` (the version) on a response;
  `if_match(request, obj)` honours `If-Match` on PATCH/PUT/DELETE (412 problem detail on a
  mismatch) and returns the version the service must compare against.
- Pages: `VersionedForm` carries the version in a hidden field; `refuse_stale(form, exc)`
  shows the form again (409) with a message naming the object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .errors import Conflict, DomainError


class StaleObject(Conflict):
    """The object changed since the caller read it (409)."""

    title = _lazy("Dữ liệu đã bị thay đổi")

    def __init__(self, obj=None, message=None):
        if message is None:
            message = _(
                "“%(object)s” đã được người khác thay đổi sau khi bạn mở nó. Thay đổi của bạn chưa được lưu: "
                "hãy xem lại dữ liệu mới nhất rồi lưu lại."
            ) % {"object": _name(obj)}
        super().__init__(message, field="version", code="stale")


class PreconditionFailed(StaleObject):
    """`If-Match` names another version than the object has now (412)."""

    status = 412
    title = _lazy("Điều kiện tiên quyết không thỏa mãn")

    def __init__(self, obj=None):
        super().__init__(obj, _(
            "“%(object)s” đã thay đổi: phiên bản trong If-Match không còn là phiên bản hiện tại (%(etag)s). "
            "Hãy đọc lại đối tượng rồi gửi lại thay đổi."
        ) % {"object": _name(obj), "etag": etag(obj) if obj is not None else ""})
        self.code = "precondition-failed"


@dataclass
class Tagged:
    """A version for a resource that is not one row (a user's preferences, the current
    target date): `etag()` and `if_match()` take it like a model instance."""

    version: int
    name: str
    pk: int = 0

    def __str__(self) -> str:
        return self.name


def _name(obj) -> str:
    if obj is None:
        return _("Đối tượng")
    try:
        text = str(obj)
    except Exception:  # a __str__ that needs a relation gone meanwhile
        text = ""
    return text[:120] or f"{obj._meta.verbose_name} #{obj.pk}"


class Versioned(models.Model):
    """Abstract mixin: a version counter bumped in SQL by every save of an existing row."""

    version = models.PositiveIntegerField(
        _lazy("phiên bản"), default=1, editable=False,
        help_text=_lazy("Tăng mỗi lần đối tượng được lưu; dùng để phát hiện sửa đổi đồng thời."),
    )

    class Meta:
        abstract = True

    def save(self, *args, bump: bool = True, **kwargs):
        if not bump or self._state.adding or self.pk is None or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            stamps = {f.name for f in self._meta.concrete_fields if getattr(f, "auto_now", False)}
            kwargs["update_fields"] = list({*update_fields, *stamps, "version"})
        self.version = F("version") + 1
        try:
            super().save(*args, **kwargs)
        finally:
            self.version = _current(self)
        return None


def _current(obj) -> int | None:
    return type(obj)._base_manager.filter(pk=obj.pk).values_list("version", flat=True).first()


def _field_names(obj, fields) -> list[str]:
    """The concrete fields to write: those named (attname or name), plus auto_now stamps."""
    meta = obj._meta
    names = set()
    for name in fields:
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:  # a service's own key (sharing lists, ...): not a column
            continue
        if field.many_to_many or not field.concrete:
            continue
        names.add(field.name)
    for field in meta.concrete_fields:
        if getattr(field, "auto_now", False):
            names.add(field.name)
    names.discard("version")
    return sorted(names)


def save(obj, fields, *, expected: int | None = None) -> None:
    """Write only `fields` of `obj` and bump its version, refusing a stale edit.

    `expected`: the version the caller edited (a form's hidden field, the API's If-Match);
    None writes the fields whatever the version (other fields stay as they are)."""
    model = type(obj)
    with transaction.atomic():
        rows = model._base_manager.filter(pk=obj.pk)
        if expected is not None:
            rows = rows.filter(version=expected)
        # The compare-and-swap: atomic, and it holds the row until the transaction ends.
        if not rows.update(version=F("version") + 1):
            if expected is not None and model._base_manager.filter(pk=obj.pk).exists():
                raise StaleObject(obj)
            raise StaleObject(obj, _("“%(object)s” không còn tồn tại.") % {"object": _name(obj)})
        names = _field_names(obj, fields)
        if names:
            obj.save(update_fields=names, bump=False)
        obj.version = _current(obj)


def expected_version(value) -> int | None:
    """A version sent by a client (form field, body), validated; None when absent."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Phiên bản không hợp lệ."), field="version") from None
    if number < 0:
        raise DomainError(_("Phiên bản không hợp lệ."), field="version")
    return number


def require_version(obj, expected: int | None) -> None:
    """For a row the service has just read under SELECT ... FOR UPDATE (PostgreSQL) or in
    its write transaction (SQLite, IMMEDIATE): refuse (409) unless it still has the
    version the caller edited. The lock makes this check and the write one step."""
    if expected is not None and obj.version != expected:
        raise StaleObject(obj)


def check(obj, expected: int | None) -> None:
    """Refuse (409) when the caller's version is not the object's current one (for writes
    that are not field edits: deletes, state changes)."""
    if expected is not None and _current(obj) != expected:
        raise StaleObject(obj)


# --------------------------------------------------------------------------- API

ETAG_ATTR = "_vigil_etag_obj"
_TAG = re.compile(r'^"v(\d+)"$')


def etag(obj) -> str:
    """A strong entity tag derived from the version."""
    return f'"v{obj.version}"'


def tag(request, obj):
    """Have the response carry `obj`'s ETag (read at response time, after any write)."""
    setattr(request, ETAG_ATTR, obj)
    return obj


def if_match(request, obj) -> int | None:
    """Honour If-Match: None when absent or `*`, the version otherwise; 412 on a mismatch.
    The returned version goes to the service, whose compare-and-swap closes the race
    between this check and the write."""
    tag(request, obj)
    header = request.headers.get("If-Match")
    if header is None:
        return None
    header = header.strip()
    if header == "*":
        return None
    for candidate in header.split(","):
        found = _TAG.match(candidate.strip())
        if found and int(found.group(1)) == obj.version:
            return obj.version
    raise PreconditionFailed(obj)


class ETagMiddleware:
    """Adds the ETag of the object a view tagged to its successful response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        obj = getattr(request, ETAG_ATTR, None)
        if obj is not None and 200 <= response.status_code < 300 and not response.has_header("ETag"):
            version = getattr(obj, "version", None)
            if isinstance(version, int):
                response["ETag"] = etag(obj)
        return response


# --------------------------------------------------------------------------- pages


class VersionedForm(forms.Form):
    """Carries the version the user started from; pass `version=` to the service."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def set_version(self, obj) -> None:
        self.fields["version"].initial = obj.version
        if not self.is_bound:
            self.initial["version"] = obj.version

    @property
    def edited_version(self) -> int | None:
        return getattr(self, "cleaned_data", {}).get("version")


def add_version_field(form, obj) -> None:
    """The same hidden field on any form (ModelForms and forms built elsewhere)."""
    form.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False,
                                                initial=obj.version)
    if not form.is_bound:
        form.initial["version"] = obj.version
    elif form._errors is not None:  # a form that validated in its constructor: again, with the version
        form._errors = None


def refuse_stale(form, exc: StaleObject, obj=None) -> int:
    """Show the form again with the refusal above it; returns the status (409). The hidden
    version moves to the current one, so a deliberate second save (after reviewing the
    other change) is accepted."""
    form.add_error(None, str(exc.message))
    if obj is not None and form.is_bound and "version" in form.fields:
        data = form.data.copy()
        data[form.add_prefix("version")] = str(_current(obj) or "")
        form.data = data
    return 409
