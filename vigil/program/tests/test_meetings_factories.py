"""Helpers shared by the meeting and programme tests (no tests here): meetings of the
national committee (recorded by the office) and of province A's subcommittee, written
through the same services as the pages, the API and the CLI."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from vigil.core.actors import Actor
from vigil.program import status as S
from vigil.program.services import meetings as svc
from vigil.program.services import programmes as programme_svc

TODAY = S.today()
PAST = TODAY - dt.timedelta(days=10)
FUTURE = TODAY + dt.timedelta(days=10)
DUE = TODAY + dt.timedelta(days=30)


def act(net, name: str, channel: str = "web") -> Actor:
    return Actor(user=net.users[name], channel=channel)


def national_meeting(net, **kw):
    """The national committee's online meeting, recorded by the office (planned)."""
    kw.setdefault("title", "Phiên họp thứ nhất Ban Chỉ đạo")
    kw.setdefault("held_on", PAST)
    kw.setdefault("is_online", True)
    return svc.meeting_create(actor=act(net, "office_staff"), body_unit=net.units["national"], **kw)


def province_meeting(net, who: str = "a_analyst", **kw):
    """Province A's subcommittee meeting (planned)."""
    kw.setdefault("title", "Họp Tiểu ban tỉnh A quý I")
    kw.setdefault("held_on", PAST)
    return svc.meeting_create(actor=act(net, who), body_unit=net.units["prov_a_sub"], **kw)


def concluded(net, meeting, who: str = "office_staff", number: str = "01/TB-BCĐ", texts=("Rà soát hệ thống",)):
    for text in texts:
        svc.conclusion_add(actor=act(net, who), meeting=meeting, text=text)
    return svc.meeting_conclude(actor=act(net, who), meeting=meeting, notice_number=number, notice_date=PAST)


def pdf_upload(name: str = "thong-bao.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    if size > len(body):
        body += b"%" * (size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def programme(net, who: str = "a_analyst", year: int | None = None, **kw):
    kw.setdefault("title", "Chương trình công tác an ninh mạng tỉnh A")
    return programme_svc.programme_create(
        actor=act(net, who), unit=kw.pop("unit", net.units["prov_a"]), year=year or TODAY.year, **kw
    )
