"""Services on membership decisions: drafts, items, the signed PDF, applying."""

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.core.models import TLP, AuditEntry
from vigil.org.models import Membership, MembershipDecision
from vigil.org.services.decisions import (
    decision_add_item,
    decision_apply,
    decision_attach_file,
    decision_create,
    decision_file_export,
    decision_remove_item,
    decision_update,
)
from vigil.testing import make_user

from .people_factories import actor, member, pdf_bytes, pdf_upload, person, role

pytestmark = pytest.mark.django_db


def draft(net, user=None, **kw):
    fields = {
        "unit": net.prov_a_sub, "number": "12/QĐ-UBND", "date": date(2025, 4, 1),
        "effective_date": date(2025, 4, 5), "issuer": "Chủ tịch UBND tỉnh A",
        "title": "Kiện toàn Tiểu ban An ninh mạng tỉnh A",
    }
    fields.update(kw)
    return decision_create(actor=actor(user or net.a_head), **fields)


def test_draft_is_amber_by_default_and_audited(net):
    d = draft(net)
    assert d.status == MembershipDecision.Status.DRAFT and d.tlp == TLP.AMBER and d.created_by == net.a_head
    assert AuditEntry.objects.filter(object_type="org.membershipdecision", object_id=str(d.pk), action="create").exists()


def test_sibling_province_cannot_create_a_decision_for_another_province(net):
    make_user(net, "b_head", net.prov_b, "head")
    with pytest.raises(AccessDenied):
        draft(net, net.users["b_head"])


def test_analyst_without_manage_members_cannot_create(net):
    with pytest.raises(AccessDenied):
        draft(net, net.a_analyst)


def test_duplicate_number_in_the_same_unit_names_number(net):
    draft(net)
    with pytest.raises(Conflict) as exc:
        draft(net)
    assert exc.value.field == "number"
    # the same number in another unit is fine
    assert draft(net, unit=net.prov_a_dept).pk


def test_effective_date_before_signing_names_effective_date(net):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        draft(net, effective_date=date(2025, 3, 1))
    assert "effective_date" in exc.value.message_dict


def test_bad_tlp_names_tlp(net):
    with pytest.raises(DomainError) as exc:
        draft(net, tlp="purple")
    assert exc.value.field == "tlp"


def test_apply_appoints_and_removes_keeping_history(net):
    old_head = person(net.prov_a_dept, "Trưởng Ban Cũ")
    old = member(old_head, net.prov_a_sub, "head", since=date(2024, 1, 1))
    new_head = person(net.prov_a_dept, "Trưởng Ban Mới")
    d = draft(net)
    decision_add_item(actor=actor(net.a_head), decision=d, action="remove", person=old_head, role=role("head"))
    decision_add_item(actor=actor(net.a_head), decision=d, action="appoint", person=new_head, role=role("head"))
    decision_apply(actor=actor(net.a_head), decision=d)
    d.refresh_from_db()
    assert d.status == "applied" and d.applied_at is not None
    old.refresh_from_db()
    assert old.until == date(2025, 4, 5) and old.ended_by == d
    new = Membership.objects.get(person=new_head, unit=net.prov_a_sub, role__code="head")
    assert new.since == date(2025, 4, 5) and new.decision == d and new.until is None
    assert Membership.objects.filter(person=old_head).count() == 1  # ended, not deleted
    actions = set(AuditEntry.objects.filter(object_type="org.membership").values_list("action", flat=True))
    assert {"create", "end"} <= actions
    assert AuditEntry.objects.filter(object_type="org.membershipdecision", action="apply").count() == 1


def test_apply_is_all_or_nothing_and_names_the_bad_item(net):
    appointed = person(net.prov_a_dept, "Nguyễn Thị Hoa")
    never_member = person(net.prov_a_dept, "Hoàng Minh Tuấn")
    d = draft(net)
    decision_add_item(actor=actor(net.a_head), decision=d, action="appoint", person=appointed, role=role("member"))
    decision_add_item(actor=actor(net.a_head), decision=d, action="remove", person=never_member, role=role("member"))
    with pytest.raises(DomainError) as exc:
        decision_apply(actor=actor(net.a_head), decision=d)
    assert exc.value.field == "items"
    assert "Hoàng Minh Tuấn" in str(exc.value.message) and "2" in str(exc.value.message)
    d.refresh_from_db()
    assert d.status == "draft"
    assert not Membership.objects.filter(person=appointed).exists()
    assert not AuditEntry.objects.filter(action="apply").exists()


def test_appointing_someone_already_in_the_role_fails_the_whole_decision(net):
    p = person(net.prov_a_dept, "Đinh Văn Nam")
    member(p, net.prov_a_sub, "member", since=date(2025, 1, 1))
    other = person(net.prov_a_dept, "Vũ Thị Mai")
    d = draft(net)
    decision_add_item(actor=actor(net.a_head), decision=d, action="appoint", person=other, role=role("member"))
    decision_add_item(actor=actor(net.a_head), decision=d, action="appoint", person=p, role=role("member"))
    with pytest.raises(Conflict) as exc:
        decision_apply(actor=actor(net.a_head), decision=d)
    assert "Đinh Văn Nam" in str(exc.value.message)
    assert not Membership.objects.filter(person=other).exists()


def test_empty_decision_cannot_be_applied(net):
    with pytest.raises(DomainError) as exc:
        decision_apply(actor=actor(net.a_head), decision=draft(net))
    assert exc.value.field == "items"


def test_applied_decision_is_immutable(net):
    p = person(net.prov_a_dept)
    d = draft(net)
    item = decision_add_item(actor=actor(net.a_head), decision=d, action="appoint", person=p, role=role("member"))
    decision_apply(actor=actor(net.a_head), decision=d)
    a = actor(net.a_head)
    other = person(net.prov_a_dept, "Khác")
    attempts = [
        lambda: decision_update(actor=a, decision=d, title="Sửa"),
        lambda: decision_add_item(actor=a, decision=d, action="appoint", person=other, role=role("member")),
        lambda: decision_remove_item(actor=a, decision=d, item=item),
        lambda: decision_attach_file(actor=a, decision=d, upload=pdf_upload()),
        lambda: decision_apply(actor=a, decision=d),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict):
            attempt()
    assert Membership.objects.filter(person=p).count() == 1


def test_items_are_added_and_removed_on_drafts_only_once_per_person_and_role(net):
    p = person(net.prov_a_dept)
    d = draft(net)
    item = decision_add_item(actor=actor(net.a_head), decision=d, action="appoint", person=p, role=role("member"))
    with pytest.raises(Conflict) as exc:
        decision_add_item(actor=actor(net.a_head), decision=d, action="appoint", person=p, role=role("member"))
    assert exc.value.field == "person"
    with pytest.raises(DomainError) as exc:
        decision_add_item(actor=actor(net.a_head), decision=d, action="promote", person=p, role=role("member"))
    assert exc.value.field == "action"
    decision_remove_item(actor=actor(net.a_head), decision=d, item=item)
    assert d.items.count() == 0


def test_signed_pdf_is_stored_with_its_sha256(net):
    d = draft(net, signed_file=pdf_upload())
    assert d.signed_file.name.endswith(".pdf")
    assert d.signed_file_sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    handle = decision_file_export(actor=actor(net.office_staff), decision=d)
    assert handle.read() == pdf_bytes()
    handle.close()
    entry = AuditEntry.objects.get(action="export", object_id=str(d.pk))
    assert entry.actor == net.office_staff and entry.after["sha256"] == d.signed_file_sha256


def test_too_large_file_is_refused_naming_the_field(net):
    with override_settings(VIGIL_MAX_UPLOAD_BYTES=1000):
        with pytest.raises(DomainError) as exc:
            draft(net, signed_file=pdf_upload(size=1001))
    assert exc.value.field == "signed_file" and exc.value.code == "too-large"
    assert not MembershipDecision.objects.exists()


def test_non_pdf_is_refused_naming_the_field(net):
    fake = SimpleUploadedFile("qd.pdf", b"PK\x03\x04 not a pdf", content_type="application/pdf")
    d = draft(net)
    with pytest.raises(DomainError) as exc:
        decision_attach_file(actor=actor(net.a_head), decision=d, upload=fake)
    assert exc.value.field == "signed_file" and exc.value.code == "not-pdf"
    d.refresh_from_db()
    assert not d.signed_file


def test_unsigned_pdf_refused_when_signatures_are_required(net):
    d = draft(net)
    with override_settings(VIGIL_DECISION_REQUIRE_PDF_SIGNATURE=True):
        with pytest.raises(DomainError) as exc:
            decision_attach_file(actor=actor(net.a_head), decision=d, upload=pdf_upload())
        assert exc.value.code == "unsigned"
        decision_attach_file(actor=actor(net.a_head), decision=d, upload=pdf_upload(signed=True))


def test_replacing_the_file_of_a_draft(net):
    d = draft(net, signed_file=pdf_upload())
    first = d.signed_file.name
    d = decision_attach_file(actor=actor(net.a_head), decision=d, upload=pdf_upload(size=500))
    assert d.signed_file.name != first
    assert d.signed_file_sha256 == hashlib.sha256(pdf_bytes(size=500)).hexdigest()


def test_red_decision_only_its_author_writes(net):
    d = draft(net, tlp=TLP.RED, recipients=["office_staff"])
    with pytest.raises(AccessDenied):
        decision_update(actor=actor(net.office_staff), decision=d, title="x")
    decision_update(actor=actor(net.a_head), decision=d, title="Kiện toàn (mật)")


def test_unknown_recipient_names_recipients(net):
    with pytest.raises(DomainError) as exc:
        draft(net, tlp=TLP.RED, recipients=["khong-ton-tai"])
    assert exc.value.field == "recipients"
