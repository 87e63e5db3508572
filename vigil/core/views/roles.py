"""Administration of roles: which roles require a second factor."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from vigil.core.web import form_data, get_only, get_or_post, submit

from .. import concurrency, selectors
from ..access import require_network
from ..forms import RoleTwoFactorForm
from ..services.roles import role_set_2fa


@login_required
@get_only
def role_list(request):
    """Every role, what it grants, and whether it requires 2FA (network administrators)."""
    require_network(request.user, "admin")
    return render(request, "core/role_list.html", {"roles": selectors.role_list(user=request.user)})


@login_required
@get_or_post
def role_edit(request, role_id: int):
    """Set whether holders of one role must use a second factor."""
    require_network(request.user, "admin")
    role = selectors.role_get(user=request.user, role_id=role_id, action="admin")
    form = RoleTwoFactorForm(form_data(request), initial={"requires_2fa": role.requires_2fa})
    concurrency.add_version_field(form, role)
    return submit(
        request, form,
        lambda actor: role_set_2fa(actor=actor, role=role, required=form.cleaned_data["requires_2fa"],
                                   version=form.cleaned_data.get("version")),
        success="core:role_list", message=_saved_message,
        template="core/role_edit.html", context={"role": role}, obj=role,
    )


def _saved_message(role) -> str:
    if role.requires_2fa:
        return _("Vai trò %(role)s nay bắt buộc xác thực hai yếu tố.") % {"role": role}
    return _("Vai trò %(role)s không còn bắt buộc xác thực hai yếu tố.") % {"role": role}
