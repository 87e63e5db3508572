from django.urls import path

from .views import account, audit_log, auth, dashboard, roles

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
    path("audit/", audit_log.audit_list, name="audit_list"),
    path("audit/<int:entry_id>/", audit_log.audit_detail, name="audit_detail"),
    path("admin/roles/", roles.role_list, name="role_list"),
    path("admin/roles/<int:role_id>/", roles.role_edit, name="role_edit"),
]
