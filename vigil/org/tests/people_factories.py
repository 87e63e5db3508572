"""Helpers for the people / memberships / decisions / completeness tests."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from vigil.core.actors import Actor, system_actor
from vigil.org.models import Role
from vigil.org.services.decisions import decision_add_item, decision_apply, decision_create
from vigil.org.services.memberships import membership_add
from vigil.org.services.people import person_create

SYSTEM = system_actor("cli")


def actor(user, channel="web"):
    return Actor(user=user, channel=channel)


def role(code):
    return Role.objects.get(code=code)


def person(unit, name="Nguyễn Văn Thành", **kw):
    return person_create(actor=SYSTEM, full_name=name, home_unit=unit, **kw)


def member(p, unit, role_code, since=date(2025, 1, 1), until=None):
    return membership_add(actor=SYSTEM, person=p, unit=unit, role=role(role_code), since=since, until=until)


def pdf_bytes(size: int = 0, signed: bool = False) -> bytes:
    body = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
    if signed:
        body += b"2 0 obj << /Type /Sig /ByteRange [0 10 20 30] >> endobj\n"
    body += b"%%EOF\n"
    if size > len(body):
        body += b"%" * (size - len(body))
    return body


def pdf_upload(name="qd.pdf", **kw):
    return SimpleUploadedFile(name, pdf_bytes(**kw), content_type="application/pdf")


def complete_body(unit, *, members=5, effective=date(2025, 3, 1), number="01/QĐ-TB", prefix="Cán bộ"):
    """Make `unit`'s body complete from `effective` through an applied decision:
    a head, a focal point (secretary) and ordinary members up to `members` people."""
    d = decision_create(
        actor=SYSTEM, unit=unit, number=number, date=effective, effective_date=effective,
        issuer="Chủ tịch UBND", title="Kiện toàn Tiểu ban",
    )
    codes = ["head", "secretary"] + ["member"] * max(members - 2, 0)
    people = []
    for i, code in enumerate(codes):
        p = person(unit, f"{prefix} {unit.code} {i}")
        decision_add_item(actor=SYSTEM, decision=d, action="appoint", person=p, role=role(code))
        people.append(p)
    decision_apply(actor=SYSTEM, decision=d)
    return d, people
