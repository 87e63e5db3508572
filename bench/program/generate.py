"""Generate ten years of the committee's work for the benchmark.

The network: the reference data (the national committee, its office and standing agency,
the 34 provinces with their provincial subcommittees), plus `communes_per_province`
communes under each province (about 3,300 at scale 1), written in bulk with correct
materialised paths.

The work, for each year:
- two national meetings whose conclusions become `national_per_year` national tasks, each
  a parent with one child per province (the office matrix's columns);
- `cascaded_per_year` of those each province hands on to all its communes (the province's
  child becomes a parent of one grandchild per commune, as `task_cascade` does);
- `provincial_per_year` tasks of each province's own approved work programme, each a
  parent (led by the province) with one child per commune.
So each province leads 20 national tasks a year and each commune 20 tasks a year; at
scale 1 that is about 670,000 tasks, 3 million progress reports and 1.4 million events.

Outcomes are drawn so that every computed status occurs: past tasks are mostly done on
time or late, some still overdue, a few cancelled; current ones not started or in
progress. Each province has its own diligence, so some lag behind. Parents' progress and
state are rolled up from their children by the rule of `services.tasks._roll_up`.
Supporting units are copied from a parent to its children, as the services do.

Rows are produced in Python with a seeded random generator (the same data every run) and
written with PostgreSQL's COPY; on other databases (the smoke test on SQLite) with the
ORM's bulk_create. Never row by row through the services: that would take days.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

COMMUNES_PER_PROVINCE = 97  # 34 x 97 = 3,298 communes at scale 1
# Bump when the generated data changes: a kept database of another version is rebuilt.
VERSION = 4


@dataclass(frozen=True)
class Config:
    """What to generate. `Config.for_scale(1.0)` is the issue's data set."""

    years: int = 10
    communes_per_province: int = COMMUNES_PER_PROVINCE
    national_per_year: int = 20
    cascaded_per_year: int = 12
    provincial_per_year: int = 8
    provinces: int | None = None  # only the first N provinces (tiny runs); None: all 34
    events: bool = True
    seed: int = 2026

    @classmethod
    def for_scale(cls, scale: float, **overrides) -> Config:
        communes = max(1, round(COMMUNES_PER_PROVINCE * scale))
        return cls(communes_per_province=communes, **overrides)

    def as_dict(self) -> dict:
        return {**asdict(self), "version": VERSION}


@dataclass
class Network:
    """The units and users the generator and the measurements work with."""

    national: object
    office: object
    agency: object
    provinces: list
    subcommittees: dict  # province pk -> its provincial subcommittee (or None)
    communes: dict  # province pk -> [commune, ...]
    office_user: object
    province_users: dict  # province pk -> analyst user
    meetings: list = field(default_factory=list)


@dataclass
class Counts:
    units: int = 0
    tasks: int = 0
    reports: int = 0
    events: int = 0
    supports: int = 0
    meetings: int = 0
    conclusions: int = 0
    programmes: int = 0
    statuses: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- writers


class CopyWriter:
    """PostgreSQL: COPY … FROM STDIN through the connection's psycopg cursor."""

    def write(self, model, columns: Sequence[str], rows: Iterable[tuple]) -> None:
        qn = connection.ops.quote_name
        cols = ", ".join(qn(model._meta.get_field(c).column) for c in columns)
        sql = f"COPY {qn(model._meta.db_table)} ({cols}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


class OrmWriter:
    """Any database: bulk_create (slower; for the tiny smoke-test runs)."""

    def write(self, model, columns: Sequence[str], rows: Iterable[tuple]) -> None:
        json_cols = {
            i
            for i, c in enumerate(columns)
            if model._meta.get_field(c).get_internal_type() == "JSONField"
        }
        objs = []
        for row in rows:
            values = [json.loads(v) if i in json_cols else v for i, v in enumerate(row)]
            objs.append(model(**dict(zip(columns, values, strict=True))))
        model.objects.bulk_create(objs, batch_size=500)


def writer_for_connection():
    return CopyWriter() if connection.vendor == "postgresql" else OrmWriter()


# --------------------------------------------------------------------------- the network


def prepare_network(cfg: Config) -> Network:
    """Reference data, the communes and the benchmark's users (idempotent)."""
    from vigil.org.models import Unit

    call_command("load_reference", verbosity=0, stdout=_Null())
    national = Unit.objects.get(code="bcd-qg")
    office = Unit.objects.get(code="vp-bcd")
    agency = Unit.objects.get(code="cqtt")
    provinces = list(Unit.objects.filter(kind__code="province", parent=national).order_by("path"))
    if cfg.provinces is not None:
        provinces = provinces[: cfg.provinces]
    subs = {
        u.parent_id: u
        for u in Unit.objects.filter(kind__code="provincial_subcommittee", parent__in=provinces)
    }
    _create_communes(cfg, provinces)
    communes: dict[int, list] = {p.pk: [] for p in provinces}
    for c in Unit.objects.filter(kind__code="commune", parent__in=provinces).order_by("path"):
        communes[c.parent_id].append(c)
    office_user = _bench_user("bench-office", office, "secretary", "Chánh Văn phòng (benchmark)")
    province_users = {
        p.pk: _bench_user(f"bench-{p.code}", p, "analyst", f"Chuyên viên {p.name} (benchmark)")
        for p in provinces
    }
    return Network(
        national=national,
        office=office,
        agency=agency,
        provinces=provinces,
        subcommittees=subs,
        communes=communes,
        office_user=office_user,
        province_users=province_users,
    )


def load_network() -> Network:
    """The network of an already generated database (no writes)."""
    from vigil.core.models import User
    from vigil.org.models import Unit

    national = Unit.objects.get(code="bcd-qg")
    provinces = list(Unit.objects.filter(kind__code="province", parent=national).order_by("path"))
    users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
    provinces = [p for p in provinces if f"bench-{p.code}" in users]
    communes: dict[int, list] = {p.pk: [] for p in provinces}
    for c in Unit.objects.filter(kind__code="commune", parent__in=provinces).order_by("path"):
        communes[c.parent_id].append(c)
    subs = {
        u.parent_id: u
        for u in Unit.objects.filter(kind__code="provincial_subcommittee", parent__in=provinces)
    }
    return Network(
        national=national,
        office=Unit.objects.get(code="vp-bcd"),
        agency=Unit.objects.get(code="cqtt"),
        provinces=provinces,
        subcommittees=subs,
        communes=communes,
        office_user=users["bench-office"],
        province_users={p.pk: users[f"bench-{p.code}"] for p in provinces},
    )


def _create_communes(cfg: Config, provinces: list) -> int:
    """`communes_per_province` communes under each province, with ids chosen here so that
    paths are written in the same INSERT (no second pass over the rows)."""
    from vigil.org.models import Unit, UnitKind

    kind = UnitKind.objects.get(code="commune")
    existing = set(
        Unit.objects.filter(kind=kind, parent__in=provinces).values_list("code", flat=True)
    )
    next_id = (Unit.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    new = []
    for p in provinces:
        for i in range(1, cfg.communes_per_province + 1):
            code = f"{p.code}-xa-{i:03d}"
            if code in existing:
                continue
            unit = Unit(
                id=next_id,
                code=code,
                kind=kind,
                parent=p,
                name=f"Xã số {i} ({p.name})",
                name_en=f"Commune {i} ({p.name_en})",
                short_name=f"Xã {i}",
                path=f"{p.path}{next_id:08d}.",
                depth=p.depth + 1,
            )
            new.append(unit)
            next_id += 1
    Unit.objects.bulk_create(new, batch_size=1000)
    _reset_sequences([Unit])
    return len(new)


def _bench_user(username: str, unit, role_code: str, full_name: str):
    """A login-less user with one membership (as vigil.testing.make_user does)."""
    from vigil.core.models import User
    from vigil.org.models import Membership, Person, Role

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=None, full_name=full_name)
        person = Person.objects.create(full_name=full_name, home_unit=unit, user=user)
        Membership.objects.create(
            person=person,
            unit=unit,
            role=Role.objects.get(code=role_code),
            since=dt.date(2015, 1, 1),
        )
    return user


# --------------------------------------------------------------------------- words

NATIONAL_TITLES = [
    "Rà soát, đánh giá an toàn hệ thống thông tin theo cấp độ",
    "Tổ chức diễn tập ứng cứu sự cố an ninh mạng",
    "Triển khai giám sát an ninh mạng tập trung (SOC)",
    "Báo cáo kết quả thực hiện chỉ thị về bảo đảm an ninh mạng",
    "Kiện toàn tiểu ban an ninh mạng cấp tỉnh",
    "Tuyên truyền nâng cao nhận thức về an ninh mạng cho người dân",
    "Đào tạo, bồi dưỡng cán bộ chuyên trách an ninh mạng",
    "Triển khai mô hình bảo vệ bốn lớp cho hệ thống thông tin",
    "Rà soát, xử lý mã độc và lỗ hổng trên hệ thống",
    "Xây dựng phương án ứng phó sự cố an ninh mạng",
    "Kiểm tra việc chấp hành quy định về an ninh mạng",
    "Thống kê, báo cáo tài sản công nghệ thông tin",
]
PROVINCIAL_TITLES = [
    "Cập nhật danh mục hệ thống thông tin của xã",
    "Phân công cán bộ đầu mối an ninh mạng cấp xã",
    "Báo cáo sự cố an ninh mạng định kỳ",
    "Tập huấn kỹ năng an toàn thông tin cho công chức xã",
    "Rà soát thiết bị đầu cuối kết nối mạng diện rộng",
    "Kiểm tra sao lưu dữ liệu của cổng thông tin xã",
]
REPORT_TEXTS = [
    "Đã xây dựng kế hoạch triển khai và phân công cán bộ thực hiện.",
    "Đã tổ chức họp triển khai, đang rà soát hiện trạng.",
    "Hoàn thành rà soát, đang tổng hợp kết quả và đề xuất giải pháp.",
    "Đã khắc phục phần lớn tồn tại, còn một số nội dung đang xử lý.",
    "Đã gửi báo cáo kết quả về cơ quan giao nhiệm vụ.",
    "Đang chờ kinh phí để triển khai các hạng mục còn lại.",
]
PRODUCTS = ["document", "report", "drill", "system", "number", "document", "report"]
CANCEL_REASON = "Nhiệm vụ được lồng ghép vào nhiệm vụ khác theo chỉ đạo."

TASK_COLUMNS = (
    "id",
    "title",
    "description",
    "source",
    "conclusion_id",
    "programme_id",
    "finding_id",
    "source_reference",
    "parent_id",
    "assigning_unit_id",
    "lead_unit_id",
    "assignee_id",
    "start_date",
    "due_date",
    "original_due_date",
    "recurrence",
    "product",
    "product_description",
    "target_value",
    "achieved_value",
    "priority",
    "progress",
    "state",
    "completed_on",
    "accepted_on",
    "cancel_reason",
    "created_by_id",
    "created_at",
    "updated_at",
    "version",
)
REPORT_COLUMNS = (
    "id",
    "task_id",
    "percent",
    "text",
    "achieved_value",
    "period_start",
    "reported_by_id",
    "reported_at",
)
EVENT_COLUMNS = ("id", "task_id", "kind", "at", "actor_id", "actor_name", "note", "data")
SUPPORT_COLUMNS = ("id", "task_id", "unit_id")
T_ID, T_PARENT, T_START, T_DUE, T_PROGRESS, T_STATE, T_COMPLETED, T_ACCEPTED = (
    0,
    8,
    12,
    13,
    21,
    22,
    23,
    24,
)
DONE_STATES = ("submitted", "accepted")


def check_columns() -> None:
    """Fail loudly (not with a cryptic COPY error) when the models gain or lose a column."""
    from vigil.program.models import ProgressReport, Task, TaskEvent

    for model, cols in (
        (Task, TASK_COLUMNS),
        (ProgressReport, REPORT_COLUMNS),
        (TaskEvent, EVENT_COLUMNS),
        (Task.supporting_units.through, SUPPORT_COLUMNS),
    ):
        have = {f.attname for f in model._meta.concrete_fields}
        if have != set(cols):
            raise RuntimeError(
                f"bench generator is out of date for {model.__name__}: "
                f"missing {sorted(have - set(cols))}, unknown {sorted(set(cols) - have)}"
            )


# --------------------------------------------------------------------------- generation


class _Ids:
    def __init__(self, model):
        self.next = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def __call__(self) -> int:
        value = self.next
        self.next += 1
        return value


class Generator:
    """Produces the rows of one year at a time (tasks, supports, reports, events)."""

    def __init__(self, cfg: Config, net: Network, today: dt.date):
        from vigil.program.models import ProgressReport, Task, TaskEvent

        self.cfg = cfg
        self.net = net
        self.today = today
        self.rng = random.Random(cfg.seed)
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.task_id = _Ids(Task)
        self.report_id = _Ids(ProgressReport)
        self.event_id = _Ids(TaskEvent)
        self.support_id = _Ids(Task.supporting_units.through)
        # Each province's diligence: the chance that a task past its deadline was done.
        self.diligence = {p.pk: self.rng.uniform(0.55, 0.97) for p in net.provinces}
        self.status_counts: dict[str, int] = {}
        self._reset_year()

    def _reset_year(self):
        self.tasks: list[tuple] = []
        self.reports: list[tuple] = []
        self.events: list[tuple] = []
        self.supports: list[tuple] = []

    # ---- helpers

    def _at(self, day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=self.tz)

    def _task(
        self,
        *,
        title,
        source,
        conclusion_id=None,
        programme_id=None,
        source_reference="",
        parent_id=None,
        assigning_id,
        lead_id,
        start,
        due,
        recurrence,
        product,
        priority,
        created_by_id,
        outcome,
    ) -> tuple:
        state, progress, completed, accepted, cancel_reason = outcome
        last = accepted or completed or start
        return (
            self.task_id(),
            title,
            "",
            source,
            conclusion_id,
            programme_id,
            None,
            source_reference,
            parent_id,
            assigning_id,
            lead_id,
            None,
            start,
            due,
            due,
            recurrence,
            product,
            "",
            None,
            None,
            priority,
            progress,
            state,
            completed,
            accepted,
            cancel_reason,
            created_by_id,
            self._at(start, 8),
            self._at(min(max(last, start), self.today), 17),
            1,
        )

    def _outcome(self, start: dt.date, due: dt.date, diligence: float) -> tuple:
        """(state, progress, completed_on, accepted_on, cancel_reason) of a leaf task."""
        rng, today = self.rng, self.today
        r = rng.random()
        if due < today:
            # Old work gets finished (late) or closed: little stays overdue for years.
            age = (today - due).days / 365
            diligence += (1 - diligence) * min(0.85, age * 0.5)
            if r < 0.03:
                return ("cancelled", rng.randrange(0, 60, 10), None, None, CANCEL_REASON)
            if r < 0.03 + 0.97 * diligence:
                if rng.random() < 0.78 - min(0.2, age * 0.1):
                    completed = due - dt.timedelta(days=rng.randint(0, min(30, (due - start).days)))
                else:
                    completed = min(due + dt.timedelta(days=rng.randint(1, 60)), today)
                return self._done(completed)
            return ("open", rng.randrange(0, 100, 10), None, None, "")
        if start > today:
            return ("open", 0, None, None, "")
        if r < 0.12:
            completed = start + dt.timedelta(days=rng.randint(0, (today - start).days))
            return self._done(completed)
        if r < 0.15:
            return ("cancelled", rng.randrange(0, 60, 10), None, None, CANCEL_REASON)
        if r < 0.45:
            return ("open", 0, None, None, "")
        return ("open", rng.randrange(10, 100, 10), None, None, "")

    def _done(self, completed: dt.date) -> tuple:
        if completed < self.today - dt.timedelta(days=30) and self.rng.random() < 0.9:
            accepted = min(completed + dt.timedelta(days=self.rng.randint(1, 15)), self.today)
            return ("accepted", 100, completed, accepted, "")
        return ("submitted", 100, completed, None, "")

    def _roll_up(self, parent: list, children: list[tuple]) -> tuple:
        """A parent's progress and state from its children (cancelled ones aside)."""
        live = [c for c in children if c[T_STATE] != "cancelled"]
        if live:
            parent[T_PROGRESS] = round(sum(c[T_PROGRESS] for c in live) / len(live))
            if all(c[T_STATE] in DONE_STATES for c in live):
                all_accepted = all(c[T_STATE] == "accepted" for c in live)
                parent[T_STATE] = "accepted" if all_accepted else "submitted"
                parent[T_COMPLETED] = max(c[T_COMPLETED] for c in live)
                parent[T_ACCEPTED] = max(c[T_ACCEPTED] for c in live) if all_accepted else None
        return tuple(parent)

    def _leaf_activity(self, task: tuple, recurrence: str, reporter_id, actor_name: str) -> None:
        """Progress reports and timeline events of a leaf task."""
        rng = self.rng
        tid, start, due, progress, state, completed, accepted = (
            task[T_ID],
            task[T_START],
            task[T_DUE],
            task[T_PROGRESS],
            task[T_STATE],
            task[T_COMPLETED],
            task[T_ACCEPTED],
        )
        done = state in DONE_STATES
        if done:
            k, end = rng.randint(2, 8), completed
        elif progress > 0:
            k, end = rng.randint(2, 7), min(self.today, due + dt.timedelta(days=60))
        else:
            k, end = 0, start
        span = max((end - start).days, 0)
        for i in range(k):
            day = start + dt.timedelta(days=span * (i + 1) // k)
            percent = progress * (i + 1) // k
            period = _period_start(recurrence, day)
            self.reports.append(
                (
                    self.report_id(),
                    tid,
                    percent,
                    REPORT_TEXTS[(tid + i) % len(REPORT_TEXTS)],
                    None,
                    period,
                    reporter_id,
                    self._at(day, 16),
                )
            )
        if not self.cfg.events:
            return
        if done:
            self.events.append(
                (
                    self.event_id(),
                    tid,
                    "confirmed",
                    self._at(completed, 17),
                    reporter_id,
                    actor_name,
                    "",
                    "{}",
                )
            )
            if accepted:
                self.events.append(
                    (
                        self.event_id(),
                        tid,
                        "accepted",
                        self._at(accepted, 9),
                        None,
                        "Đơn vị giao",
                        "",
                        "{}",
                    )
                )
        elif state == "cancelled":
            self.events.append(
                (
                    self.event_id(),
                    tid,
                    "cancelled",
                    self._at(min(due, self.today), 10),
                    None,
                    "Đơn vị giao",
                    CANCEL_REASON,
                    "{}",
                )
            )

    def _emit(self, row: tuple, supporting: Sequence[int], actor_id, actor_name: str) -> None:
        self.tasks.append(row)
        status = _status(row, self.today)
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        for unit_id in supporting:
            if unit_id != row[10]:
                self.supports.append((self.support_id(), row[T_ID], unit_id))
        if self.cfg.events:
            self.events.append(
                (self.event_id(), row[T_ID], "created", row[27], actor_id, actor_name, "", "{}")
            )

    # ---- one year

    def year(self, year: int, conclusions: list[int], programmes: dict[int, int]) -> None:
        """Generate the rows of `year` into self.tasks/reports/events/supports."""
        cfg, net, rng = self.cfg, self.net, self.rng
        office_id = net.office_user.pk
        half = max(1, cfg.national_per_year // 2)
        for k in range(cfg.national_per_year):
            if k < half:
                start = dt.date(year, 1, 15) + dt.timedelta(days=14 * k)
            else:
                start = dt.date(year, 7, 15) + dt.timedelta(days=14 * (k - half))
            due = start + dt.timedelta(days=60 + (k * 47) % 270)
            title = f"{NATIONAL_TITLES[k % len(NATIONAL_TITLES)]} năm {year}"
            recurrence = "quarterly" if k % 5 == 4 else "none"
            common = dict(
                title=title,
                source="conclusion",
                conclusion_id=conclusions[k] if k < len(conclusions) else None,
                source_reference=f"Thông báo kết luận số {k // half + 1}/TB-BCĐ năm {year}",
                recurrence=recurrence,
                product=PRODUCTS[k % len(PRODUCTS)],
                priority=2 + (k % 3 == 0),
            )
            supporting = [net.agency.pk] if k % 4 == 1 else []
            parent = list(
                self._task(
                    **common,
                    assigning_id=net.national.pk,
                    lead_id=net.national.pk,
                    start=start,
                    due=due,
                    created_by_id=office_id,
                    outcome=("open", 0, None, None, ""),
                )
            )
            children, grand = [], []
            for p in net.provinces:
                user_id = net.province_users[p.pk].pk
                if k < cfg.cascaded_per_year and net.communes[p.pk]:
                    child = list(
                        self._task(
                            **common,
                            parent_id=parent[T_ID],
                            assigning_id=net.national.pk,
                            lead_id=p.pk,
                            start=start,
                            due=due,
                            created_by_id=office_id,
                            outcome=("open", 0, None, None, ""),
                        )
                    )
                    subtasks = self._commune_tasks(
                        p,
                        common,
                        parent_id=child[T_ID],
                        start=start + dt.timedelta(days=rng.randint(7, 21)),
                        due=due,
                        creator_id=user_id,
                        supporting=supporting,
                    )
                    children.append(self._roll_up(child, subtasks))
                    grand.append(subtasks)
                else:
                    outcome = self._outcome(start, due, self.diligence[p.pk])
                    child = self._task(
                        **common,
                        parent_id=parent[T_ID],
                        assigning_id=net.national.pk,
                        lead_id=p.pk,
                        start=start,
                        due=due,
                        created_by_id=office_id,
                        outcome=outcome,
                    )
                    children.append(child)
                    grand.append(None)
            self._emit(
                self._roll_up(parent, children), supporting, office_id, "Văn phòng Ban Chỉ đạo"
            )
            for p, child, subtasks in zip(net.provinces, children, grand, strict=True):
                user_id = net.province_users[p.pk].pk
                self._emit(child, supporting, office_id, "Văn phòng Ban Chỉ đạo")
                if subtasks is None:
                    self._leaf_activity(child, recurrence, user_id, p.name)
                    continue
                for sub in subtasks:
                    self._emit(sub, self._extra_support(sub, supporting, p), user_id, p.name)
                    self._leaf_activity(sub, recurrence, None, "Cán bộ xã")
        for p in net.provinces:
            if not net.communes[p.pk]:
                continue
            user_id = net.province_users[p.pk].pk
            sub = net.subcommittees.get(p.pk)
            for j in range(cfg.provincial_per_year):
                start = dt.date(year, 2, 1) + dt.timedelta(days=35 * j)
                due = start + dt.timedelta(days=90 + (j * 53) % 150)
                common = dict(
                    title=f"{PROVINCIAL_TITLES[j % len(PROVINCIAL_TITLES)]} năm {year}",
                    source="programme",
                    programme_id=programmes.get(p.pk),
                    recurrence="monthly" if j == 0 else "none",
                    product=PRODUCTS[(j + 2) % len(PRODUCTS)],
                    priority=2,
                )
                supporting = [sub.pk] if sub is not None and j % 3 == 2 else []
                parent = list(
                    self._task(
                        **common,
                        assigning_id=p.pk,
                        lead_id=p.pk,
                        start=start,
                        due=due,
                        created_by_id=user_id,
                        outcome=("open", 0, None, None, ""),
                    )
                )
                subtasks = self._commune_tasks(
                    p,
                    common,
                    parent_id=parent[T_ID],
                    start=start,
                    due=due,
                    creator_id=user_id,
                    supporting=supporting,
                )
                self._emit(self._roll_up(parent, subtasks), supporting, user_id, p.name)
                for t in subtasks:
                    self._emit(t, self._extra_support(t, supporting, p), user_id, p.name)
                    self._leaf_activity(t, common["recurrence"], None, "Cán bộ xã")

    def _commune_tasks(
        self, province, common: dict, *, parent_id, start, due, creator_id, supporting
    ) -> list[tuple]:
        rng = self.rng
        start = min(start, due)
        base = self.diligence[province.pk]
        out = []
        for c in self.net.communes[province.pk]:
            diligence = min(0.99, max(0.3, base + rng.uniform(-0.15, 0.1)))
            out.append(
                self._task(
                    **common,
                    parent_id=parent_id,
                    assigning_id=province.pk,
                    lead_id=c.pk,
                    start=start,
                    due=due,
                    created_by_id=creator_id,
                    outcome=self._outcome(start, due, diligence),
                )
            )
        return out

    def _extra_support(self, task: tuple, inherited: list[int], province) -> list[int]:
        """Now and then a neighbouring commune helps (added later with task_update)."""
        communes = self.net.communes[province.pk]
        if len(communes) > 1 and task[T_ID] % 20 == 0:
            idx = next((i for i, c in enumerate(communes) if c.pk == task[10]), 0)
            return [*inherited, communes[(idx + 1) % len(communes)].pk]
        return inherited


def _period_start(recurrence: str, day: dt.date) -> dt.date | None:
    if recurrence == "monthly":
        return day.replace(day=1)
    if recurrence == "quarterly":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if recurrence == "yearly":
        return day.replace(month=1, day=1)
    return None


def _status(row: tuple, today: dt.date) -> str:
    """The computed status (program.status.compute_status) of a generated row."""
    state = row[T_STATE]
    if state == "cancelled":
        return "cancelled"
    if state in DONE_STATES:
        return "done_on_time" if row[T_COMPLETED] <= row[T_DUE] else "done_late"
    if row[T_DUE] < today:
        return "overdue"
    return "in_progress" if row[T_PROGRESS] > 0 else "not_started"


# --------------------------------------------------------------------------- entry point


def generate(
    cfg: Config, *, fast: bool = False, log: Callable[[str], None] = print
) -> tuple[Network, Counts]:
    """Build the whole data set into the default database and return the network and the
    row counts. `fast` (PostgreSQL only): skip the foreign-key triggers while loading (the
    rows are consistent by construction; `verify` checks it afterwards) and don't wait
    for the WAL flush at each commit."""
    from vigil.program.models import ProgressReport, Task, TaskEvent
    from vigil.program.status import today as today_fn

    check_columns()
    t0 = time.perf_counter()
    net = prepare_network(cfg)
    log(
        f"  network ready: {len(net.provinces)} provinces, "
        f"{sum(len(v) for v in net.communes.values())} communes ({time.perf_counter() - t0:.1f}s)"
    )
    today = today_fn()
    first = today.year - cfg.years + 1
    writer = writer_for_connection()
    gen = Generator(cfg, net, today)
    counts = Counts()
    with transaction.atomic():
        conclusions, programmes = _sources(net, range(first, today.year + 1), cfg, counts)
    Support = Task.supporting_units.through
    for year in range(first, today.year + 1):
        t1 = time.perf_counter()
        gen.year(year, conclusions[year], programmes[year])
        t2 = time.perf_counter()
        with transaction.atomic():
            if fast and connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL session_replication_role = replica")
                    cur.execute("SET LOCAL synchronous_commit = off")
            writer.write(Task, TASK_COLUMNS, gen.tasks)
            writer.write(Support, SUPPORT_COLUMNS, gen.supports)
            writer.write(ProgressReport, REPORT_COLUMNS, gen.reports)
            if gen.events:
                writer.write(TaskEvent, EVENT_COLUMNS, gen.events)
        counts.tasks += len(gen.tasks)
        counts.reports += len(gen.reports)
        counts.events += len(gen.events)
        counts.supports += len(gen.supports)
        log(
            f"  {year}: {len(gen.tasks):,} tasks, {len(gen.reports):,} reports, {len(gen.events):,} events "
            f"(generate {t2 - t1:.1f}s, write {time.perf_counter() - t2:.1f}s)"
        )
        gen._reset_year()
    _reset_sequences([Task, ProgressReport, TaskEvent, Support])
    counts.statuses = dict(sorted(gen.status_counts.items()))
    counts.units = sum(len(v) for v in net.communes.values())
    return net, counts


def _sources(net: Network, years: Iterable[int], cfg: Config, counts: Counts):
    """National meetings with their conclusions, and each province's approved programme."""
    from vigil.program.models import Conclusion, Meeting, WorkProgramme

    conclusions: dict[int, list[int]] = {}
    programmes: dict[int, dict[int, int]] = {}
    half = max(1, cfg.national_per_year // 2)
    for year in years:
        meetings = []
        for n, month in enumerate((1, 7), start=1):
            meetings.append(
                Meeting(
                    body_unit=net.national,
                    title=f"Phiên họp thứ {n} năm {year} của Ban Chỉ đạo quốc gia",
                    held_on=dt.date(year, month, 10),
                    is_online=True,
                    status="concluded",
                    notice_number=f"{n}/TB-BCĐ-{year}",
                    notice_date=dt.date(year, month, 12),
                    created_by=net.office_user,
                )
            )
        Meeting.objects.bulk_create(meetings)
        items = [
            Conclusion(
                meeting=meetings[0 if k < half else 1],
                number=k + 1 if k < half else k - half + 1,
                text=f"{NATIONAL_TITLES[k % len(NATIONAL_TITLES)]} năm {year}.",
            )
            for k in range(cfg.national_per_year)
        ]
        Conclusion.objects.bulk_create(items)
        conclusions[year] = [c.pk for c in items]
        progs = [
            WorkProgramme(
                unit=p,
                year=year,
                title=f"Chương trình công tác an ninh mạng năm {year} – {p.name}",
                status="approved",
                created_by=net.province_users[p.pk],
            )
            for p in net.provinces
        ]
        WorkProgramme.objects.bulk_create(progs)
        programmes[year] = {w.unit_id: w.pk for w in progs}
        counts.meetings += len(meetings)
        counts.conclusions += len(items)
        counts.programmes += len(progs)
    return conclusions, programmes


def _reset_sequences(models: list) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def verify() -> dict[str, int]:
    """Counts of rows whose references are broken (all must be 0) — the check the
    foreign-key triggers would have made had they not been skipped while loading."""
    checks = {
        "task.parent": "SELECT count(*) FROM program_task t LEFT JOIN program_task p ON p.id = t.parent_id "
        "WHERE t.parent_id IS NOT NULL AND p.id IS NULL",
        "task.lead_unit": "SELECT count(*) FROM program_task t LEFT JOIN org_unit u ON u.id = t.lead_unit_id "
        "WHERE u.id IS NULL",
        "task.assigning_unit": "SELECT count(*) FROM program_task t LEFT JOIN org_unit u "
        "ON u.id = t.assigning_unit_id WHERE u.id IS NULL",
        "report.task": "SELECT count(*) FROM program_progressreport r LEFT JOIN program_task t "
        "ON t.id = r.task_id WHERE t.id IS NULL",
        "event.task": "SELECT count(*) FROM program_taskevent e LEFT JOIN program_task t ON t.id = e.task_id "
        "WHERE t.id IS NULL",
        "support.task": "SELECT count(*) FROM program_task_supporting_units s LEFT JOIN program_task t "
        "ON t.id = s.task_id WHERE t.id IS NULL",
    }
    out = {}
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            out[name] = cursor.fetchone()[0]
    return out


class _Null:
    def write(self, *_args, **_kwargs):
        pass

    def flush(self):
        pass
