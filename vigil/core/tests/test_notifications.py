"""The notification service: who gets what (preferences, languages, once-only keys), who
answers for a unit, and the pages, API and command a user reads their notifications with."""

import json
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext_lazy

from vigil.core.actors import Actor, system_actor
from vigil.core.errors import AccessDenied, DomainError, NotFound
from vigil.core.models import AuditEntry, Notification, NotificationPreference
from vigil.core.notify import (
    message,
    notify,
    recipients_for_units,
    registry,
    selectors,
    unit_recipients,
)
from vigil.core.notify import services as notify_services
from vigil.core.notify.text import lines
from vigil.org.models import Membership, Person, Role

KIND = "program.task.due_soon"
DUE_SOON = ngettext_lazy("Sắp đến hạn: %(t)s (hạn %(d)s, còn %(n)s ngày)",
                         "Sắp đến hạn: %(t)s (hạn %(d)s, còn %(n)s ngày)", 3)


def send(users, **kw):
    params = {
        "recipients": users, "kind": KIND,
        "title": message(DUE_SOON, t="Báo cáo quý", d=date(2026, 3, 10), n=3),
        "body": "Nội dung", "url": "/program/tasks/1/", "actor": system_actor("job"),
    }
    params.update(kw)
    return notify(**params)


# --------------------------------------------------------------------------- the service


def test_notify_writes_one_row_per_recipient_in_their_language(net):
    a_head, a_analyst = net.users["a_head"], net.users["a_analyst"]
    a_analyst.language = "en"
    a_analyst.save()
    rows = send([a_head, a_analyst, a_head], unit=net.units["prov_a"])
    assert len(rows) == 2
    by_user = {n.recipient_id: n for n in Notification.objects.all()}
    assert by_user[a_head.pk].title == "Sắp đến hạn: Báo cáo quý (hạn 10/03/2026, còn 3 ngày)"
    assert by_user[a_analyst.pk].title == "Due soon: Báo cáo quý (due 10 Mar 2026, 3 days left)"
    assert all(n.in_app and n.unit == net.units["prov_a"] and n.read_at is None for n in by_user.values())


def test_notify_is_written_to_the_audit_log(net):
    rows = send([net.users["a_head"]], unit=net.units["prov_a"])
    entry = AuditEntry.objects.filter(action="core.notification.send").latest("seq")
    assert entry.unit_id == net.units["prov_a"].pk
    assert entry.after["kind"] == KIND and entry.after["in_app"] == [rows[0].recipient_id]


def test_unknown_kind_is_a_programming_error(net):
    with pytest.raises(registry.ImproperlyConfiguredKind):
        send([net.users["a_head"]], kind="nobody.registered.this")


def test_inactive_accounts_get_nothing(net):
    user = net.users["a_head"]
    user.is_active = False
    user.save()
    assert send([user]) == []
    assert not Notification.objects.exists()


def test_a_key_makes_a_notification_once_only(net):
    users = [net.users["a_head"], net.users["a_analyst"]]
    assert len(send(users, key="digest:1:2026-W10")) == 2
    assert send(users, key="digest:1:2026-W10") == []
    assert len(send(users, key="digest:1:2026-W11")) == 2
    assert Notification.objects.count() == 4


def test_in_app_turned_off_leaves_no_row_without_an_email_address(net):
    user = net.users["a_head"]
    NotificationPreference.objects.create(user=user, kind=KIND, channel="in_app", enabled=False)
    assert send([user]) == []


def test_email_only_recipients_get_a_row_hidden_from_the_list(net, django_capture_on_commit_callbacks):
    user = net.users["a_head"]
    user.email = "a.head@tinh-a.gov.vn"
    user.save()
    NotificationPreference.objects.create(user=user, kind=KIND, channel="in_app", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        rows = send([user])
    assert len(rows) == 1 and not rows[0].in_app
    assert list(selectors.notification_list(user=user)) == []
    assert selectors.unread_count(user=user) == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a.head@tinh-a.gov.vn"]


def test_email_goes_to_the_person_record_when_the_account_has_none(net, django_capture_on_commit_callbacks):
    person = net.people["a_head"]
    person.email = "le.van.a@tinh-a.gov.vn"
    person.save()
    with django_capture_on_commit_callbacks(execute=True):
        rows = send([net.users["a_head"]])
    assert rows[0].email_to == "le.van.a@tinh-a.gov.vn"
    rows[0].refresh_from_db()
    assert rows[0].email_sent_at is not None and rows[0].email_error == ""


def test_no_email_is_sent_before_the_transaction_commits(net, django_capture_on_commit_callbacks):
    user = net.users["a_head"]
    user.email = "a.head@tinh-a.gov.vn"
    user.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send([user])
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["a.head@tinh-a.gov.vn"]]


# --------------------------------------------------------------------------- recipients


def test_unit_recipients_are_its_head_and_focal_points(net):
    unit = net.units["prov_a"]
    secretary = _member(net, "a_secretary", unit, "secretary")
    deputy = _member(net, "a_deputy", unit, "deputy_head")
    users = unit_recipients(unit)
    assert {u.username for u in users} == {"a_head", "a_secretary", "a_deputy"}
    assert net.users["a_analyst"] not in users
    assert secretary in users and deputy in users


def test_a_unit_without_leaders_is_answered_for_by_its_staff_who_may_act(net):
    assert [u.username for u in unit_recipients(net.units["prov_a_dept"])] == ["a_dept"]
    assert unit_recipients(net.units["prov_b_dept"]) == []


def test_ended_memberships_and_people_without_accounts_are_not_recipients(net):
    unit = net.units["prov_b"]
    Membership.objects.create(
        person=Person.objects.create(full_name="Chưa có tài khoản", home_unit=unit), unit=unit,
        role=Role.objects.get(code="head"), since=date(2025, 1, 1),
    )
    old = _member(net, "b_old_head", unit, "head")
    Membership.objects.filter(person__user=old).update(until=date(2025, 6, 1))
    assert unit_recipients(unit) == [net.users["b_analyst"]]  # the staff fallback


def test_recipients_for_many_units_cost_one_query(net, django_assert_num_queries):
    ids = [u.pk for u in net.units.values()]
    with django_assert_num_queries(1):
        found = recipients_for_units(ids)
    assert set(found) == set(ids)


def _member(net, username, unit, role):
    from vigil.testing import make_user

    return make_user(net, username, unit, role)


# --------------------------------------------------------------------------- reading


def test_mark_read_and_mark_all_read(net):
    user = net.users["a_analyst"]
    first, = send([user])
    send([user], key="second")
    actor = Actor(user=user)
    notify_services.notification_mark_read(actor=actor, notification=first)
    assert selectors.unread_count(user=user) == 1
    assert notify_services.notification_mark_all_read(actor=actor) == 1
    assert selectors.unread_count(user=user) == 0
    assert notify_services.notification_mark_all_read(actor=actor) == 0


def test_nobody_marks_someone_elses_notification(net):
    n, = send([net.users["a_analyst"]])
    with pytest.raises(NotFound):
        notify_services.notification_mark_read(actor=Actor(user=net.users["b_analyst"]), notification=n)
    with pytest.raises(NotFound):
        selectors.notification_get(user=net.users["b_analyst"], notification_id=n.pk)
    n.refresh_from_db()
    assert n.read_at is None


def test_preferences_default_on_and_can_be_turned_off(net):
    user = net.users["a_head"]
    rows = {r.code: r.channels for r in selectors.preferences(user=user)}
    assert rows[KIND] == {"in_app": True, "email": True}
    notify_services.preferences_set(actor=Actor(user=user), user=user, values={(KIND, "email"): False})
    rows = {r.code: r.channels for r in selectors.preferences(user=user)}
    assert rows[KIND] == {"in_app": True, "email": False}
    entry = AuditEntry.objects.filter(action="core.notification.preferences").latest("seq")
    assert entry.before == {f"{KIND}:email": True} and entry.after == {f"{KIND}:email": False}


def test_preferences_refuse_unknown_kinds_and_channels_naming_the_field(net):
    user = net.users["a_head"]
    with pytest.raises(DomainError) as exc:
        notify_services.preferences_set(actor=Actor(user=user), user=user, values={("x.y", "email"): False})
    assert exc.value.field == "kind"
    with pytest.raises(DomainError) as exc:
        notify_services.preferences_set(actor=Actor(user=user), user=user, values={(KIND, "sms"): False})
    assert exc.value.field == "channel"
    with pytest.raises(AccessDenied):
        notify_services.preferences_set(actor=Actor(user=net.users["b_analyst"]), user=user, values={(KIND, "email"): False})
    assert not NotificationPreference.objects.exists()


# --------------------------------------------------------------------------- pages


def test_list_page_shows_only_my_notifications_and_the_bell_counts_them(net, login):
    send([net.users["a_analyst"]], title="Của A: MARKER")
    send([net.users["b_analyst"]], title="Của B")
    page = login(net.users["a_analyst"]).get("/notifications/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Của A: MARKER" in body and "Của B" not in body
    assert 'data-testid="notification-count">1<' in body


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(net, login):
    n, = send([net.users["a_analyst"]], url="/program/tasks/7/")
    client = login(net.users["a_analyst"])
    resp = client.post(f"/notifications/{n.pk}/read/", {"open": "1"})
    assert resp.status_code == 302 and resp["Location"] == "/program/tasks/7/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_an_external_url_is_never_followed(net, login):
    n, = send([net.users["a_analyst"]], url="https://evil.example/")
    resp = login(net.users["a_analyst"]).post(f"/notifications/{n.pk}/read/", {"open": "1"})
    assert resp["Location"] == "/notifications/"


def test_read_all_page_and_sibling_cannot_mark_mine(net, login):
    n, = send([net.users["a_analyst"]])
    b = login(net.users["b_analyst"])
    assert b.post(f"/notifications/{n.pk}/read/").status_code == 404
    b.post("/notifications/read-all/")
    n.refresh_from_db()
    assert n.read_at is None
    a = login(net.users["a_analyst"])
    assert a.post("/notifications/read-all/").status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None


def test_preferences_page_saves_each_box(net, login):
    user = net.users["a_head"]
    client = login(user)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200 and f'data-kind="{KIND}"' in page.content.decode()
    data = {"preferences": "1"}
    for kind in registry.all_kinds():
        data[f"{kind.code}__in_app"] = "on"
        if kind.code != KIND:
            data[f"{kind.code}__email"] = "on"
    assert client.post("/notifications/preferences/", data).status_code == 302
    rows = {r.code: r.channels for r in selectors.preferences(user=user)}
    assert rows[KIND] == {"in_app": True, "email": False}
    assert all(ch == {"in_app": True, "email": True} for code, ch in rows.items() if code != KIND)


def test_an_empty_post_to_preferences_changes_nothing(net, login):
    resp = login(net.users["a_head"]).post("/notifications/preferences/", {})
    assert resp.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_pages_need_a_login(client):
    assert client.get("/notifications/")["Location"].startswith("/login/")


# --------------------------------------------------------------------------- API


def test_api_lists_reads_and_marks_my_notifications(net, api_client):
    user = net.users["a_analyst"]
    n, = send([user])
    send([net.users["b_analyst"]])
    client = api_client(user)
    listing = client.get("/api/v1/core/notifications").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == n.pk
    assert listing["items"][0]["read"] is False
    assert client.get("/api/v1/core/notifications/unread-count").json() == {"count": 1}
    one = client.post(f"/api/v1/core/notifications/{n.pk}/read").json()
    assert one["read"] is True and one["read_at"]
    assert client.get("/api/v1/core/notifications?unread=true").json()["count"] == 0
    assert client.post("/api/v1/core/notifications/read-all").json() == {"count": 0}


def test_api_never_shows_another_users_notification(net, api_client):
    n, = send([net.users["a_analyst"]])
    client = api_client(net.users["b_analyst"])
    assert client.get(f"/api/v1/core/notifications/{n.pk}").status_code == 404
    assert client.post(f"/api/v1/core/notifications/{n.pk}/read").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def _email_pref(rows):
    return next(r for r in rows if r["kind"] == KIND and r["channel"] == "email")


def test_api_preferences(net, api_client):
    client = api_client(net.users["a_head"])
    row = _email_pref(client.get("/api/v1/core/notifications/preferences").json())
    assert row["enabled"] is True and row["label"] == "Nhiệm vụ sắp đến hạn"
    resp = client.put(
        "/api/v1/core/notifications/preferences",
        data=json.dumps({"preferences": [{"kind": KIND, "channel": "email", "enabled": False}]}),
        content_type="application/json",
    )
    assert resp.status_code == 200 and _email_pref(resp.json())["enabled"] is False
    bad = client.put(
        "/api/v1/core/notifications/preferences",
        data=json.dumps({"preferences": [{"kind": "no.such.kind", "channel": "email", "enabled": False}]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "kind" in json.dumps(bad.json())
    assert _email_pref(client.get("/api/v1/core/notifications/preferences").json())["enabled"] is False


# --------------------------------------------------------------------------- CLI


def test_cli_lists_and_marks_read(net, capsys):
    user = net.users["a_analyst"]
    n, = send([user], title="Nhắc việc CLI")
    send([net.users["b_analyst"]], title="Của B")
    call_command("notifications", "list", "--as", "a_analyst", "--json")
    data = json.loads(capsys.readouterr().out)
    assert [d["title"] for d in data] == ["Nhắc việc CLI"]
    call_command("notifications", "read", str(n.pk), "--as", "a_analyst")
    n.refresh_from_db()
    assert n.read_at is not None
    with pytest.raises(CommandError):
        call_command("notifications", "read", str(n.pk), "--as", "b_analyst")
    with pytest.raises(CommandError):
        call_command("notifications", "read", "--as", "a_analyst")


# --------------------------------------------------------------------------- read in the reader's language


def test_a_notification_reads_in_the_language_of_whoever_opens_it_not_of_the_send(net, login, api_client, capsys):
    """Sent while the reader used Vietnamese; they switch to English and every channel shows
    it in English (the page, the API asked in English, the command, the e-mail)."""
    user = net.users["a_analyst"]
    user.language = "vi"
    user.save()
    n, = send([user], body=message(gettext_lazy("Hạn hoàn thành: %(d)s"), d=date(2026, 3, 10)),
              unit=net.units["prov_a"])
    assert n.title == "Sắp đến hạn: Báo cáo quý (hạn 10/03/2026, còn 3 ngày)"
    user.language = "en"
    user.save()
    n.refresh_from_db()
    with translation.override("en"):
        assert n.display_title == "Due soon: Báo cáo quý (due 10 Mar 2026, 3 days left)"
        assert n.display_body == "Due date: 10 Mar 2026"
    with translation.override("vi"):
        assert n.display_title == n.title and n.display_body == "Hạn hoàn thành: 10/03/2026"
    page = login(user).get("/notifications/").content.decode()
    assert "Due soon: Báo cáo quý (due 10 Mar 2026, 3 days left)" in page and "Sắp đến hạn" not in page
    item = api_client(user).get("/api/v1/core/notifications", HTTP_ACCEPT_LANGUAGE="en").json()["items"][0]
    assert item["title"].startswith("Due soon:") and item["body"] == "Due date: 10 Mar 2026"
    call_command("notifications", "list", "--as", "a_analyst", "--json")
    assert json.loads(capsys.readouterr().out)[0]["title"].startswith("Due soon:")
    mail.outbox.clear()
    user.email = "pham.thi.a@tinh-a.gov.vn"
    user.save()
    Notification.objects.filter(pk=n.pk).update(email_to=user.email)
    assert notify_services.deliver_email(n.pk)
    assert mail.outbox[-1].subject.startswith("[Vigil] Due soon:") and "Due date: 10 Mar 2026" in mail.outbox[-1].body


def test_what_a_person_typed_stays_as_typed_in_any_language(net):
    n, = send([net.users["a_analyst"]], title="Họp giao ban lúc 14 giờ", body="Mang theo báo cáo")
    assert n.texts == {}
    with translation.override("en"):
        assert n.display_title == "Họp giao ban lúc 14 giờ" and n.display_body == "Mang theo báo cáo"


def test_kept_parameters_render_again_units_labels_nested_messages_and_plurals(net):
    unit = net.units["prov_a"]
    unit.name_en = "Province A"
    unit.save()
    title = message(gettext_lazy("Sự cố %(r)s chuyển sang “%(s)s”"), r="SC-1",
                    s=gettext_lazy("Đã đóng"))
    body = lines(
        message(gettext_lazy("Đơn vị: %(u)s"), u=unit),
        "",
        message("  %(x)s", x=message(ngettext_lazy("… và %(n)s nhiệm vụ khác.", "… và %(n)s nhiệm vụ khác.", 2),
                                     n=2)),
    )
    n, = send([net.users["a_head"]], title=title, body=body)
    n.refresh_from_db()
    with translation.override("en"):
        assert n.display_title == "Incident SC-1 moved to “Closed”"
        assert n.display_body.splitlines() == ["Unit: Province A", "", "  … and 2 more tasks."]
    with translation.override("vi"):
        assert n.display_body.splitlines()[0] == f"Đơn vị: {unit.name}"


def test_a_reader_who_may_not_read_the_subject_gets_a_neutral_title_in_their_language(net):
    from vigil.core.notify.services import _neutral_kept

    kept = _neutral_kept(net.units["prov_a"])
    n = Notification(title="x", texts={"title": kept})
    with translation.override("en"):
        assert n.display_title.startswith("An update about ") and n.display_title.endswith(
            f"#{net.units['prov_a'].pk}")
    with translation.override("vi"):
        assert n.display_title.startswith("Có cập nhật về ")
