from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class BootstrapMixin:
    """Gives every widget Bootstrap's classes, and marks fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            base = "form-check-input" if getattr(widget, "input_type", "") == "checkbox" else (
                "form-select" if widget.__class__.__name__ in ("Select", "SelectMultiple") else "form-control"
            )
            css = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{css} {base}".strip()

    def full_clean(self):
        # Marked after cleaning, not in __init__: validating there would run before a
        # subclass sets its choices or querysets, and cache wrong errors.
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


class LoginForm(BootstrapMixin, AuthenticationForm):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    password = forms.CharField(label=_("Mật khẩu"), strip=False, widget=forms.PasswordInput)
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng."),
        "inactive": _("Tài khoản đã bị vô hiệu hoá."),
    }


class OtpForm(BootstrapMixin, forms.Form):
    token = forms.RegexField(
        label=_("Mã xác thực (6 chữ số)"), regex=r"^\d{6}$",
        error_messages={"invalid": _("Mã gồm đúng 6 chữ số.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TokenCreateForm(BootstrapMixin, forms.Form):
    """A new personal API token: its name, scope and lifetime."""

    name = forms.CharField(
        label=_("Tên khoá"), max_length=100,
        help_text=_("Để nhớ khoá dùng ở đâu, ví dụ: máy chủ SIEM."),
    )
    scope = forms.ChoiceField(
        label=_("Phạm vi"),
        choices=[("read", _("Chỉ đọc")), ("write", _("Đọc và ghi"))],
        initial="read",
    )
    days = forms.IntegerField(
        label=_("Thời hạn (ngày)"), min_value=1, max_value=366, initial=90,
        error_messages={"invalid": _("Thời hạn phải là số ngày.")},
    )


class RoleTwoFactorForm(BootstrapMixin, forms.Form):
    requires_2fa = forms.BooleanField(
        label=_("Bắt buộc xác thực hai yếu tố (TOTP) với mọi người giữ vai trò này"),
        required=False,
    )


class AuditFilterForm(BootstrapMixin, forms.Form):
    """Filters of the audit log page (the API takes the same names as query parameters)."""

    q = forms.CharField(label=_("Tìm theo đối tượng"), required=False, max_length=200)
    actor = forms.CharField(label=_("Người thực hiện"), required=False, max_length=150)
    unit = forms.TypedChoiceField(label=_("Đơn vị"), required=False, coerce=int, empty_value=None)
    action = forms.CharField(label=_("Hành động"), required=False, max_length=32)
    object_type = forms.CharField(label=_("Loại đối tượng"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Mã đối tượng"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("Từ ngày"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Ngày không hợp lệ (YYYY-MM-DD).")},
    )
    date_to = forms.DateField(
        label=_("Đến ngày"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Ngày không hợp lệ (YYYY-MM-DD).")},
    )

    def __init__(self, *args, units=(), vocabulary=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("Tất cả đơn vị"))] + [(u.pk, str(u)) for u in units]
        self.vocabulary = vocabulary or {"actions": [], "object_types": []}
        self.fields["action"].widget.attrs["list"] = "audit-actions"
        self.fields["object_type"].widget.attrs["list"] = "audit-object-types"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
        return data

    def to_filter(self):
        from ..selectors import AuditFilter

        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return AuditFilter(**{k: v for k, v in data.items() if v not in (None, "")})
