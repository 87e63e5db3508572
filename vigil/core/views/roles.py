"""Administration of roles: which roles require a second factor."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import concurrency, selectors
from ..access import require_network
from ..actors import actor_from_request
from ..forms import RoleTwoFactorForm
from ..services.roles import role_set_2fa
from .common import domain_errors


@login_required
@require_GET
@domain_errors
def role_list(request):
    """Every role, what it grants, and whether it requires 2FA (network administrators)."""
    require_network(request.user, "admin")
    return render(request, "core/role_list.html", {"roles": selectors.role_list(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def role_edit(request, role_id: int):
    """Set whether holders of one role must use a second factor."""
    require_network(request.user, "admin")
    role = selectors.role_get(user=request.user, role_id=role_id, action="admin")
    form = RoleTwoFactorForm(request.POST if request.method == "POST" else None, initial={"requires_2fa": role.requires_2fa})
    concurrency.add_version_field(form, role)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                role = role_set_2fa(
                    actor=actor_from_request(request), role=role,
                    required=form.cleaned_data["requires_2fa"], version=form.cleaned_data.get("version"),
                )
            except concurrency.StaleObject as exc:
                status = concurrency.refuse_stale(form, exc, role)
                return render(request, "core/role_edit.html", {"role": role, "form": form}, status=status)
            if role.requires_2fa:
                messages.success(request, _("Vai trò %(role)s nay bắt buộc xác thực hai yếu tố.") % {"role": role})
            else:
                messages.success(request, _("Vai trò %(role)s không còn bắt buộc xác thực hai yếu tố.") % {"role": role})
            return redirect("core:role_list")
    return render(request, "core/role_edit.html", {"role": role, "form": form}, status=status)
