"""A small, standard network for tests: the national committee, its office and standing
agency, two sibling provinces (each with a provincial subcommittee and a department),
a ministry, and a user per interesting position. Built through the services, so the
audit log and paths are real."""

from dataclasses import dataclass, field
from datetime import date

from vigil.core.actors import system_actor
from vigil.core.models import User
from vigil.org.models import Membership, Person, Role
from vigil.org.reference import load_kinds, load_roles
from vigil.org.services.units import unit_create

PASSWORD = "Vigil-test-pass-2026"


@dataclass
class Network:
    units: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)

    def __getattr__(self, name):
        for bag in ("units", "users"):
            store = self.__dict__.get(bag, {})
            if name in store:
                return store[name]
        raise AttributeError(name)


def make_user(network: Network, username: str, unit, role_code: str, *, full_name: str = "", since=None):
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=full_name or username)
    person = Person.objects.create(full_name=full_name or username, home_unit=unit, user=user)
    Membership.objects.create(
        person=person, unit=unit, role=Role.objects.get(code=role_code), since=since or date(2025, 1, 1)
    )
    network.users[username] = user
    network.people[username] = person
    return user


def make_network() -> Network:
    load_kinds()
    load_roles()
    actor = system_actor("cli")
    n = Network()
    u = n.units
    u["national"] = unit_create(actor=actor, code="bcd-qg", name="Ban Chỉ đạo quốc gia", name_en="National Steering Committee", kind="national_committee")
    u["office"] = unit_create(actor=actor, code="vp-bcd", name="Văn phòng Ban Chỉ đạo", name_en="Committee Office", kind="committee_office", parent=u["national"])
    u["agency"] = unit_create(actor=actor, code="cqtt", name="Cơ quan thường trực", name_en="Standing Agency", kind="standing_agency", parent=u["national"])
    u["prov_a"] = unit_create(actor=actor, code="tinh-a", name="Tỉnh A", name_en="Province A", kind="province", parent=u["national"])
    u["prov_a_sub"] = unit_create(actor=actor, code="tinh-a-tb", name="Tiểu ban tỉnh A", name_en="Province A subcommittee", kind="provincial_subcommittee", parent=u["prov_a"])
    u["prov_a_dept"] = unit_create(actor=actor, code="tinh-a-sotc", name="Sở Tài chính tỉnh A", name_en="Province A finance department", kind="provincial_department", parent=u["prov_a"])
    u["prov_b"] = unit_create(actor=actor, code="tinh-b", name="Tỉnh B", name_en="Province B", kind="province", parent=u["national"])
    u["prov_b_dept"] = unit_create(actor=actor, code="tinh-b-sotc", name="Sở Tài chính tỉnh B", name_en="Province B finance department", kind="provincial_department", parent=u["prov_b"])
    u["ministry"] = unit_create(actor=actor, code="bo-x", name="Bộ X", name_en="Ministry X", kind="ministry", parent=u["national"])
    make_user(n, "office_staff", u["office"], "secretary", full_name="Nguyễn Văn Văn Phòng")
    make_user(n, "agency_analyst", u["agency"], "analyst", full_name="Trần Thị Phân Tích")
    make_user(n, "a_head", u["prov_a"], "head", full_name="Lê Văn A")
    make_user(n, "a_analyst", u["prov_a"], "analyst", full_name="Phạm Thị A")
    make_user(n, "a_dept", u["prov_a_dept"], "responder", full_name="Hoàng Văn Sở A")
    make_user(n, "b_analyst", u["prov_b"], "analyst", full_name="Vũ Thị B")
    make_user(n, "auditor", u["national"], "auditor", full_name="Đỗ Kiểm Toán")
    # A parent unit's member above the provinces (a subtree scope, not network-wide).
    make_user(n, "national_viewer", u["national"], "viewer", full_name="Ngô Cấp Trên")
    make_user(n, "nobody", u["prov_a"], "viewer", full_name="Không Vai Trò", since=date(2099, 1, 1))
    n.users["admin"] = User.objects.create_superuser(username="admin", password=PASSWORD, full_name="Quản trị")
    return n


def set_audit_triggers(enabled: bool) -> None:
    """Create or drop the audit log's append-only triggers (migration core/0003).

    Only for tests: a transactional test's teardown flushes every table, which the
    triggers rightly refuse."""
    from importlib import import_module

    from django.db import connection

    migration = import_module("vigil.core.migrations.0003_audit_append_only")
    with connection.schema_editor(atomic=True) as editor:
        migration.backwards(None, editor)
        if enabled:
            migration.forwards(None, editor)


def shared_data_dir():
    """The folder of public datasets tests may read (`../shared/data` beside the checkout, or
    `VIGIL_SHARED_DATA`); tests skip what they need when it is absent."""
    import os
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    for candidate in (os.environ.get("VIGIL_SHARED_DATA"), repo.parent / "shared" / "data", "/work/shared/data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return repo.parent / "shared" / "data"
