"""Architecture guards: adapters go through selectors and services, and the API is documented."""

import ast
from pathlib import Path

import pytest

from vigil.api import api

ROOT = Path(__file__).resolve().parent.parent / "vigil"
# Adapters: pages, API endpoints, forms, the TAXII server, commands and the project's entry
# points. They parse, call a selector or a service, and render; none of them queries a
# model's manager itself. They are found by where they live, not listed by hand: a module
# in an `api/`, `views/`, `forms/`, `taxii/` or `management/commands/` package, a flat
# `api.py`, `views.py`, `forms.py`, `urls.py` (or `api_*.py`, `views_*.py`, `forms_*.py`,
# `*_urls.py`) module, and the top-level `vigil/api.py`, `vigil/urls.py`, `vigil/cli.py`.
ADAPTER_PACKAGES = {"api", "views", "forms", "taxii"}
ADAPTER_MODULES = {"api", "views", "forms", "urls"}
TOP_LEVEL_ADAPTERS = {"api.py", "urls.py", "cli.py"}
# Not adapters wherever they live: a layer named by its module (`services`, `selectors`:
# the TAXII server keeps its own beside its views) and authentication, which reads the
# credential before there is a user to filter for.
LAYERS = {"services", "selectors", "auth", "api_auth"}
# Commands that are platform plumbing, not data reads on behalf of a user.
PLUMBING = {"serve.py", "demo.py", "load_reference.py"}


def is_adapter(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    dirs, stem = parts[:-1], path.stem
    if {"tests", "migrations"} & set(dirs) or stem in LAYERS or set(dirs) & {"services", "selectors"}:
        return False
    if not dirs:
        return path.name in TOP_LEVEL_ADAPTERS
    if "management" in dirs and "commands" in dirs:
        return path.name not in PLUMBING
    if ADAPTER_PACKAGES & set(dirs):
        return True
    return stem in ADAPTER_MODULES or stem.split("_")[0] in ADAPTER_MODULES or stem.endswith("_urls")


def adapter_files():
    return sorted(path for path in ROOT.rglob("*.py") if is_adapter(path))


def direct_manager_uses(path: Path):
    """Lines where the module reads a model manager (`X.objects`, `X._default_manager`),
    except an empty queryset (`X.objects.none()`, a form field filled in later) and a
    queryset handed straight to the access layer (`visible_to(user, X.objects...)`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "none" and isinstance(node.value, ast.Attribute):
            allowed.add(id(node.value))
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "visible_to":
            for arg in node.args[1:2]:
                for inner in ast.walk(arg):
                    allowed.add(id(inner))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager") and id(node) not in allowed:
            yield node.lineno


def test_adapters_are_found_where_they_live():
    """The guard below sees every kind of adapter: a new one is covered by its location."""
    found = {path.relative_to(ROOT).as_posix() for path in adapter_files()}
    expected = ["api.py", "urls.py", "cli.py"]
    assert set(expected) <= found, set(expected) - found
    for kind in ("api", "views", "forms", "taxii", "management/commands"):
        assert any(f"/{kind}/" in f"/{name}" for name in found), f"no adapter found in a {kind}/ package"
    assert not any("/tests/" in f"/{name}" or "/services/" in f"/{name}" for name in found)


def test_adapters_never_query_models_directly():
    offenders = [f"{p.relative_to(ROOT.parent)}:{line}" for p in adapter_files() for line in direct_manager_uses(p)]
    assert not offenders, "use a selector (visible_to) or a service instead: " + ", ".join(offenders)


@pytest.mark.django_db
def test_every_api_operation_has_a_summary_and_a_response_schema():
    schema = api.get_openapi_schema()
    missing = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if not op.get("summary"):
                missing.append(f"{method.upper()} {path}: summary")
            ok = [c for c in op.get("responses", {}) if str(c).startswith("2")]
            if not ok:
                missing.append(f"{method.upper()} {path}: 2xx response")
            else:
                resp = op["responses"][ok[0]]
                if str(ok[0]) != "204" and "content" not in resp:
                    missing.append(f"{method.upper()} {path}: response schema")
    assert not missing, missing


# Input guards that exist once, in core, and must be the only way in.
ONE_WAY_IN = [
    ("ninja.pagination import PageNumberPagination", "vigil/core/pagination.py",
     "paginate with vigil.core.pagination.PageNumberPagination (page numbers bounded)"),
    (".isdigit()", None, "tell ids from codes with vigil.core.refs.is_pk ('²'.isdigit() is True)"),
]
# isdigit() is fine where the text is not an id: DNS labels, STIX/CSV values, a header.
ISDIGIT_ALLOWED = {"org/constituency.py", "intel/stixmap.py"}


def test_input_guards_are_the_only_way_in():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{rel}" or "/migrations/" in f"/{rel}":
            continue
        text = path.read_text()
        for needle, owner, advice in ONE_WAY_IN:
            if needle not in text or f"vigil/{rel}" == owner:
                continue
            if needle == ".isdigit()":
                if rel in ISDIGIT_ALLOWED or rel == "core/refs.py":
                    continue
                lines = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
                offenders.append(f"{rel}:{lines}: {advice}")
            else:
                offenders.append(f"{rel}: {advice}")
    assert not offenders, offenders


# Who may act is decided by the access layer only: outside the access modules no code reads a
# scope, its grants, the units a user is a member of, or the actions a role carries (a
# role's actions are asked through `access.role_grants`). Displaying a role's actions to
# their holder (the API's /core/me) is not a decision.
ACCESS_MODULES = {"core/access.py"} | {f"{p.parent.name}/access.py" for p in ROOT.glob("*/access.py")}
GRANT_ATTRIBUTES = {"grants", "member_unit_ids", "_vigil_scope"}
GRANT_NAMES = {"scope_of", "Scope", "grant_source"}
DISPLAYS_ACTIONS = {"core/api/__init__.py"}


def test_no_rule_about_who_may_act_lives_outside_the_access_layer():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ACCESS_MODULES or "/tests/" in f"/{rel}" or "/migrations/" in f"/{rel}":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=rel)):
            where = f"{rel}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute):
                if node.attr in GRANT_ATTRIBUTES:
                    offenders.append(f"{where}: reads .{node.attr}")
                elif node.attr == "actions" and rel not in DISPLAYS_ACTIONS and (
                        "role" in ast.unparse(node.value).lower()):
                    offenders.append(f"{where}: reads a role's actions (use access.role_grants)")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("access"):
                named = {a.name for a in node.names} & GRANT_NAMES
                if named:
                    offenders.append(f"{where}: imports {sorted(named)} from the access layer")
    assert not offenders, offenders
