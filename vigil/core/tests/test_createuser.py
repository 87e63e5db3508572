"""`vigil createuser`: account, person and membership in one go, with clear errors."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from vigil.core.models import AuditEntry, User
from vigil.org.models import Membership
from vigil.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_creates_user_person_and_membership_with_audit(net):
    out = io.StringIO()
    call_command("createuser", "nguyen.van.c", "--password", PASSWORD, "--unit", "tinh-a-sotc",
                 "--role", "responder", "--full-name", "Nguyễn Văn C", "--email", "c@example.vn", stdout=out)
    user = User.objects.get(username="nguyen.van.c")
    assert user.check_password(PASSWORD) and user.full_name == "Nguyễn Văn C"
    assert user.person.home_unit == net.prov_a_dept and user.person.email == "c@example.vn"
    membership = Membership.objects.get(person=user.person)
    assert membership.role.code == "responder" and membership.since == timezone.localdate()
    assert membership.is_active
    types = set(AuditEntry.objects.filter(action="create", channel="cli").values_list("object_type", flat=True))
    assert {"core.user", "org.person", "org.membership"} <= types
    user_entry = AuditEntry.objects.get(object_type="core.user", object_id=str(user.pk))
    assert user_entry.after["password"] == "***" and user_entry.unit_id == net.prov_a_dept.pk
    assert "nguyen.van.c" in out.getvalue()


def test_password_from_environment_and_stdin(net, monkeypatch):
    monkeypatch.setenv("VIGIL_PASSWORD", PASSWORD)
    call_command("createuser", "env.user", "--unit", "tinh-a", "--role", "viewer", stdout=io.StringIO())
    assert User.objects.get(username="env.user").check_password(PASSWORD)
    monkeypatch.delenv("VIGIL_PASSWORD")
    call_command("createuser", "stdin.user", "--password-stdin", "--unit", "tinh-a", "--role", "viewer",
                 stdin=io.StringIO(PASSWORD + "\n"), stdout=io.StringIO())
    assert User.objects.get(username="stdin.user").check_password(PASSWORD)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--unit", "khong-co", "--role", "viewer"], "Đơn vị không tồn tại: khong-co"),
        (["--unit", "tinh-a", "--role", "khong-co"], "Vai trò không tồn tại: khong-co"),
        (["--unit", "tinh-a", "--role", "viewer", "--email", "not-an-email"], "email"),
    ],
)
def test_unknown_unit_or_role_is_a_clear_error(net, args, message):
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("createuser", "someone", "--password", PASSWORD, *args)
    assert excinfo.value.returncode == 1
    assert not User.objects.filter(username="someone").exists()


def test_duplicate_username_and_weak_password_are_refused(net):
    with pytest.raises(CommandError, match="Tên đăng nhập đã tồn tại"):
        call_command("createuser", "A_Analyst", "--password", PASSWORD, "--unit", "tinh-a", "--role", "viewer")
    with pytest.raises(CommandError, match="password: Mật khẩu không đạt yêu cầu"):
        call_command("createuser", "weak", "--password", "12345", "--unit", "tinh-a", "--role", "viewer")
    with pytest.raises(CommandError, match="Thiếu mật khẩu"):
        call_command("createuser", "nopass", "--unit", "tinh-a", "--role", "viewer")
    assert not User.objects.filter(username__in=["weak", "nopass"]).exists()


def test_account_service_checks_the_actors_rights(net):
    from vigil.core.actors import Actor
    from vigil.core.errors import AccessDenied
    from vigil.core.services.accounts import account_create

    # A provincial head manages members of their province, but cannot mint auditors.
    account_create(actor=Actor(user=net.a_head), username="a.new", password=PASSWORD,
                   unit_code="tinh-a-sotc", role_code="responder")
    with pytest.raises(AccessDenied):
        account_create(actor=Actor(user=net.a_head), username="a.auditor", password=PASSWORD,
                       unit_code="tinh-a", role_code="auditor")
    with pytest.raises(AccessDenied):
        account_create(actor=Actor(user=net.a_head), username="b.new", password=PASSWORD,
                       unit_code="tinh-b", role_code="viewer")
