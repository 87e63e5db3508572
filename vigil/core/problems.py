"""RFC 9457 problem details for the API, with messages in the request's language."""

import json

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja.parser import Parser

from . import safejson
from .errors import DomainError, validation_errors

PROBLEM_TYPE = "/api/v1/docs#problems"


def problem(request, status: int, title: str, detail: str = "", errors: list | None = None, code=""):
    body = {"type": f"{PROBLEM_TYPE}-{code or status}", "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    body["instance"] = request.path
    if errors:
        body["errors"] = errors
    return JsonResponse(
        body, status=status, content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


# Pydantic error types -> messages in the user's language (pydantic's own are English only).
def _pydantic_message(err: dict) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages = {
        "missing": _("Trường này là bắt buộc."),
        "string_too_long": _("Tối đa %(n)s ký tự.") % {"n": ctx.get("max_length", "")},
        "string_too_short": _("Tối thiểu %(n)s ký tự.") % {"n": ctx.get("min_length", "")},
        "int_parsing": _("Phải là số nguyên."),
        "int_type": _("Phải là số nguyên."),
        "float_parsing": _("Phải là số."),
        "bool_parsing": _("Phải là true hoặc false."),
        "date_from_datetime_parsing": _("Ngày không hợp lệ (YYYY-MM-DD)."),
        "date_parsing": _("Ngày không hợp lệ (YYYY-MM-DD)."),
        "datetime_parsing": _("Thời điểm không hợp lệ (ISO 8601)."),
        "datetime_from_date_parsing": _("Thời điểm không hợp lệ (ISO 8601)."),
        "enum": _("Giá trị không thuộc danh sách cho phép: %(e)s.") % {"e": ctx.get("expected", "")},
        "literal_error": _("Giá trị không thuộc danh sách cho phép: %(e)s.") % {"e": ctx.get("expected", "")},
        "string_type": _("Phải là chuỗi ký tự."),
        "list_type": _("Phải là danh sách."),
        "dict_type": _("Phải là đối tượng JSON."),
        "model_attributes_type": _("Phải là đối tượng JSON."),
        "json_invalid": _("Nội dung JSON không hợp lệ."),
        "value_error": str(ctx.get("error", "")) or _("Giá trị không hợp lệ."),
        "greater_than_equal": _("Phải lớn hơn hoặc bằng %(n)s.") % {"n": ctx.get("ge", "")},
        "less_than_equal": _("Phải nhỏ hơn hoặc bằng %(n)s.") % {"n": ctx.get("le", "")},
        "extra_forbidden": _("Trường không được hỗ trợ."),
    }
    return str(messages.get(kind, _("Giá trị không hợp lệ.")))


def _json_detail(exc) -> str:
    if isinstance(exc, safejson.JSONTooDeep):
        return exc.msg
    if isinstance(exc, json.JSONDecodeError):
        return _("Lỗi ở dòng %(line)s, cột %(col)s.") % {"line": exc.lineno, "col": exc.colno}
    return _("Nội dung không phải văn bản UTF-8.")


def _field_path(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "data", "form")]
    return ".".join(parts) or "__all__"


class BoundedJsonParser(Parser):
    """Ninja's JSON body parser through `safejson`: a body nested thousands deep is a 400
    naming the problem, not a RecursionError."""

    def parse_body(self, request):
        return safejson.loads(request.body)


def too_large(request):
    """413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django raises RequestDataTooBig)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem(request, 413, _("Nội dung gửi lên quá lớn"),
                   _("Giới hạn là %(mib)s MiB.") % {"mib": round(limit / 1024 / 1024, 1)}, code="too-large")


@csrf_exempt  # nothing is written; a PUT to an unknown path is a 404, not a CSRF page
def api_not_found(request, *args, **kwargs):
    """Under /api/v1/, a path that matches no operation (e.g. a negative id) is a 404
    problem detail like any other, whatever the method."""
    return problem(request, 404, _("Không tìm thấy"), code="not-found")


def install(api):
    """Register the exception handlers on a NinjaAPI instance."""
    from ninja.errors import AuthenticationError, HttpError
    from ninja.errors import ValidationError as NinjaValidationError

    @api.exception_handler(NinjaValidationError)
    def _ninja_validation(request, exc):
        errors = [
            {"field": _field_path(e.get("loc", ())), "message": _pydantic_message(e)}
            for e in exc.errors
        ]
        return problem(request, 422, _("Dữ liệu gửi lên không hợp lệ"), errors=errors, code="validation")

    @api.exception_handler(DomainError)
    def _domain(request, exc):
        errors = None
        if exc.field:
            errors = [{"field": exc.field, "message": str(exc.message)}]
        return problem(request, exc.status, str(exc.title), str(exc.message), errors, code=exc.code)

    @api.exception_handler(ValidationError)
    def _django_validation(request, exc):
        errors = [
            {"field": f, "message": m} for f, msgs in validation_errors(exc).items() for m in msgs
        ]
        return problem(request, 422, _("Dữ liệu gửi lên không hợp lệ"), errors=errors, code="validation")

    @api.exception_handler(AuthenticationError)
    def _auth(request, exc):
        resp = problem(request, 401, _("Cần xác thực"), _("Hãy gửi khoá API hợp lệ (Authorization: Bearer …)."), code="unauthenticated")
        resp["WWW-Authenticate"] = 'Bearer realm="vigil"'
        return resp

    @api.exception_handler(PermissionDenied)
    def _denied(request, exc):
        return problem(request, 403, _("Bạn không có quyền thực hiện thao tác này"), code="forbidden")

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return problem(request, 404, _("Không tìm thấy"), code="not-found")

    @api.exception_handler(HttpError)
    def _http(request, exc):
        if isinstance(exc.__cause__, json.JSONDecodeError | UnicodeDecodeError):  # from the body parser
            return problem(request, 400, _("Nội dung JSON không hợp lệ."), _json_detail(exc.__cause__),
                           code="invalid-json")
        return problem(request, exc.status_code, str(exc), code=str(exc.status_code))

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request, exc):
        return too_large(request)

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request, exc):
        return problem(request, 400, _("Yêu cầu không hợp lệ"), code="bad-request")

    @api.exception_handler(RecursionError)
    def _recursion(request, exc):  # a last resort: hostile JSON is bounded before it is walked
        return problem(request, 400, _("Nội dung JSON không hợp lệ."),
                       _("JSON lồng nhau quá %(n)s cấp") % {"n": safejson.MAX_DEPTH}, code="invalid-json")

    @api.exception_handler(Exception)
    def _unexpected(request, exc):
        import logging

        logging.getLogger("vigil.api").exception("unhandled API error")
        return problem(request, 500, _("Lỗi máy chủ"), code="server-error")
