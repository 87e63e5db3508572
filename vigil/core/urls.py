from django.urls import path

from .views import account, audit_log, auth, dashboard, notifications, roles, webhooks

app_name = "core"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("login/otp/", auth.otp_verify, name="otp_verify"),
    path("account/", account.profile, name="profile"),
    path("account/otp/setup/", account.otp_setup, name="otp_setup"),
    path("account/logout-everywhere/", account.logout_everywhere_view, name="logout_everywhere"),
    path("account/tokens/", account.token_list, name="token_list"),
    path("account/tokens/<int:token_id>/revoke/", account.token_revoke_view, name="token_revoke"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification_read_all"),
    path("notifications/preferences/", notifications.notification_preferences, name="notification_preferences"),
    path("notifications/<int:notification_id>/read/", notifications.notification_read, name="notification_read"),
    path("webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("webhooks/<int:webhook_id>/", webhooks.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:webhook_id>/toggle/", webhooks.webhook_toggle, name="webhook_toggle"),
    path("webhooks/<int:webhook_id>/rotate/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<int:webhook_id>/test/", webhooks.webhook_test, name="webhook_test"),
    path("webhooks/<int:webhook_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/retry/", webhooks.delivery_retry,
         name="webhook_delivery_retry"),
    path("audit/", audit_log.audit_list, name="audit_list"),
    path("audit/<int:entry_id>/", audit_log.audit_detail, name="audit_detail"),
    path("admin/roles/", roles.role_list, name="role_list"),
    path("admin/roles/<int:role_id>/", roles.role_edit, name="role_edit"),
]
