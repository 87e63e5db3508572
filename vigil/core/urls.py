from django.urls import path

from .views import account, audit_log, auth, dashboard, notifications, roles

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
    path("audit/", audit_log.audit_list, name="audit_list"),
    path("audit/<int:entry_id>/", audit_log.audit_detail, name="audit_detail"),
    path("admin/roles/", roles.role_list, name="role_list"),
    path("admin/roles/<int:role_id>/", roles.role_edit, name="role_edit"),
]
