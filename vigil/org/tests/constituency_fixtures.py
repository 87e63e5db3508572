"""A small set of constituency claims over the test network, nested and conflicting:

    bcd-qg       10.0.0.0/8      gov.vn
    tinh-a       10.1.0.0/16     tinh-a.gov.vn   2001:db8::/32     AS64500
    tinh-a-sotc  10.1.2.0/24     stc.tinh-a.gov.vn   2001:db8:1::/48
    tinh-b       10.1.2.128/25   tinh-a.gov.vn   tinh-ab.gov.vn
    bo-x                                         AS64500
"""

import pytest

from vigil.core.actors import system_actor
from vigil.org.services.constituency import constituency_add


@pytest.fixture(name="claims")
def claims_fixture(net):
    actor = system_actor()
    plan = [
        ("national", "10.0.0.0/8"), ("national", "gov.vn"),
        ("prov_a", "10.1.0.0/16"), ("prov_a", "tinh-a.gov.vn"), ("prov_a", "2001:db8::/32"), ("prov_a", "AS64500"),
        ("prov_a_dept", "10.1.2.0/24"), ("prov_a_dept", "stc.tinh-a.gov.vn"), ("prov_a_dept", "2001:db8:1::/48"),
        ("prov_b", "10.1.2.128/25"), ("prov_b", "tinh-a.gov.vn"), ("prov_b", "tinh-ab.gov.vn"),
        ("ministry", "AS64500"),
    ]
    made = {}
    for unit, value in plan:
        made[(unit, value)] = constituency_add(actor=actor, unit=net.units[unit], value=value)
    return made
