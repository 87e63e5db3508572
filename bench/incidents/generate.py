"""Generate the incident history of the benchmark (issue 4): `Config.count` incidents over
`months` months across the real reference units (the 34 provinces with their provincial
units, the ministries), each with 3 to 6 timeline events and its lead / supporting units.

Distributions (seeded, the same data every run):
- owner: a province or one of its units (80 %, provinces weighted unevenly), else a
  ministry; the lead unit is the owner (60 %), the standing agency (25 %) or none yet;
- volume grows over the period (a third more in the last month than in the first);
- severity: low 40 %, medium 35 %, high 20 %, critical 5 %; TLP: AMBER 60 %, GREEN 30 %,
  AMBER+STRICT 4 %, RED 3 %, CLEAR 3 %;
- state by age: older than a month mostly closed (and a few merged); the last weeks hold
  every open state; acknowledgement after minutes to hours, resolution after hours to
  weeks (log-normal, by severity), so the statistics' means and percentiles are realistic.

Rows go in with COPY on PostgreSQL (bulk_create elsewhere: the smoke test on SQLite),
batch by batch, with the foreign-key triggers off while loading (`verify` checks the
references afterwards). Never through the services: that would take days.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bench.program.generate import _bench_user, _Ids, _Null, _reset_sequences, writer_for_connection

VERSION = 2
BATCH = 50_000

INCIDENT_COLUMNS = (
    "id", "owner_unit_id", "tlp", "created_by_id", "reference", "title", "description", "channel",
    "intake_key", "intake_fingerprint", "state", "incident_type_id", "impact", "urgency", "severity", "pap", "sector",
    "lead_unit_id", "merged_into_id", "reported_by_id", "reporter_unit_id", "reporter_name",
    "reporter_email", "reporter_phone", "detected_at", "received_at", "acknowledged_at",
    "first_response_at", "resolved_at", "closed_at", "acknowledge_due", "respond_due", "resolve_due",
    "escalation_level", "resolution", "root_cause", "lessons_learned", "updated_at", "version",
)
EVENT_COLUMNS = ("id", "incident_id", "at", "actor_id", "actor_name", "kind", "text", "data")
UNIT_COLUMNS = ("id", "incident_id", "unit_id", "role", "answer", "reason", "assigned_by_id", "assigned_at",
                "answered_by_id", "answered_at", "active")

TITLES = [
    "Phát hiện mã độc trên máy trạm", "Tấn công từ chối dịch vụ vào cổng thông tin",
    "Thư điện tử lừa đảo giả mạo cơ quan", "Thay đổi giao diện trang web", "Dò quét cổng dịch vụ",
    "Rò rỉ dữ liệu cá nhân", "Truy cập trái phép tài khoản quản trị", "Mã độc tống tiền mã hoá dữ liệu",
    "Máy chủ kết nối tới máy chủ điều khiển", "Khai thác lỗ hổng ứng dụng web",
]
SEVERITIES = (("low", 40), ("medium", 35), ("high", 20), ("critical", 5))
TLPS = (("amber", 60), ("green", 30), ("amber+strict", 4), ("red", 3), ("clear", 3))
CHANNELS = (("web", 45), ("api", 30), ("email", 20), ("detection", 5))
# Median hours to acknowledge / resolve by severity (log-normal around them).
ACK_H = {"critical": 0.2, "high": 0.7, "medium": 2.5, "low": 10.0}
RES_H = {"critical": 14.0, "high": 50.0, "medium": 120.0, "low": 400.0}
SLA_DEFAULT = {"critical": (15, 60, 1440), "high": (60, 240, 4320), "medium": (240, 1440, 10080),
               "low": (1440, 4320, 43200)}


@dataclass(frozen=True)
class Config:
    """What to generate. The issue's data set: 1,000,000 incidents over 24 months."""

    count: int = 1_000_000
    months: int = 24
    provinces: int | None = None  # only the first N provinces (tiny runs); None: all 34
    seed: int = 2026

    def as_dict(self) -> dict:
        return {**asdict(self), "version": VERSION}


@dataclass
class Network:
    national: object
    agency: object
    provinces: list
    ministries: list
    owners: list  # (unit, province or None)
    agency_user: object
    province_users: dict  # province pk -> analyst
    reporter: object


@dataclass
class Counts:
    incidents: int = 0
    events: int = 0
    units: int = 0
    states: dict = field(default_factory=dict)


def check_columns() -> None:
    """Fail loudly when the models gain or lose a column."""
    from vigil.incidents.models import Incident, IncidentUnit, TimelineEvent

    for model, cols in ((Incident, INCIDENT_COLUMNS), (TimelineEvent, EVENT_COLUMNS), (IncidentUnit, UNIT_COLUMNS)):
        have = {f.attname for f in model._meta.concrete_fields}
        if have != set(cols):
            raise RuntimeError(
                f"bench generator is out of date for {model.__name__}: "
                f"missing {sorted(have - set(cols))}, unknown {sorted(set(cols) - have)}"
            )


# --------------------------------------------------------------------------- the network


def _load_reference() -> None:
    try:
        call_command("load_reference", verbosity=0, stdout=_Null())
    except Exception:  # noqa: BLE001 - a half-built incidents loader must not stop the bench
        from vigil.org.reference import load_all

        load_all()


def prepare_network(cfg: Config) -> Network:
    """Reference data and the benchmark's users (idempotent)."""
    _load_reference()
    return load_network(cfg, create=True)


def load_network(cfg: Config | None = None, *, create: bool = False) -> Network:
    from vigil.org.models import Unit

    national = Unit.objects.get(code="bcd-qg")
    agency = Unit.objects.get(code="cqtt")
    provinces = list(Unit.objects.filter(kind__code="province", parent=national).order_by("path"))
    if cfg is not None and cfg.provinces is not None:
        provinces = provinces[: cfg.provinces]
    ministries = list(Unit.objects.filter(kind__code="ministry").order_by("path"))
    owners = []
    for p in provinces:
        owners.append((p, p))
        for child in Unit.objects.filter(parent=p, kind__code__in=["provincial_department",
                                                                     "provincial_subcommittee"]).order_by("path"):
            owners.append((child, p))
    owners += [(m, None) for m in ministries]
    if create:
        agency_user = _bench_user("bench-agency", agency, "analyst", "Chuyên viên Cơ quan thường trực (benchmark)")
        province_users = {
            p.pk: _bench_user(f"bench-{p.code}", p, "analyst", f"Chuyên viên {p.name} (benchmark)") for p in provinces
        }
        home = provinces[0] if provinces else agency
        reporter = _bench_user("bench-reporter", home, "analyst", "Cán bộ báo cáo sự cố (benchmark)")
    else:
        from vigil.core.models import User

        users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
        agency_user = users["bench-agency"]
        reporter = users["bench-reporter"]
        provinces = [p for p in provinces if f"bench-{p.code}" in users]
        province_users = {p.pk: users[f"bench-{p.code}"] for p in provinces}
    return Network(national, agency, provinces, ministries, owners, agency_user, province_users, reporter)


# --------------------------------------------------------------------------- generation


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


class Generator:
    def __init__(self, cfg: Config, net: Network, now: dt.datetime):
        from vigil.incidents.models import (
            Incident,
            IncidentType,
            IncidentUnit,
            SlaTarget,
            TimelineEvent,
        )

        self.cfg, self.net, self.now = cfg, net, now
        self.rng = random.Random(cfg.seed)
        self.incident_id = _Ids(Incident)
        self.event_id = _Ids(TimelineEvent)
        self.unit_id = _Ids(IncidentUnit)
        self.types = list(IncidentType.objects.filter(is_active=True).values_list("pk", flat=True)) or [None]
        sla = {t.severity: (t.acknowledge_minutes, t.respond_minutes, t.resolve_minutes)
               for t in SlaTarget.objects.all()}
        self.sla = {**SLA_DEFAULT, **sla}
        # Uneven provinces: some report much more than others.
        rng = self.rng
        self.owner_weights = []
        for unit, province in net.owners:
            w = rng.uniform(0.3, 3.0) if province is not None else rng.uniform(0.1, 0.6)
            if province is not None and unit.pk != province.pk:
                w *= 0.3
            self.owner_weights.append(w)
        self.states: dict[str, int] = {}
        self.user_id = net.reporter.pk

    def received_times(self, n: int) -> list[dt.datetime]:
        """n reception times over the period, denser towards now (linear growth 1 -> 4/3)."""
        span = self.cfg.months * 30.44 * 86400
        out = []
        for _i in range(n):
            # Inverse CDF of a linear density on [0, 1] rising from 1 to 4/3.
            u = self.rng.random()
            a, b = 1.0, 4.0 / 3.0
            x = (-a + math.sqrt(a * a + (b * b - a * a) * u)) / (b - a)
            out.append(self.now - dt.timedelta(seconds=span * (1 - x)))
        out.sort()
        return out

    def batch(self, received: list[dt.datetime]):
        rng = self.rng
        incidents, events, units = [], [], []
        owners = rng.choices(self.net.owners, self.owner_weights, k=len(received))
        agency = self.net.agency
        for recv, (owner, _province) in zip(received, owners, strict=True):
            iid = self.incident_id()
            age_h = (self.now - recv).total_seconds() / 3600
            sev = _pick(rng, SEVERITIES)
            tlp = _pick(rng, TLPS)
            ack_due_m, resp_due_m, res_due_m = self.sla[sev]
            ack = recv + dt.timedelta(hours=rng.lognormvariate(math.log(ACK_H[sev]), 0.9))
            res = recv + dt.timedelta(hours=rng.lognormvariate(math.log(RES_H[sev]), 0.8))
            state = self._state(rng, age_h, ack, res)
            if ack > self.now or state == "new":
                ack = None
            if state not in ("resolved", "closed") or (res is not None and res > self.now):
                res = None if state not in ("resolved", "closed") else min(res, self.now)
            closed = None
            if state == "closed":
                closed = min(self.now, res + dt.timedelta(hours=rng.uniform(1, 72)))
            first_resp = ack + dt.timedelta(hours=rng.uniform(0.1, 3)) if ack and state != "triaged" else None
            if first_resp and first_resp > self.now:
                first_resp = None
            lead = None
            if state not in ("new", "triaged"):
                lead = owner if rng.random() < 0.7 else agency
            type_id = self.types[iid % len(self.types)] if state != "new" else None
            detected = recv - dt.timedelta(minutes=rng.uniform(5, 2880))
            incidents.append((
                iid, owner.pk, tlp, self.user_id, f"BENCH-{iid:08d}", f"{TITLES[iid % len(TITLES)]} #{iid}",
                "Sự cố do benchmark tạo ra.", _pick(rng, CHANNELS), None, "", state, type_id,
                2 if type_id else None, 2 if type_id else None, sev if state != "new" else "", "amber", "",
                lead.pk if lead else None, None, None, owner.pk, "", "", "", detected, recv, ack, first_resp,
                res, closed, recv + dt.timedelta(minutes=ack_due_m), recv + dt.timedelta(minutes=resp_due_m),
                recv + dt.timedelta(minutes=res_due_m), 0, "Đã khắc phục." if res else "",
                "Lỗ hổng chưa vá." if closed else "", "Cập nhật bản vá kịp thời." if closed else "",
                closed or res or ack or recv, 1,
            ))
            self.states[state] = self.states.get(state, 0) + 1
            timeline = [(recv, "received", "Tiếp nhận báo cáo sự cố.")]
            if ack:
                timeline.append((ack, "acknowledged", "Xác nhận tiếp nhận."))
                timeline.append((ack + dt.timedelta(minutes=5), "triaged", "Phân loại sự cố."))
            if lead:
                t = (ack or recv) + dt.timedelta(minutes=20)
                timeline.append((t, "assigned", "Giao đơn vị chủ trì xử lý."))
                units.append((self.unit_id(), iid, lead.pk, "lead", "accepted", "", self.user_id, t, self.user_id,
                              t + dt.timedelta(minutes=30), True))
                if lead.pk != owner.pk and rng.random() < 0.5:
                    units.append((self.unit_id(), iid, owner.pk, "support", "accepted", "", self.user_id, t,
                                  self.user_id, t + dt.timedelta(minutes=40), True))
            if first_resp:
                timeline.append((first_resp, "comment", "Phản hồi ban đầu của đơn vị xử lý."))
            if res:
                timeline.append((res, "resolved", "Đã khắc phục sự cố."))
            if closed:
                timeline.append((closed, "closed", "Đóng sự cố."))
            if len(timeline) < 3:
                timeline.append((recv + dt.timedelta(minutes=1), "comment", "Đang xác minh thông tin."))
            for at, kind, text in timeline:
                events.append((self.event_id(), iid, min(at, self.now), self.user_id, "benchmark", kind, text,
                               json.dumps({})))
        return incidents, events, units

    @staticmethod
    def _state(rng, age_h, ack, res) -> str:
        if age_h > 24 * 30:
            r = rng.random()
            return "closed" if r < 0.9 else ("merged" if r < 0.93 else ("resolved" if r < 0.97 else "in_progress"))
        if age_h < 2:
            return _pick(rng, (("new", 50), ("triaged", 30), ("assigned", 20)))
        r = rng.random()
        if r < 0.35:
            return "closed"
        if r < 0.5:
            return "resolved"
        return _pick(rng, (("new", 5), ("triaged", 10), ("assigned", 20), ("in_progress", 45), ("contained", 20)))


def generate(cfg: Config, *, fast: bool = False, log: Callable[[str], None] = print) -> tuple[Network, Counts]:
    """Build the whole data set into the default database."""
    from vigil.incidents.models import Incident, IncidentUnit, TimelineEvent

    check_columns()
    t0 = time.perf_counter()
    net = prepare_network(cfg)
    log(f"  network ready: {len(net.provinces)} provinces, {len(net.ministries)} ministries, "
        f"{len(net.owners)} owning units ({time.perf_counter() - t0:.1f}s)")
    gen = Generator(cfg, net, timezone.now().replace(microsecond=0))
    writer = writer_for_connection()
    counts = Counts()
    times = gen.received_times(cfg.count)
    for start in range(0, cfg.count, BATCH):
        t1 = time.perf_counter()
        incidents, events, units = gen.batch(times[start:start + BATCH])
        t2 = time.perf_counter()
        with transaction.atomic():
            if fast and connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL session_replication_role = replica")
                    cur.execute("SET LOCAL synchronous_commit = off")
            writer.write(Incident, INCIDENT_COLUMNS, incidents)
            writer.write(TimelineEvent, EVENT_COLUMNS, events)
            writer.write(IncidentUnit, UNIT_COLUMNS, units)
        counts.incidents += len(incidents)
        counts.events += len(events)
        counts.units += len(units)
        if cfg.count > BATCH:
            log(f"  {counts.incidents:,} incidents, {counts.events:,} events "
                f"(generate {t2 - t1:.1f}s, write {time.perf_counter() - t2:.1f}s)")
    _reset_sequences([Incident, TimelineEvent, IncidentUnit])
    counts.states = dict(sorted(gen.states.items()))
    return net, counts


def delete_all() -> None:
    """Remove the incidents (and what hangs off them) before generating again."""
    from vigil.incidents.models import Incident

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            tables = [m._meta.db_table for m in _incident_models()]
            cur.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")
        else:  # pragma: no cover - the smoke test starts from an empty database
            Incident.objects.all().delete()


def _incident_models():
    from vigil.incidents import models as m

    return [m.Incident, m.TimelineEvent, m.IncidentUnit, m.Comment, m.IncidentTask, m.ChecklistItem,
            m.Observable, m.EvidenceFile, m.StageReport, m.SlaBreach, m.Incident.systems.through,
            m.Incident.related.through, m.Incident.shared_with.through, m.Incident.recipients.through]


def verify() -> dict[str, int]:
    """Rows whose references are broken (all must be 0)."""
    checks = {
        "incident.owner_unit": "SELECT count(*) FROM incidents_incident i LEFT JOIN org_unit u "
        "ON u.id = i.owner_unit_id WHERE u.id IS NULL",
        "incident.lead_unit": "SELECT count(*) FROM incidents_incident i LEFT JOIN org_unit u "
        "ON u.id = i.lead_unit_id WHERE i.lead_unit_id IS NOT NULL AND u.id IS NULL",
        "event.incident": "SELECT count(*) FROM incidents_timelineevent e LEFT JOIN incidents_incident i "
        "ON i.id = e.incident_id WHERE i.id IS NULL",
        "unit.incident": "SELECT count(*) FROM incidents_incidentunit x LEFT JOIN incidents_incident i "
        "ON i.id = x.incident_id WHERE i.id IS NULL",
    }
    out = {}
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            out[name] = cursor.fetchone()[0]
    return out
