from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class BootstrapMixin:
    """Gives every widget Bootstrap's classes, and marks fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            base = "form-check-input" if getattr(widget, "input_type", "") == "checkbox" else (
                "form-select" if widget.__class__.__name__ in ("Select", "SelectMultiple") else "form-control"
            )
            css = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{css} {base}".strip()
            if self.is_bound and name in self.errors:
                widget.attrs["class"] += " is-invalid"
                widget.attrs["aria-invalid"] = "true"


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
