"""Every policy's SQL rule (`q`, through `visible_to`) and its Python rule (`allows`) agree.

For every model that declares an `access_policy`, every user of the standard test network
and every action of the policy's vocabulary, each row of the shared world (the route
access matrix's `world`: province A's objects under every label, plus the network itself)
is checked three ways:

- `policy.allows(scope, action, row)`, the rule services use before a write;
- `row in visible_to(user, model, action)`, the rule every list and look-up uses;
- `row in visible_within(user, qs, scope_anchors(user, action), action)`, the fast path of
  the lists, with `qs` confined to the rows whose unit lies inside one of the anchors (what
  its callers guarantee).

A model with no row in the world is listed in NO_ROWS with the reason; a new model with a
policy that is neither covered nor listed fails the test. (A listed model that does have
rows is checked like the others.)
"""

import pytest
from django.apps import apps

from tests.test_access_matrix import world  # noqa: F401 - the shared world of rows, a fixture
from vigil.core.access import (
    ACTIONS,
    policy_for,
    scope_anchors,
    scope_of,
    visible_to,
    visible_within,
)

pytestmark = pytest.mark.django_db(transaction=False)

# Models with a policy that the world holds no row of, and why.
NO_ROWS = {
    "core.usersecondfactor": "a TOTP device: nobody in the world enrols one (tests/test_token_second_factor.py)",
    "core.notificationpreference": "a user's own channel choices, written only when they change them (notify tests)",
    "org.completenesstarget": "set by the office only when a completeness date is chosen (org tests)",
    "program.reminderlog": "written by the reminder job only (program reminder tests)",
    "intel.taxonomy": "reference data, loaded by `vigil load-reference` only (intel reference tests)",
    "intel.tag": "reference data, loaded by `vigil load-reference` only (intel reference tests)",
    "intel.feedrun": "written by a feed pull only (intel feed tests)",
    "incidents.incidentclass": "reference data, loaded by `vigil load-reference` only",
    "incidents.incidenttype": "reference data, loaded by `vigil load-reference` only",
    "incidents.severityrule": "reference data, loaded by `vigil load-reference` only",
    "incidents.slatarget": "reference data, loaded by `vigil load-reference` only",
    "incidents.checklisttemplate": "reference data, loaded by `vigil load-reference` only",
}

# The actions asked of a row: "view" (its own branch in every policy: labels, ancestors,
# oneself) and every role action a service requires on an object, since a role may grant
# one and not another. `export` is only ever asked as "held somewhere" (`holds`), never
# of a row.
VOCABULARY = tuple(a for a in ACTIONS if a != "export")


def _models_with_policy():
    return sorted(
        (m for m in apps.get_models() if getattr(m, "access_policy", None) is not None),
        key=lambda m: m._meta.label_lower,
    )


def _inside(unit, anchors) -> bool:
    return unit is not None and any(
        unit.pk == anchor.pk or (subtree and unit.path.startswith(anchor.path)) for anchor, subtree in anchors
    )


def test_every_model_with_a_policy_has_rows_or_a_reason(world):  # noqa: F811 - the fixture
    empty = {m._meta.label_lower for m in _models_with_policy() if not m._default_manager.exists()}
    assert empty - set(NO_ROWS) == set(), (
        "models with an access policy and no row in the world: add a row to the `world` fixture of "
        "tests/test_access_matrix.py, or list the model in NO_ROWS with the reason"
    )


def test_sql_and_python_rules_agree_for_every_user_row_and_action(world):  # noqa: F811 - the fixture
    users = world["net"].users
    disagreements = []
    checked = 0
    for model in _models_with_policy():
        policy = policy_for(model)
        rows = list(model._default_manager.all())
        if not rows:
            continue
        for name, user in sorted(users.items()):
            scope = scope_of(user)
            for action in VOCABULARY:
                seen = set(visible_to(user, model, action).values_list("pk", flat=True))
                anchors = scope_anchors(user, action)
                confined = None
                if anchors:  # None: held network-wide (no fast path); []: nothing held
                    inside = [r.pk for r in rows if _inside(policy.unit_of(r), anchors)]
                    qs = model._default_manager.filter(pk__in=inside)
                    confined = (set(inside), set(visible_within(user, qs, anchors, action).values_list("pk", flat=True)))
                for row in rows:
                    checked += 1
                    allows = policy.allows(scope, action, row)
                    where = f"{model._meta.label} #{row.pk} {name} {action}"
                    if allows != (row.pk in seen):
                        disagreements.append(f"{where}: allows={allows}, visible_to={row.pk in seen}")
                    if confined is not None and row.pk in confined[0] and allows != (row.pk in confined[1]):
                        disagreements.append(f"{where}: allows={allows}, visible_within={row.pk in confined[1]}")
    assert checked > 0
    assert disagreements == [], "\n".join(disagreements[:50])
