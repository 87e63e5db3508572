"""The web adapter kit (vigil.core.web): one form-error mapper, one 403/404 policy, the
method checks and the edit-view flow that every page view uses."""

import ast
from pathlib import Path

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from vigil.core import web
from vigil.core.concurrency import StaleObject
from vigil.core.errors import AccessDenied, Conflict, DomainError, NotFound


class UnitForm(forms.Form):
    unit = forms.CharField(required=False)
    note = forms.CharField()
    version = forms.IntegerField(required=False)


def _request(method="get", data=None, path="/x/"):
    request = getattr(RequestFactory(), method)(path, data or {})
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


# --------------------------------------------------------------------------- map_errors


def test_a_refusal_goes_next_to_the_field_it_names_through_the_aliases():
    form = UnitForm({"note": "x"})
    assert form.is_valid()
    status = web.map_errors(form, DomainError("Không hợp lệ", field="unit_id"), aliases={"unit_id": "unit"})
    assert status == 400 and form.errors["unit"] == ["Không hợp lệ"]


def test_a_refusal_naming_no_field_of_the_form_goes_above_it():
    form = UnitForm({"note": "x"})
    form.is_valid()
    web.map_errors(form, Conflict("Trùng", field="code"))
    assert form.non_field_errors() == ["Trùng"]


def test_a_model_validation_error_is_mapped_field_by_field():
    form = UnitForm({"note": "x"})
    form.is_valid()
    web.map_errors(form, ValidationError({"note": ["Quá dài"], "elsewhere": ["Sai"]}))
    assert form.errors["note"] == ["Quá dài"] and form.non_field_errors() == ["Sai"]


@pytest.mark.parametrize("exc", [AccessDenied(), NotFound(), NotFound(field="unit_id"), AccessDenied(field="system_id")])
def test_access_errors_about_the_page_object_are_re_raised_for_the_error_page(exc):
    form = UnitForm({"note": "x"})
    form.is_valid()
    with pytest.raises(type(exc)):
        web.map_errors(form, exc)
    assert not form.errors


def test_an_access_error_about_a_value_the_form_asked_for_stays_on_the_form():
    form = UnitForm({"note": "x", "unit": "a"})
    form.is_valid()
    assert web.map_errors(form, NotFound("Không thấy đơn vị", field="unit")) == 400
    assert form.errors["unit"] == ["Không thấy đơn vị"]


def test_a_stale_edit_is_a_409_with_the_message_above_the_form():
    form = UnitForm({"note": "x", "version": "1"})
    form.is_valid()
    assert web.map_errors(form, StaleObject(message="Đã bị thay đổi")) == 409
    assert form.non_field_errors() == ["Đã bị thay đổi"]


def test_anything_else_is_not_swallowed():
    form = UnitForm({"note": "x"})
    form.is_valid()
    with pytest.raises(KeyError):
        web.map_errors(form, KeyError("bug"))


# --------------------------------------------------------------------------- 403/404 and 405 pages


@pytest.mark.django_db
def test_a_domain_error_escaping_a_page_view_is_the_error_page_with_its_status():
    middleware = web.DomainErrorPages(lambda request: HttpResponse())
    response = middleware.process_exception(_request(), NotFound())
    assert response.status_code == 404 and b'data-status="404"' in response.content
    assert middleware.process_exception(_request(), AccessDenied()).status_code == 403


def test_the_api_and_other_exceptions_are_left_to_their_own_handlers():
    middleware = web.DomainErrorPages(lambda request: HttpResponse())
    assert middleware.process_exception(_request(path="/api/v1/units"), NotFound()) is None
    assert middleware.process_exception(_request(), ValueError("bug")) is None


@pytest.mark.django_db
def test_post_only_answers_other_methods_with_the_405_page():
    view = web.post_only(lambda request: HttpResponse("done"))
    response = view(_request("get"))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert b'data-status="405"' in response.content
    assert view(_request("post")).content == b"done"


@pytest.mark.django_db
def test_wrong_method_is_none_for_an_allowed_method():
    assert web.wrong_method(_request("post"), "POST") is None
    assert web.wrong_method(_request("put"), "GET", "HEAD").status_code == 405


# --------------------------------------------------------------------------- submit


def _page(form):
    return lambda status: HttpResponse(f"{status}:{sorted(form.errors)}", status=status)


def test_submit_shows_the_form_on_get_without_calling_the_service():
    request = _request("get")
    form = UnitForm(web.form_data(request))
    calls = []
    response = web.submit(request, form, calls.append, success="/done/", page=_page(form))
    assert response.status_code == 200 and not calls and not form.is_bound


def test_submit_calls_the_service_with_the_web_actor_and_redirects_with_a_message():
    request = _request("post", {"note": "n"})
    form = UnitForm(web.form_data(request))
    seen = []

    def action(actor):
        seen.append(actor)
        return 7

    response = web.submit(request, form, action, success=lambda pk: f"/things/{pk}/",
                          message=lambda pk: f"Đã lưu {pk}", page=_page(form))
    assert response.status_code == 302 and response["Location"] == "/things/7/"
    assert seen[0].channel == "web" and seen[0].user is request.user
    assert [str(m) for m in get_messages(request)] == ["Đã lưu 7"]


def test_submit_shows_a_refusal_on_the_form():
    request = _request("post", {"note": "n"})
    form = UnitForm(web.form_data(request))

    def refuse(actor):
        raise DomainError("Sai đơn vị", field="unit")

    response = web.submit(request, form, refuse, success="/done/", page=_page(form))
    assert response.status_code == 400 and form.errors["unit"] == ["Sai đơn vị"]
    assert not list(get_messages(request))


def test_submit_answers_an_invalid_form_with_the_refused_status():
    request = _request("post", {})
    form = UnitForm(web.form_data(request))
    assert web.submit(request, form, lambda actor: None, success="/", page=_page(form)).status_code == 400
    form = UnitForm(web.form_data(request))
    assert web.submit(request, form, lambda actor: None, success="/", page=_page(form), refused=200).status_code == 200


def test_submit_lets_an_access_error_about_the_page_reach_the_error_page():
    request = _request("post", {"note": "n"})
    form = UnitForm(web.form_data(request))

    def deny(actor):
        raise AccessDenied()

    with pytest.raises(AccessDenied):
        web.submit(request, form, deny, success="/", page=_page(form))


# --------------------------------------------------------------------------- used everywhere

VIGIL = Path(__file__).resolve().parents[2]
# Plain-text operations endpoints (/health, /metrics): no page, no error page.
NOT_PAGES = {"core/views/ops.py"}
# What the kit replaces: a page module that needs one of these uses vigil.core.web instead.
REPLACED_IMPORTS = {
    "django.views.decorators.http": "post_only / get_or_post / get_only",
    "HttpResponseNotAllowed": "wrong_method / method_not_allowed",
    "actor_from_request": "web_actor",
}
REPLACED_HELPERS = {"_actor", "_is_htmx", "_post_only", "_form_errors", "_service_errors", "_apply_errors",
                    "_map_errors", "_reraise_access", "_refused", "form_errors", "apply_errors", "domain_errors"}


def page_modules():
    for path in sorted(VIGIL.glob("*/views/*.py")) + sorted(VIGIL.glob("*/views.py")):
        rel = path.relative_to(VIGIL).as_posix()
        if rel not in NOT_PAGES and not rel.endswith("_urls.py"):
            yield rel, ast.parse(path.read_text(), filename=rel)


def test_page_modules_use_the_kit_not_their_own_copies():
    offenders = []
    for rel, tree in page_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = {node.module or ""} | {a.name for a in node.names}
                offenders += [f"{rel}:{node.lineno} imports {n} (use {REPLACED_IMPORTS[n]})"
                              for n in names & REPLACED_IMPORTS.keys()]
            elif isinstance(node, ast.FunctionDef) and node.name in REPLACED_HELPERS:
                offenders.append(f"{rel}:{node.lineno} defines {node.name} (vigil.core.web has it)")
    assert not offenders, "\n".join(offenders)


def test_on_a_create_page_a_refusal_naming_nothing_is_shown_above_the_form():
    form = UnitForm({"note": "x"})
    form.is_valid()
    assert web.map_errors(form, AccessDenied("Chỉ quản trị"), unnamed_on_form=True) == 400
    assert form.non_field_errors() == ["Chỉ quản trị"]
    with pytest.raises(NotFound):  # one naming the page's object is still the error page
        web.map_errors(form, NotFound(field="unit_id"), unnamed_on_form=True)
