"""Architecture guards: adapters go through selectors and services, and the API is documented."""

import ast
from pathlib import Path

import pytest

from vigil.api import api

ROOT = Path(__file__).resolve().parent.parent / "vigil"
# Adapters: pages, API endpoints and commands. They parse, call a selector or a service,
# and render; none of them queries a model's manager itself.
ADAPTER_GLOBS = ["*/views.py", "*/views/*.py", "*/api.py", "*/api/*.py", "*/management/commands/*.py"]
# Commands that are platform plumbing, not data reads on behalf of a user.
PLUMBING = {"serve.py", "demo.py", "load_reference.py"}


def adapter_files():
    for pattern in ADAPTER_GLOBS:
        for path in ROOT.glob(pattern):
            if path.name not in PLUMBING and path.name != "__init__.py":
                yield path


def direct_manager_uses(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager"):
            yield node.lineno


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
ISDIGIT_ALLOWED = {"org/services/constituency.py", "intel/stixmap.py"}


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
