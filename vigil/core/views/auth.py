"""Login (password, then TOTP where required), logout, and the lockout page."""

from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import LoginForm, OtpForm


class VigilLoginView(LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


login_view = VigilLoginView.as_view()


@require_POST
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
    from django.urls import reverse

    return reverse(fallback)


def otp_verify(request):
    """Second step of login: a TOTP code from the user's confirmed device."""
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not request.user.is_authenticated:
        return redirect("core:login")
    if request.user.is_verified():
        return redirect(_safe_next(request))
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect(f"{_reverse('core:otp_setup')}?next={_safe_next(request)}")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        for device in devices:
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(_safe_next(request))
        form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn."))
    return render(request, "core/otp_verify.html", {"form": form, "next": _safe_next(request)})


def _reverse(name):
    from django.urls import reverse

    return reverse(name)
