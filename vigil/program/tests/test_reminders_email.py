"""An escalation reaches the assigning unit's focal point by e-mail, through a real SMTP
server on loopback, in the language of their account."""

import datetime as dt

from django.test import override_settings

from vigil.core.models import Notification
from vigil.core.notify.testing import smtp_server
from vigil.program.models import Task
from vigil.program.services import reminders


def test_escalation_email_arrives_through_smtp_in_the_recipients_language(net, django_capture_on_commit_callbacks):
    office = net.users["office_staff"]
    office.email, office.language = "vanphong@bcd.gov.vn", "en"
    office.save()
    head = net.users["a_head"]
    head.email = "le.van.a@tinh-a.gov.vn"
    head.save()
    task = Task.objects.create(
        title="Diễn tập ứng cứu sự cố cấp tỉnh", assigning_unit=net.units["office"],
        lead_unit=net.units["prov_a_dept"], start_date=dt.date(2026, 1, 5),
        due_date=dt.date(2026, 3, 10), original_due_date=dt.date(2026, 3, 10),
    )
    with smtp_server() as smtp, override_settings(**smtp.settings(), BASE_URL="https://vigil.bcd.gov.vn"):
        with django_capture_on_commit_callbacks(execute=True):
            run = reminders.run_reminders(today=dt.date(2026, 3, 12))
        assert run.escalated == 1
        by_to = {m.rcpt_tos[0]: m for m in smtp.messages}
    assert set(by_to) == {"vanphong@bcd.gov.vn", "le.van.a@tinh-a.gov.vn"}
    en = by_to["vanphong@bcd.gov.vn"]
    assert en.subject == (
        "[Vigil] Overdue task of Province A finance department: Diễn tập ứng cứu sự cố cấp tỉnh "
        "(due 10 Mar 2026, 2 days late)"
    )
    assert "Lead unit: Province A finance department" in en.text and "Status: Overdue" in en.text
    assert f"https://vigil.bcd.gov.vn/program/tasks/{task.pk}/" in en.text
    vi = by_to["le.van.a@tinh-a.gov.vn"]
    assert vi.subject.startswith("[Vigil] Nhiệm vụ quá hạn của Sở Tài chính tỉnh A: Diễn tập ứng cứu sự cố cấp tỉnh")
    assert "Tình trạng: Quá hạn" in vi.text
    sent = Notification.objects.filter(kind=reminders.ESCALATED)
    assert sent.count() == 2 and all(n.email_sent_at and not n.email_error for n in sent)
