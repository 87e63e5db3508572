"""A small, standard network for tests: the national committee, its office and standing
agency, two sibling provinces (each with a provincial subcommittee and a department),
a ministry, and a user per interesting position. Built through the services, so the
audit log and paths are real.

The test session builds it once, committed, right after the test database exists (the
root conftest's `django_db_setup`); each test runs in a transaction that is rolled back,
and its `net` fixture is a fresh `Network` read back from the database (`load_network`),
so no Python object carries state from one test to the next. Transactional tests flush
every table at their end; the next one rebuilds the network (`make_network`).

Lives outside `vigil.core`: core imports no domain app, and this module builds units and
people through `org`."""

from dataclasses import dataclass, field
from datetime import date

from vigil.core.actors import system_actor
from vigil.core.models import User
from vigil.org.models import Membership, Person, Role, Unit
from vigil.org.reference import load_kinds, load_roles, load_sectors
from vigil.org.services.units import unit_create

PASSWORD = "Vigil-test-pass-2026"

# The network's units: the key tests use (`net.prov_a`, `net.units["prov_a"]`) and its code.
UNIT_CODES = {
    "national": "bcd-qg", "office": "vp-bcd", "agency": "cqtt", "prov_a": "tinh-a",
    "prov_a_sub": "tinh-a-tb", "prov_a_dept": "tinh-a-sotc", "prov_b": "tinh-b",
    "prov_b_dept": "tinh-b-sotc", "ministry": "bo-x",
}
# The network's users (`admin` is a superuser without a person or membership).
USERNAMES = (
    "office_staff", "agency_analyst", "a_head", "a_analyst", "a_dept", "b_analyst", "auditor",
    "national_viewer", "nobody", "admin",
)


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


def build_network() -> Network:
    """Create the network through the services (an empty database of units and users)."""
    load_kinds()
    load_roles()
    load_sectors()
    actor = system_actor("cli")
    n = Network()
    u = n.units
    c = UNIT_CODES
    u["national"] = unit_create(actor=actor, code=c["national"], name="Ban Chỉ đạo quốc gia", name_en="National Steering Committee", kind="national_committee")
    u["office"] = unit_create(actor=actor, code=c["office"], name="Văn phòng Ban Chỉ đạo", name_en="Committee Office", kind="committee_office", parent=u["national"])
    u["agency"] = unit_create(actor=actor, code=c["agency"], name="Cơ quan thường trực", name_en="Standing Agency", kind="standing_agency", parent=u["national"])
    u["prov_a"] = unit_create(actor=actor, code=c["prov_a"], name="Tỉnh A", name_en="Province A", kind="province", parent=u["national"])
    u["prov_a_sub"] = unit_create(actor=actor, code=c["prov_a_sub"], name="Tiểu ban tỉnh A", name_en="Province A subcommittee", kind="provincial_subcommittee", parent=u["prov_a"])
    u["prov_a_dept"] = unit_create(actor=actor, code=c["prov_a_dept"], name="Sở Tài chính tỉnh A", name_en="Province A finance department", kind="provincial_department", parent=u["prov_a"])
    u["prov_b"] = unit_create(actor=actor, code=c["prov_b"], name="Tỉnh B", name_en="Province B", kind="province", parent=u["national"])
    u["prov_b_dept"] = unit_create(actor=actor, code=c["prov_b_dept"], name="Sở Tài chính tỉnh B", name_en="Province B finance department", kind="provincial_department", parent=u["prov_b"])
    u["ministry"] = unit_create(actor=actor, code=c["ministry"], name="Bộ X", name_en="Ministry X", kind="ministry", parent=u["national"])
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


def load_network() -> Network | None:
    """The network as the database holds it now (three queries), or None when it is not
    there (an empty database, or one a transactional test flushed)."""
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=UNIT_CODES.values())}
    users = {user.username: user for user in User.objects.filter(username__in=USERNAMES)}
    if len(units) != len(UNIT_CODES) or len(users) != len(USERNAMES):
        return None
    n = Network()
    n.units.update({key: units[code] for key, code in UNIT_CODES.items()})
    n.users.update({name: users[name] for name in USERNAMES})
    people = Person.objects.filter(user__username__in=USERNAMES).select_related("user")
    n.people.update({person.user.username: person for person in people})
    for person in n.people.values():
        person.user = n.users[person.user.username]  # one object per user, as when built
    return n


def make_network() -> Network:
    """The standard network: read back when the database has it, built otherwise."""
    return load_network() or build_network()


def remove_network() -> None:
    """Delete the standard network's rows, with the unit kinds, roles and sectors it loaded, inside
    the current test's transaction (they come back when it is rolled back): for the tests
    of loaders that expect an empty database, such as the demo and the reference data,
    which count what they create. Audit entries stay: they are append-only and hold no
    foreign key constraint."""
    from vigil.org.models import Sector, UnitKind

    codes = list(UNIT_CODES.values())
    Membership.objects.filter(unit__code__in=codes).delete()
    Person.objects.filter(user__username__in=USERNAMES).delete()
    User.objects.filter(username__in=USERNAMES).delete()
    for unit in sorted(Unit.objects.filter(code__in=codes), key=lambda unit: -len(unit.path)):
        unit.delete()
    Role.objects.all().delete()
    UnitKind.objects.all().delete()
    Sector.objects.all().delete()


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

    repo = Path(__file__).resolve().parents[1]
    for candidate in (os.environ.get("VIGIL_SHARED_DATA"), repo.parent / "shared" / "data", "/work/shared/data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return repo.parent / "shared" / "data"
