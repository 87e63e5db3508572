"""Login (password, then TOTP where required), logout, and the lockout page."""

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from vigil.core.web import post_only

from .. import selectors
from ..forms import LoginForm, OtpForm
from ..services.auth import second_factor_required


class VigilLoginView(LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        target = super().get_success_url()
        user = self.request.user
        # A password login is never verified yet (the session was just rotated).
        if second_factor_required(user):
            # Straight to the second step, keeping where the user was going.
            return f"{reverse('core:otp_verify')}?{urlencode({'next': target})}"
        return target


login_view = VigilLoginView.as_view()


@post_only
def logout_view(request):
    logout(request)
    return redirect("core:login")


def lockout_response(request, credentials, *args, **kwargs):
    """django-axes calls this when a username is locked out."""
    return render(
        request, "core/login.html",
        {"form": LoginForm(request), "locked_out": True,
         "error": _("Tài khoản tạm bị khoá do đăng nhập sai nhiều lần. Hãy thử lại sau.")},
        status=429,
    )


def _safe_next(request, fallback="core:dashboard"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(fallback)


def otp_verify(request):
    """Second step of login: a TOTP code from the user's confirmed device."""
    from django_otp import login as otp_login

    if not request.user.is_authenticated:
        return redirect("core:login")
    if request.user.is_verified():
        return redirect(_safe_next(request))
    devices = selectors.otp_devices(user=request.user, confirmed=True)
    if not devices:
        return redirect(f"{reverse('core:otp_setup')}?{urlencode({'next': _safe_next(request)})}")
    form = OtpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        for device in devices:
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(_safe_next(request))
        form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn."))
    status = 200 if request.method == "GET" or form.is_valid() else 400
    return render(
        request, "core/otp_verify.html", {"form": form, "next": _safe_next(request)}, status=status
    )
