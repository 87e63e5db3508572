"""The demo dataset of org: logins, people, memberships, membership decisions and a few
enterprises, read from `demo.json` and written through the services (so the audit log,
the permission checks and the validation are real).

`load(actor=...)` runs after the reference loader (`vigil load-reference`) and looks
units up by their codes. It is idempotent: every record is looked up by a natural key
first (username; name and home unit; unit and decision number; unit code) and only what
is missing is created, so a second run changes nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from pathlib import Path

import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.core.models import User

from .models import CompletenessTarget, MembershipDecision, Person, Role, Unit
from .services.accounts import account_create
from .services.completeness import completeness_target_set
from .services.decisions import decision_add_item, decision_apply, decision_create
from .services.memberships import membership_add, overlapping
from .services.people import person_create, person_update
from .services.units import unit_create

DATA_FILE = Path(__file__).resolve().parent / "demo.json"


class DemoDataError(RuntimeError):
    """The demo data refers to something the reference data does not have."""


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise DemoDataError(
            f"demo: unit {code!r} not found; run `vigil load-reference` before loading the demo data"
        )
    return unit


def _role(code: str) -> Role:
    role = Role.objects.filter(code=code).first()
    if role is None:
        raise DemoDataError(f"demo: role {code!r} not found; run `vigil load-reference` first")
    return role


def signed_pdf(number: str, title: str) -> bytes:
    """A small, valid one-page PDF standing in for a scanned, signed decision."""
    text = f"QUYET DINH so {number} - {title}".encode("ascii", "ignore").decode()[:90]
    text = text.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 11 Tf 50 780 Td ({text}) Tj 0 -20 Td (Du lieu mau - Vigil demo) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class _Loader:
    def __init__(self, actor: Actor, data: dict):
        self.actor = actor
        self.data = data
        self.people: dict[str, Person] = {}
        self.users: dict[str, User] = {}

    # ------------------------------------------------------------------ logins

    def logins(self) -> list[tuple[str, str, str]]:
        password = self.data["password"]
        shown = []
        for row in self.data["logins"]:
            user = User.objects.filter(username=row["username"]).first()
            if user is None:
                user = self._create_login(row, password)
                person = Person.objects.get(user=user)
                if row.get("position"):
                    person_update(actor=self.actor, person=person, position=row["position"])
            self.users[row["username"]] = user
            self.people["@" + row["username"]] = Person.objects.get(user=user)
            shown.append((row["username"], password, row["description"]))
        return shown

    def _create_login(self, row: dict, password: str) -> User:
        # The demo's people have held their posts for a while (`logins_since_days`): the
        # incident history of the last months was handled by them.
        since = timezone.now() - dt.timedelta(days=int(self.data.get("logins_since_days", 0)))
        with time_machine.travel(since, tick=False):
            return self._account(row, password)

    def _account(self, row: dict, password: str) -> User:
        return account_create(
            actor=self.actor, username=row["username"], password=password, unit_code=row["unit"],
            role_code=row["role"], full_name=row["full_name"], email=f"{row['username']}@demo.vigil.invalid",
        )

    # ------------------------------------------------------------------ enterprises

    def enterprises(self) -> None:
        for row in self.data["enterprises"]:
            unit = Unit.objects.filter(code=row["code"]).first()
            if unit is None:
                unit = unit_create(
                    actor=self.actor, code=row["code"], name=row["name"], kind="enterprise",
                    parent=_unit(row["parent"]), name_en=row.get("name_en", ""),
                    short_name=row.get("short_name", ""), description=row.get("description", ""),
                )
            self._constituency(unit, row.get("constituency", []))

    def constituencies(self) -> None:
        """What the provinces and ministries answer for (addresses, blocks, domains)."""
        for code, values in self.data.get("constituency", {}).items():
            if code.startswith("_"):
                continue
            unit = Unit.objects.filter(code=code, is_active=True).first()
            if unit is not None:
                self._constituency(unit, [v for v in values if not self._claims(unit, v)])

    @staticmethod
    def _claims(unit: Unit, value: str) -> bool:
        from .models import ConstituencyEntry

        return ConstituencyEntry.objects.filter(unit=unit, value=value).exists()

    def _constituency(self, unit: Unit, values: list[str]) -> None:
        try:
            from vigil.org.services.constituency import constituency_add
        except ImportError:  # the constituency service is the units part's; skip without it
            return
        for value in values:
            try:
                constituency_add(actor=self.actor, unit=unit, value=value, note="Dữ liệu mẫu")
            except DomainError:  # already declared (a second run), or refused: leave it
                continue

    # ------------------------------------------------------------------ people

    def person(self, key: str) -> Person:
        if key in self.people:
            return self.people[key]
        row = self.data["people"][key]
        home = _unit(row["home"])
        person = Person.objects.filter(full_name=row["name"], home_unit=home).first()
        if person is None:
            person = person_create(
                actor=self.actor, full_name=row["name"], home_unit=home, position=row.get("position", "")
            )
        self.people[key] = person
        return person

    def memberships(self) -> None:
        for row in self.data["memberships"]:
            person, unit, role = self.person(row["person"]), _unit(row["unit"]), _role(row["role"])
            since = _date(row["since"])
            if overlapping(person=person, unit=unit, role=role, since=since, until=None).exists():
                continue
            membership_add(
                actor=self.actor, person=person, unit=unit, role=role, since=since, note=row.get("note", "")
            )

    # ------------------------------------------------------------------ decisions

    def decisions(self) -> None:
        for row in self.data["decisions"]:
            unit = _unit(row["unit"])
            if MembershipDecision.objects.filter(owner_unit=unit, number=row["number"]).exists():
                continue
            author = self.users.get(row.get("created_by", ""))
            actor = Actor(user=author, channel=self.actor.channel) if author else self.actor
            decision = decision_create(
                actor=actor, unit=unit, number=row["number"], date=_date(row["date"]),
                effective_date=_date(row["effective_date"]), issuer=row["issuer"], title=row["title"],
                tlp=row.get("tlp", "amber"), recipients=row.get("recipients", []),
                signed_file=(
                    ContentFile(signed_pdf(row["number"], row["title"]), name=f"{row['number']}.pdf")
                    if row.get("signed") else None
                ),
            )
            for action, person_key, role_code in row["items"]:
                decision_add_item(
                    actor=actor, decision=decision, action=action, person=self.person(person_key),
                    role=_role(role_code),
                )
            if row.get("apply"):
                decision_apply(actor=actor, decision=decision)

    # ------------------------------------------------------------------ target

    def target(self) -> None:
        if CompletenessTarget.objects.exists():
            return
        ahead = timezone.localdate() + dt.timedelta(days=self.data.get("target_days_ahead", 60))
        last_day = calendar.monthrange(ahead.year, ahead.month)[1]
        completeness_target_set(
            actor=self.actor, target_date=ahead.replace(day=last_day),
            note="Hoàn thành kiện toàn các tiểu ban cấp tỉnh (dữ liệu mẫu)",
        )


def load(*, actor: Actor) -> list[tuple[str, str, str]]:
    """Load the demo dataset; returns the demo logins as (username, password, who)."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    loader = _Loader(actor, data)
    shown = loader.logins()
    loader.enterprises()
    loader.constituencies()
    for key in data["people"]:
        loader.person(key)
    loader.memberships()
    loader.decisions()
    loader.target()
    return shown
