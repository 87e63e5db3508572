"""Notification e-mail through a real SMTP server on loopback (aiosmtpd): the message
arrives, in the recipient's language; a preference turned off sends nothing; a server
that is down leaves the error on the row and the in-app notice in place."""

from datetime import date

import pytest
from django.test import override_settings
from django.utils.translation import gettext_lazy, ngettext_lazy

from vigil.core.actors import system_actor
from vigil.core.models import Notification, NotificationPreference
from vigil.core.notify import message, notify
from vigil.core.notify.testing import closed_port_settings, smtp_server

KIND = "program.task.due_soon"
DUE_SOON = ngettext_lazy("Sắp đến hạn: %(t)s (hạn %(d)s, còn %(n)s ngày)",
                         "Sắp đến hạn: %(t)s (hạn %(d)s, còn %(n)s ngày)", 3)


@pytest.fixture
def smtp():
    with smtp_server() as sink, override_settings(**sink.settings(), DEFAULT_FROM_EMAIL="vigil@bcd.gov.vn"):
        yield sink


@pytest.fixture
def people(net):
    head, analyst = net.users["a_head"], net.users["a_analyst"]
    head.email, head.language = "le.van.a@tinh-a.gov.vn", "vi"
    analyst.email, analyst.language = "pham.thi.a@tinh-a.gov.vn", "en"
    head.save()
    analyst.save()
    return head, analyst


def send(users):
    return notify(
        recipients=users, kind=KIND, unit=None, actor=system_actor("job"),
        title=message(DUE_SOON, t="Kế hoạch ứng phó sự cố", d=date(2026, 3, 10), n=3),
        body=message(gettext_lazy("Hạn hoàn thành: %(d)s"), d=date(2026, 3, 10)),
        url="/program/tasks/42/",
    )


def test_each_recipient_gets_the_email_in_their_language(smtp, people, django_capture_on_commit_callbacks):
    head, analyst = people
    with override_settings(BASE_URL="https://vigil.bcd.gov.vn"), django_capture_on_commit_callbacks(execute=True):
        rows = send([head, analyst])
    by_to = {m.rcpt_tos[0]: m for m in smtp.messages}
    assert set(by_to) == {"le.van.a@tinh-a.gov.vn", "pham.thi.a@tinh-a.gov.vn"}
    vi, en = by_to["le.van.a@tinh-a.gov.vn"], by_to["pham.thi.a@tinh-a.gov.vn"]
    assert vi.mail_from == "vigil@bcd.gov.vn"
    assert vi.subject == "[Vigil] Sắp đến hạn: Kế hoạch ứng phó sự cố (hạn 10/03/2026, còn 3 ngày)"
    assert "Kính gửi Lê Văn A," in vi.text and "Hạn hoàn thành: 10/03/2026" in vi.text
    assert "https://vigil.bcd.gov.vn/program/tasks/42/" in vi.text
    assert en.subject == "[Vigil] Due soon: Kế hoạch ứng phó sự cố (due 10 Mar 2026, 3 days left)"
    assert "Dear Phạm Thị A," in en.text and "Due date: 10 Mar 2026" in en.text
    assert "Kính gửi" not in en.text
    assert en.message["Auto-Submitted"] == "auto-generated" and en.message["X-Vigil-Kind"] == KIND
    for n in Notification.objects.filter(pk__in=[r.pk for r in rows]):
        assert n.email_sent_at is not None and n.email_error == "" and n.email_attempts == 1


def test_email_preference_off_sends_no_email_but_keeps_the_notice(smtp, people, django_capture_on_commit_callbacks):
    head, analyst = people
    NotificationPreference.objects.create(user=analyst, kind=KIND, channel="email", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        send([head, analyst])
    assert [m.rcpt_tos for m in smtp.messages] == [["le.van.a@tinh-a.gov.vn"]]
    row = Notification.objects.get(recipient=analyst)
    assert row.in_app and row.email_to == "" and row.email_sent_at is None


def test_smtp_down_records_the_error_and_keeps_the_in_app_notice(people, django_capture_on_commit_callbacks):
    head, _analyst = people
    with override_settings(**closed_port_settings()), django_capture_on_commit_callbacks(execute=True):
        send([head])
    row = Notification.objects.get(recipient=head)
    assert row.in_app and row.read_at is None
    assert row.email_sent_at is None and row.email_attempts == 1
    assert "ConnectionRefusedError" in row.email_error or "Errno" in row.email_error


def test_an_email_is_never_sent_twice(smtp, people, django_capture_on_commit_callbacks):
    from vigil.core.notify.services import deliver_email

    head, _analyst = people
    with django_capture_on_commit_callbacks(execute=True):
        row, = send([head])
    assert deliver_email(row.pk) is False
    assert len(smtp.messages) == 1
