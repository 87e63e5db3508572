"""Who owns X? Longest IP prefix, longest domain suffix, exact ASN, through the access layer."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.org.selectors.constituency import who_owns
from vigil.org.services.units import unit_update

from .constituency_fixtures import claims_fixture  # noqa: F401 (the `claims` fixture)

pytestmark = pytest.mark.django_db


def owner_codes(answer):
    return [e.unit.code for e in answer.owners]


def test_longest_ipv4_prefix_wins_child_over_parent(net, claims):
    answer = who_owns(user=net.office_staff, value="10.1.2.3")
    assert owner_codes(answer) == ["tinh-a-sotc"]
    assert [e.value for e in answer.matches] == ["10.1.2.0/24", "10.1.0.0/16", "10.0.0.0/8"]
    assert owner_codes(who_owns(user=net.office_staff, value="10.1.9.9")) == ["tinh-a"]
    assert owner_codes(who_owns(user=net.office_staff, value="10.200.0.1")) == ["bcd-qg"]
    assert owner_codes(who_owns(user=net.office_staff, value="10.1.2.200")) == ["tinh-b"]


def test_longest_ipv6_prefix_wins(net, claims):
    assert owner_codes(who_owns(user=net.office_staff, value="2001:db8:1::5")) == ["tinh-a-sotc"]
    assert owner_codes(who_owns(user=net.office_staff, value="2001:db8:2::5")) == ["tinh-a"]
    assert who_owns(user=net.office_staff, value="2001:db9::1").owners == []


def test_a_block_is_owned_by_the_claim_that_contains_all_of_it(net, claims):
    assert owner_codes(who_owns(user=net.office_staff, value="10.1.2.0/24")) == ["tinh-a-sotc"]
    assert owner_codes(who_owns(user=net.office_staff, value="10.1.0.0/20")) == ["tinh-a"]
    assert owner_codes(who_owns(user=net.office_staff, value="10.1.2.7/16")) == ["tinh-a"]  # read as its network


def test_longest_domain_suffix_wins(net, claims):
    assert owner_codes(who_owns(user=net.office_staff, value="www.stc.tinh-a.gov.vn")) == ["tinh-a-sotc"]
    assert owner_codes(who_owns(user=net.office_staff, value="portal.gov.vn")) == ["bcd-qg"]
    assert owner_codes(who_owns(user=net.office_staff, value="https://STC.tinh-a.gov.vn./login")) == ["tinh-a-sotc"]
    assert owner_codes(who_owns(user=net.office_staff, value="abuse@tinh-ab.gov.vn")) == ["tinh-b"]
    assert who_owns(user=net.office_staff, value="example.com").owners == []


def test_a_domain_label_is_not_a_suffix_of_a_longer_label(net, claims):
    # "xtinh-a.gov.vn" ends with the characters "tinh-a.gov.vn" but is not under it.
    assert owner_codes(who_owns(user=net.office_staff, value="xtinh-a.gov.vn")) == ["bcd-qg"]


def test_two_units_claiming_the_same_domain_are_both_owners(net, claims):
    assert sorted(owner_codes(who_owns(user=net.office_staff, value="mail.tinh-a.gov.vn"))) == ["tinh-a", "tinh-b"]


def test_asn_matches_exactly(net, claims):
    assert sorted(owner_codes(who_owns(user=net.office_staff, value="as64500"))) == ["bo-x", "tinh-a"]
    assert who_owns(user=net.office_staff, value="AS64501").owners == []


def _shape(answer):
    return (answer.owners, answer.matches, answer.found, getattr(answer, "outside_scope", False))


def test_an_owner_outside_scope_is_neither_named_nor_hinted(net, claims):
    answer = who_owns(user=net.a_analyst, value="10.1.2.3")
    assert owner_codes(answer) == ["tinh-a-sotc"]
    # b_analyst learns the same about a claimed address of another province as about an unclaimed one.
    claimed = who_owns(user=net.b_analyst, value="10.1.2.3")
    unclaimed = who_owns(user=net.b_analyst, value="192.0.2.1")
    assert _shape(claimed) == _shape(unclaimed) == ([], [], False, False)


def test_claims_of_inactive_units_do_not_count(net, claims):
    unit_update(actor=Actor(user=net.office_staff), unit=net.prov_a_dept, is_active=False)
    assert owner_codes(who_owns(user=net.office_staff, value="10.1.2.3")) == ["tinh-a"]


def test_a_malformed_question_is_a_domain_error(net):
    with pytest.raises(DomainError):
        who_owns(user=net.office_staff, value="not a value!")


def test_user_without_membership_learns_nothing(net, claims):
    answer = who_owns(user=net.nobody, value="10.1.2.3")
    assert _shape(answer) == _shape(who_owns(user=net.nobody, value="192.0.2.1")) == ([], [], False, False)


# --------------------------------------------------------------------------- CLI


def run(*args):
    out = StringIO()
    call_command("who_owns", *args, stdout=out)
    return out.getvalue()


def test_cli_answers_with_the_owner(net, claims):
    out = run("10.1.2.3", "--as", "office_staff")
    assert "Sở Tài chính tỉnh A" in out and "tinh-a-sotc" in out


def test_cli_json_output(net, claims):
    data = json.loads(run("www.stc.tinh-a.gov.vn", "--as", "a_analyst", "--json"))
    assert data["kind"] == "domain" and data["owners"][0]["unit"]["code"] == "tinh-a-sotc"
    assert "outside_scope" not in data


def test_cli_says_the_same_of_a_hidden_claim_as_of_no_claim(net, claims):
    out = run("10.1.2.3", "--as", "b_analyst")
    assert "tinh-a" not in out
    assert out.replace("10.1.2.3", "X") == run("192.0.2.1", "--as", "b_analyst").replace("192.0.2.1", "X")


def test_cli_requires_as(net, monkeypatch):
    monkeypatch.delenv("VIGIL_USER", raising=False)
    with pytest.raises(CommandError, match="--as"):
        run("10.1.2.3")


def test_cli_takes_the_user_from_vigil_user(net, claims, monkeypatch):
    monkeypatch.setenv("VIGIL_USER", "office_staff")
    assert "tinh-a-sotc" in run("10.1.2.3")


def test_cli_unknown_user_and_bad_value_are_clear_errors(net):
    with pytest.raises(CommandError, match="ghost"):
        run("10.1.2.3", "--as", "ghost")
    with pytest.raises(CommandError, match="value"):
        run("10.0.0.300", "--as", "office_staff")
