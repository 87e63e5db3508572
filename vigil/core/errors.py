"""Domain errors. Each interface turns them into its own answer in one place:
RFC 9457 problem details (API), form errors (pages), a message and exit code (CLI)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    title = _("Yêu cầu không hợp lệ")

    def __init__(self, message=None, *, field: str | None = None, code: str = "invalid"):
        self.message = message or self.title
        self.field = field
        self.code = code
        super().__init__(str(self.message))

    def errors(self) -> dict[str, list[str]]:
        return {self.field or "__all__": [str(self.message)]}


class AccessDenied(DomainError):
    status = 403
    title = _("Bạn không có quyền thực hiện thao tác này")


class NotFound(DomainError):
    status = 404
    title = _("Không tìm thấy")


class Conflict(DomainError):
    status = 409
    title = _("Xung đột dữ liệu")


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Flatten a Django ValidationError into {field: [messages]}."""
    if hasattr(exc, "error_dict"):
        return {f: [str(m) for e in errs for m in e.messages] for f, errs in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}
