"""The web adapter kit: what every page view does with a request, a form and a service.

One answer for each question a page view asks, so that no app writes its own:

- `web_actor(request)`: who acts (the signed-in user, the client's address, channel "web").
- `DomainErrorPages` (middleware): the one 403/404 policy. A DomainError that escapes a
  page view becomes core's error page with the error's own status: an object the user
  may not see was answered 404 by its selector, an action the user may not take on an
  object they see is AccessDenied (403). Views never catch AccessDenied/NotFound to pick
  a status themselves.
- `map_errors(form, exc)`: the one form-error mapper. A service's DomainError (or a model
  ValidationError) goes next to the form field it names, in the user's language; a stale
  edit (optimistic concurrency) goes above the form with the hidden version moved on
  (409); an access error about something the form does not ask for (the object in the
  URL, or no field at all) is re-raised for the error page.
- `post_only` / `get_or_post` / `get_only` (decorators, `allow(...)` in general) and
  `wrong_method(request, ...)` (after the object's look-up, so what is out of sight stays
  404): the method check; anything else answers the 405 page with `Allow`.
- `submit(...)`: the "bind form, call service, map errors, redirect" flow of edit views.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from .actors import Actor, actor_from_request
from .concurrency import StaleObject, refuse_stale
from .errors import DomainError, validation_errors

ERROR_TEMPLATE = "core/error.html"
# Paths whose errors are answered by their own adapter (problem details, TAXII).
NOT_PAGES = ("/api/", "/taxii2/")


# --------------------------------------------------------------------------- who acts


def web_actor(request) -> Actor:
    """The actor of a page request, passed to every service."""
    return actor_from_request(request, channel="web")


def is_htmx(request) -> bool:
    """A request htmx sent (it wants a fragment, not the whole page)."""
    return request.headers.get("HX-Request") == "true"


# --------------------------------------------------------------------------- error pages


def error_page(request, status: int, title, message=None, *, headers: dict | None = None):
    response = render(request, ERROR_TEMPLATE,
                      {"status": status, "title": title, "message": message or title}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def render_error(request, exc: DomainError):
    """Core's error page for a DomainError, with the error's status (403, 404, 409, ...)."""
    return error_page(request, exc.status, exc.title, exc.message)


class DomainErrorPages:
    """The one 403/404 policy of the pages: a DomainError escaping a page view (an
    AccessDenied, a NotFound from a selector, a refusal no form shows) is answered with
    core's error page and the error's status, never a server error. The API and TAXII
    answer their own errors (problem details) and are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, DomainError) and not request.path.startswith(NOT_PAGES):
            return render_error(request, exc)
        return None


# --------------------------------------------------------------------------- methods


def method_not_allowed(request, allowed: list[str]):
    """The 405 page, with the methods the route takes in `Allow`."""
    return error_page(request, 405, _("Phương thức không được hỗ trợ"), headers={"Allow": ", ".join(allowed)})


def wrong_method(request, *allowed: str):
    """The 405 page when the request's method is not one of `allowed`, else None. For
    views that look their object up first, so that what is out of sight stays a 404
    whatever the method."""
    return None if request.method in allowed else method_not_allowed(request, list(allowed))


def allow(*methods: str):
    """Only these HTTP methods reach the view; others get the 405 page (with Allow)."""
    allowed = [m.upper() for m in methods]

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in allowed:
                return method_not_allowed(request, allowed)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def post_only(view):
    """Action views: POST only, anything else answers the 405 page."""
    return allow("POST")(view)


def get_only(view):
    """Pages that only show: GET; anything else answers the 405 page."""
    return allow("GET")(view)


def get_or_post(view):
    """Form views: GET shows the form, POST submits it; anything else answers the 405 page."""
    return allow("GET", "POST")(view)


# --------------------------------------------------------------------------- forms


def form_data(request):
    """What to bind a form to: the POST body on POST, nothing (an unbound form) otherwise."""
    return request.POST if request.method == "POST" else None


def map_errors(form, exc: Exception, *, aliases: dict | None = None, obj=None, unnamed_on_form: bool = False) -> int:
    """Put a service's refusal on `form` and return the status to answer with.

    - a stale edit (`StaleObject`): the message above the form, the hidden version moved to
      `obj`'s current one (so a deliberate second save goes through): 409;
    - AccessDenied / NotFound naming no field of the form (the object of the page, or
      nothing): re-raised, the page answers 403/404 (`DomainErrorPages`). On a page with
      no object of its own (a create form), `unnamed_on_form=True` says a refusal naming
      nothing is about the values chosen: it is shown above the form;
    - any other DomainError or ValidationError: each message next to the field it names
      (`aliases` maps the service's names to the form's), above the form otherwise: 400.
    Anything else is re-raised."""
    aliases = aliases or {}
    if isinstance(exc, StaleObject):
        return refuse_stale(form, exc, obj)
    if isinstance(exc, DomainError):
        name = aliases.get(exc.field, exc.field)
        if exc.status in (403, 404) and name not in form.fields and not (unnamed_on_form and exc.field is None):
            raise exc
        errors = exc.errors()
    elif isinstance(exc, ValidationError):
        errors = validation_errors(exc)
    else:
        raise exc
    for field, msgs in errors.items():
        name = aliases.get(field, field)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)
    return 400


def _value(value, result):
    return value(result) if callable(value) else value


def submit(
    request,
    form,
    action: Callable[[Actor], Any],
    *,
    success,
    message=None,
    template: str | None = None,
    context: dict | None = None,
    page: Callable[[int], Any] | None = None,
    form_name: str = "form",
    obj=None,
    aliases: dict | None = None,
    refused: int = 400,
    unnamed_on_form: bool = False,
):
    """The edit-view flow: GET shows the form, POST binds and validates it, calls
    `action(actor)` (the service), maps its refusal onto the form, or redirects with a
    message.

    `success` / `message`: the redirect target and the flash message, values or callables
    of the action's result. The form is shown by `page(status)` when given (a page that
    embeds it, e.g. an object's detail page), else `template` with `context` plus the form
    under `form_name`. Status: 200 on GET, `refused` (400) for a refused POST, 409 for a
    stale edit (`obj` is the object edited, for the version the form moves on to). The
    organisation's pages answer a refused form with 200 (`refused=200`), as they always have.
    `unnamed_on_form`: see `map_errors`."""
    status = 200
    if request.method == "POST":
        status = refused
        if form.is_valid():
            try:
                result = action(web_actor(request))
            except (DomainError, ValidationError) as exc:
                status = map_errors(form, exc, aliases=aliases, obj=obj, unnamed_on_form=unnamed_on_form)
                status = refused if status == 400 else status
            else:
                text = _value(message, result)
                if text:
                    messages.success(request, text)
                return redirect(_value(success, result))
    if page is not None:
        return page(status)
    return render(request, template, {**(context or {}), form_name: form}, status=status)
