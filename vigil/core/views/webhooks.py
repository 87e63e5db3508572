"""Pages of signed webhooks: the endpoints of the units I manage with the form to add
one (the secret is shown once), an endpoint with its delivery log, and the actions:
enable / disable, rotate the secret, send a test event, retry a delivery now, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigil.core.web import form_data, get_or_post, map_errors, post_only, submit, web_actor

from .. import concurrency
from ..errors import DomainError
from ..forms.webhooks import WebhookForm
from ..notify import webhooks

PAGE_SIZE = 50


@login_required
@get_or_post
def webhook_list(request):
    """Endpoints of the units I manage, and the form to register one."""
    user = request.user
    form = WebhookForm(form_data(request), user=user, initial={"is_active": True})
    new_secret = new_endpoint = None
    if request.method == "POST" and form.is_valid():
        try:
            new_endpoint, new_secret = webhooks.endpoint_create(actor=web_actor(request), **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            map_errors(form, exc)
        else:
            form = WebhookForm(user=user, initial={"is_active": True})
    context = {
        "endpoints": webhooks.endpoint_list(user=user), "form": form, "can_create": form.fields["unit"].queryset.exists(),
        "new_secret": new_secret, "new_endpoint": new_endpoint,
    }
    status = 400 if request.method == "POST" and new_secret is None else 200
    return render(request, "core/webhook_list.html", context, status=status)


def _detail(request, endpoint, *, form=None, new_secret=None, status=200):
    user = request.user
    qs = webhooks.delivery_list(user=user, endpoint=endpoint, status=request.GET.get("status") or None)
    initial = {"name": endpoint.name, "url": endpoint.url, "kinds": endpoint.kinds,
               "include_descendants": endpoint.include_descendants, "is_active": endpoint.is_active}
    context = {
        "endpoint": endpoint, "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "form": form or _versioned(WebhookForm(user=user, endpoint=endpoint, initial=initial), endpoint),
        "new_secret": new_secret,
        "statuses": webhooks.Status.choices, "status_filter": request.GET.get("status") or "",
        "query": f"status={request.GET['status']}" if request.GET.get("status") else "",
    }
    return render(request, "core/webhook_detail.html", context, status=status)


def _versioned(form, endpoint):
    concurrency.add_version_field(form, endpoint)
    return form


@login_required
@get_or_post
def webhook_detail(request, webhook_id):
    """One endpoint: its settings (POST changes them) and its delivery log."""
    user = request.user
    endpoint = webhooks.endpoint_get(user=user, webhook_id=webhook_id)
    if request.method == "POST":
        form = WebhookForm(request.POST, user=user, endpoint=endpoint)
        concurrency.add_version_field(form, endpoint)
        return submit(
            request, form, lambda actor: webhooks.endpoint_update(actor=actor, endpoint=endpoint, **form.cleaned_data),
            success=reverse("core:webhook_detail", kwargs={"webhook_id": endpoint.pk}),
            message=_("Đã lưu webhook."), obj=endpoint,
            page=lambda status: _detail(request, endpoint, form=form, status=status),
        )
    return _detail(request, endpoint)


@login_required
@post_only
def webhook_toggle(request, webhook_id):
    endpoint = webhooks.endpoint_get(user=request.user, webhook_id=webhook_id)
    webhooks.endpoint_update(actor=web_actor(request), endpoint=endpoint, is_active=not endpoint.is_active)
    messages.success(request, _("Đã bật webhook.") if not endpoint.is_active else _("Đã tắt webhook."))
    return redirect("core:webhook_detail", webhook_id=endpoint.pk)


@login_required
@post_only
def webhook_rotate(request, webhook_id):
    endpoint = webhooks.endpoint_get(user=request.user, webhook_id=webhook_id)
    endpoint, secret = webhooks.endpoint_rotate_secret(actor=web_actor(request), endpoint=endpoint)
    return _detail(request, endpoint, new_secret=secret)


@login_required
@post_only
def webhook_test(request, webhook_id):
    endpoint = webhooks.endpoint_get(user=request.user, webhook_id=webhook_id)
    d = webhooks.endpoint_send_test(actor=web_actor(request), endpoint=endpoint)
    if d.status == webhooks.Status.DELIVERED:
        messages.success(request, _("Đã gửi sự kiện thử thành công (HTTP %(c)s).") % {"c": d.last_status_code})
    else:
        messages.warning(request, _("Gửi sự kiện thử không thành công: %(e)s") % {"e": d.last_error or d.last_status_code})
    return redirect("core:webhook_detail", webhook_id=endpoint.pk)


@login_required
@post_only
def webhook_delete(request, webhook_id):
    endpoint = webhooks.endpoint_get(user=request.user, webhook_id=webhook_id)
    webhooks.endpoint_delete(actor=web_actor(request), endpoint=endpoint)
    messages.success(request, _("Đã xoá webhook “%(n)s”.") % {"n": endpoint.name})
    return redirect("core:webhook_list")


@login_required
@post_only
def delivery_retry(request, webhook_id, delivery_id):
    endpoint = webhooks.endpoint_get(user=request.user, webhook_id=webhook_id)
    d = webhooks.delivery_get(user=request.user, delivery_id=delivery_id, endpoint=endpoint)
    try:
        d = webhooks.delivery_retry(actor=web_actor(request), delivery=d)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.warning(request, exc.message)
    else:
        if d.status == webhooks.Status.DELIVERED:
            messages.success(request, _("Đã gửi lại thành công."))
        else:
            messages.warning(request, _("Gửi lại không thành công: %(e)s") % {"e": d.last_error or d.last_status_code})
    return redirect("core:webhook_detail", webhook_id=endpoint.pk)
