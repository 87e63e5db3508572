"""The mailbox importer: messages of a Maildir (or an IMAP folder) become incidents,
attachments become evidence, a malformed message is reported and skipped, and a message
is marked handled only after its incident is stored."""

import mailbox
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.core.actors import Actor
from vigil.incidents import reference as reference_data
from vigil.incidents.models import Incident
from vigil.incidents.services import mail as mail_svc

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref(net):
    reference_data.load_all()
    return net


def message(n, *, subject=None, attach=None, html=False, msgid=True, sender="Nguyễn Văn Báo <bao@example.org>"):
    m = EmailMessage()
    if sender:
        m["From"] = sender
    m["To"] = "sos@cert.example"
    m["Subject"] = subject if subject is not None else f"Sự cố số {n}"
    m["Date"] = "Tue, 03 Mar 2026 08:15:00 +0700"
    if msgid:
        m["Message-ID"] = f"<report-{n}@example.org>"
    if html:
        m.set_content("<p>Máy chủ <b>203.0.113.7</b> bị tấn công</p><script>x()</script>", subtype="html")
    else:
        m.set_content(f"Phát hiện mã độc trên máy chủ {n}.\nĐịa chỉ: 203.0.113.{n}")
    for name, data, maintype, subtype in attach or ():
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m


def maildir(tmp_path, messages):
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for m in messages:
        box.add(m.as_bytes())
    return tmp_path / "inbox"


def test_parse_message_maps_headers_and_body():
    raw = message(1, attach=[("log.txt", b"dong 1\n", "text", "plain")]).as_bytes()
    parsed = mail_svc.parse_message(raw)
    assert parsed.title == "Sự cố số 1" and parsed.from_email == "bao@example.org"
    assert parsed.from_name == "Nguyễn Văn Báo" and parsed.key == "mail:report-1@example.org"
    assert "Phát hiện mã độc" in parsed.description
    assert parsed.date.isoformat() == "2026-03-03T08:15:00+07:00"
    assert [a.name for a in parsed.attachments] == ["log.txt"]


def test_html_only_message_is_stripped_and_missing_message_id_uses_a_digest():
    raw = message(2, html=True, msgid=False).as_bytes()
    parsed = mail_svc.parse_message(raw)
    assert parsed.description == "Máy chủ 203.0.113.7 bị tấn công"
    assert parsed.key.startswith("mail:sha256:") and len(parsed.key) == len("mail:sha256:") + 64


def test_message_without_sender_is_malformed():
    with pytest.raises(mail_svc.MalformedMessage):
        mail_svc.parse_message(message(3, sender=None).as_bytes())
    with pytest.raises(mail_svc.MalformedMessage):
        mail_svc.parse_message(b"   ")


def test_maildir_import_stores_reports_keeps_attachments_and_skips_a_malformed_one(ref, tmp_path):
    path = maildir(tmp_path, [
        message(1, attach=[("bang-chung.pdf", b"%PDF-1.4 data", "application", "pdf"),
                           ("virus.exe", b"MZ\x90", "application", "octet-stream")]),
        message(2, subject=""),
        message(3, sender=None),
    ])
    source = mail_svc.MaildirSource(str(path))
    results = mail_svc.run_import(actor=Actor(user=ref.users["agency_analyst"], channel="cli"), source=source)
    assert [r.status for r in results].count("created") == 2
    failed = [r for r in results if r.status == "failed"]
    assert len(failed) == 1 and failed[0].source_key and "From" in failed[0].error
    first = Incident.objects.get(intake_key="mail:report-1@example.org")
    assert first.channel == "email" and first.reporter_email == "bao@example.org"
    assert first.evidence.get().name == "bang-chung.pdf"
    assert first.timeline.filter(kind="attachment_refused", text__contains="virus.exe").exists()
    assert Incident.objects.get(intake_key="mail:report-2@example.org").title == "(Thư không có tiêu đề)"
    box = mailbox.Maildir(path, create=False)
    assert len(box) == 1  # only the malformed one stays
    assert len(box.get_folder("Processed")) == 2
    assert all("S" in m.get_flags() for m in box.get_folder("Processed"))


def test_a_message_seen_again_is_not_stored_twice(ref, tmp_path):
    raw = message(5).as_bytes()
    actor = Actor(user=ref.users["agency_analyst"], channel="cli")
    assert mail_svc.import_message(actor=actor, raw=raw).status == "created"
    again = mail_svc.import_message(actor=actor, raw=raw)
    assert again.status == "replayed" and Incident.objects.count() == 1
    # The same message delivered again with other transport headers and a date in the
    # future (clamped to now) is still the same message.
    resent = message(5)
    resent["Received"] = "from relay.example by mx.example"
    del resent["Date"]
    resent["Date"] = "Tue, 03 Mar 2099 08:15:00 +0700"
    assert mail_svc.import_message(actor=actor, raw=resent.as_bytes()).status == "replayed"


def test_a_different_message_reusing_a_message_id_fails_instead_of_vanishing(ref):
    actor = Actor(user=ref.users["agency_analyst"], channel="cli")
    assert mail_svc.import_message(actor=actor, raw=message(6).as_bytes()).status == "created"
    forged = message(7)
    del forged["Message-ID"]
    forged["Message-ID"] = "<report-6@example.org>"
    result = mail_svc.import_message(actor=actor, raw=forged.as_bytes())
    assert result.status == "failed" and "khoá mới" in result.error and Incident.objects.count() == 1


def test_routing_uses_addresses_in_the_mail_body(ref, tmp_path):
    from vigil.assets.services.systems import address_add, system_create
    from vigil.core.actors import system_actor

    s = system_create(actor=system_actor(), owner_unit=ref.units["prov_b_dept"], code="web", name="Cổng B")
    address_add(actor=system_actor(), system=s, value="203.0.113.0/24")
    result = mail_svc.import_message(actor=Actor(user=ref.users["agency_analyst"]), raw=message(9).as_bytes())
    assert result.incident.owner_unit == ref.units["prov_b_dept"]


def test_command_reports_the_malformed_message_and_exits_1(ref, tmp_path, capsys):
    path = maildir(tmp_path, [message(1), message(2, sender=None)])
    with pytest.raises(CommandError) as exc:
        call_command("incidents_mail", maildir=str(path), as_user="agency_analyst")
    assert exc.value.returncode == 1
    out = capsys.readouterr()
    assert "1 tạo mới" in out.out and "Bỏ qua thư" in out.err
    assert Incident.objects.count() == 1


def test_command_needs_exactly_one_source(ref):
    with pytest.raises(CommandError):
        call_command("incidents_mail", as_user="agency_analyst")


def test_a_non_maildir_is_refused(ref, tmp_path):
    with pytest.raises(CommandError):
        call_command("incidents_mail", maildir=str(tmp_path), as_user="agency_analyst")


class FakeImap:
    """Stands in for imap_tools.MailBox: fetch, flag and move are recorded."""

    def __init__(self, raws):
        from imap_tools import MailMessage

        self.messages = []
        for uid, raw in raws:
            msg = MailMessage.from_bytes(raw)
            msg._raw_uid_data = f"{uid} (UID {uid} FLAGS ())".encode()
            self.messages.append(msg)
        self.flagged, self.moved = [], []

    def login(self, user, password, initial_folder="INBOX"):
        self.login_args = (user, password, initial_folder)
        return self

    def fetch(self, criteria, mark_seen=True, bulk=False):
        assert mark_seen is False  # a message is Seen only once stored
        return iter(self.messages)

    def flag(self, uid, flags, value):
        self.flagged.append((uid, value))

    def move(self, uid, folder):
        self.moved.append((uid, folder))

    def logout(self):
        pass


def test_imap_messages_are_flagged_seen_and_moved_after_they_are_stored(ref):
    fake = FakeImap([("11", message(11).as_bytes()), ("12", message(12, sender=None).as_bytes())])
    source = mail_svc.ImapSource(host="imap.example", user="u", password="p", folder="Reports",
                                 move_to="Processed", mailbox_factory=lambda: fake)
    results = mail_svc.run_import(actor=Actor(user=ref.users["agency_analyst"]), source=source)
    assert [r.status for r in results] == ["created", "failed"]
    assert fake.login_args == ("u", "p", "Reports")
    assert fake.flagged == [("11", True)] and fake.moved == [("11", "Processed")]
