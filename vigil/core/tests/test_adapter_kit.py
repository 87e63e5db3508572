"""The shared adapter kit's reads: the one date parser, the one keyset paginator (and the
page-number helper of pages), the one unit resolver and the one unit reference shape."""

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.api.schemas import UnitRef
from vigil.core.dates import parse_date, parse_datetime
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError, NotFound
from vigil.core.models import ApiToken
from vigil.core.pagination import Keyset, decode_cursor, encode_cursor, make_page

# --------------------------------------------------------------------------- dates


def test_parse_date_reads_iso_and_names_the_field():
    assert parse_date("2025-06-01", "since") == dt.date(2025, 6, 1)
    assert parse_date(dt.datetime(2025, 6, 1, 8, 30), "since") == dt.date(2025, 6, 1)
    assert parse_date(dt.date(2025, 6, 1), "since") == dt.date(2025, 6, 1)
    assert parse_date("  ", "since") is None and parse_date(None, "since") is None
    for bad in ("01/06/2025", "2025-13-01", "²⁰²⁵-06-01"):
        with pytest.raises(DomainError) as err:
            parse_date(bad, "--on")
        assert err.value.field == "--on"
        assert str(err.value.message).startswith("--on:") and "YYYY-MM-DD" in str(err.value.message)
    with pytest.raises(DomainError) as err:
        parse_date("", "due_date", required=True)
    assert err.value.field == "due_date"


def test_parse_date_takes_day_first_only_where_people_type_it():
    assert parse_date("01/06/2025", "since", day_first=True) == dt.date(2025, 6, 1)
    assert parse_date("2025-06-01", "since", day_first=True) == dt.date(2025, 6, 1)
    with pytest.raises(DomainError) as err:
        parse_date("31/02/2025", "since", day_first=True)
    assert "dd/mm/yyyy" in str(err.value.message)


def test_parse_datetime_is_aware_and_reads_z():
    utc = parse_datetime("2025-06-01T08:30:00Z", "at")
    assert utc == dt.datetime(2025, 6, 1, 8, 30, tzinfo=dt.UTC)
    local = parse_datetime("2025-06-01T08:30", "at")
    assert timezone.is_aware(local) and timezone.localtime(local).hour == 8
    assert parse_datetime("", "at") is None
    with pytest.raises(DomainError) as err:
        parse_datetime("hôm qua", "--seen-at")
    assert err.value.field == "--seen-at"


# --------------------------------------------------------------------------- pages


def test_a_cursor_round_trips_and_a_forged_one_names_the_field():
    when = dt.datetime(2025, 6, 1, 8, 30, 0, 123456, tzinfo=dt.UTC)
    assert decode_cursor(encode_cursor(when, 42)) == (when, 42)
    for forged in ("xyz", encode_cursor(when, 42)[:-3], "W10", "WyIyMDI1LTA2LTAxIiwgMV0"):  # [] / naive time
        with pytest.raises(DomainError) as err:
            decode_cursor(forged, field="next")
        assert err.value.field == "next"


@pytest.mark.django_db
def test_keyset_pages_neither_repeat_nor_skip_rows_that_share_a_timestamp(net):
    user = net.users["a_analyst"]
    same = timezone.now().replace(microsecond=0)
    for i in range(7):
        ApiToken.objects.create(user=user, name=f"t{i}", key_id=f"k{i:02d}", key_hash="0" * 64,
                                expires_at=same if i % 2 else same + dt.timedelta(days=i))
    qs = ApiToken.objects.filter(user=user)
    for keyset in (Keyset("expires_at"), Keyset("expires_at", descending=False)):
        seen, cursor, pages = [], None, 0
        while True:
            page = keyset.page(qs, cursor=cursor, size=2)
            seen += [t.pk for t in page.items]
            pages += 1
            if page.next_cursor is None:
                break
            assert page.more and len(page.items) == 2
            cursor = page.next_cursor
        assert pages == 4
        assert seen == list(keyset.order(qs).values_list("pk", flat=True))
        assert len(set(seen)) == 7


def test_page_numbers_are_clamped_into_the_list():
    info = make_page("9", "20", 45)
    assert (info.number, info.per_page, info.num_pages, info.offset) == (3, 20, 3, 40)
    assert info.has_previous and not info.has_next
    assert make_page("x", "10000", 5).per_page == 200
    assert make_page("-3", "0", 0).number == 1


# --------------------------------------------------------------------------- units


@pytest.mark.django_db
def test_unit_ref_reads_an_id_or_a_code_the_user_may_see(net):
    a, b = net.units["prov_a"], net.units["prov_b"]
    analyst = net.users["a_analyst"]
    assert unit_ref(analyst, a.code) == a
    assert unit_ref(analyst, str(a.pk)) == a
    assert unit_ref(analyst, a.pk) == a
    assert unit_ref(analyst, a) == a
    assert unit_ref(analyst, "", optional=True) is None
    for hidden in (b.code, str(b.pk), "²", "9" * 30, ""):
        with pytest.raises(NotFound) as err:
            unit_ref(analyst, hidden, field="unit_id")
        assert err.value.field == "unit_id"
    with pytest.raises(DomainError) as err:
        unit_ref(analyst, b.code, field="owner_unit", bad_input=True)
    assert type(err.value) is DomainError and err.value.code == "unknown-unit" and err.value.field == "owner_unit"


@pytest.mark.django_db
def test_unit_ref_checks_the_action_when_one_is_given(net):
    from vigil.core.access import can

    unit = net.units["prov_a"]
    outcomes = set()
    for name in ("a_head", "a_analyst", "auditor", "office_staff"):
        user = net.users[name]
        unit_ref(user, unit.code)  # every one of them sees the province
        try:
            unit_ref(user, unit.code, action="manage_members")
            allowed = True
        except NotFound:
            allowed = False
        assert allowed == can(user, "manage_members", unit), name
        outcomes.add(allowed)
    assert outcomes == {True, False}


@pytest.mark.django_db
def test_a_unit_reference_has_one_shape(net):
    unit = net.units["prov_a"]
    data = UnitRef.from_orm(unit).model_dump()
    assert data == {"id": unit.pk, "code": unit.code, "name": unit.name, "name_en": unit.name_en or ""}
