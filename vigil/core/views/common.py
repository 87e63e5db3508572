"""What every page of core does with domain errors: one answer, in the user's language."""

from functools import wraps

from django.shortcuts import render

from ..errors import DomainError


def render_error(request, exc: DomainError):
    return render(
        request, "core/error.html",
        {"status": exc.status, "title": exc.title, "message": exc.message},
        status=exc.status,
    )


def domain_errors(view):
    """Turn AccessDenied (403), NotFound (404) and other DomainErrors raised outside a
    form's own handling into an error page instead of a server error."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render_error(request, exc)

    return wrapper


def apply_errors(form, exc: DomainError) -> None:
    """Show a service's DomainError next to the field it names (or above the form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))
