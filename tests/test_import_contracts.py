"""Dependencies point one way (issue 12), as contracts that fail the suite.

Every module of the product (`vigil/**.py`, tests and conftests left out: a test may
assemble the whole product) is parsed; each `import`, `from ... import` (relative ones
resolved, including those inside functions) and each dotted module path written as a
string (what `import_module`/`import_string` would load) is an edge. The contracts:

1. the kernel (`vigil.core`) imports no domain app, in code and in migrations (a
   migration names the swappable `settings.VIGIL_UNIT_MODEL`, never `org`);
2. `vigil.incidents` and `vigil.intel` do not import each other (the observable kinds live
   in the neutral `vigil.core.observables`; intel reaches the incident page through the
   incident page's panel registry);
3. selectors never import services (reads do not depend on writes);
4. adapters (pages, API routes, commands, forms, the TAXII server) never import another
   module's views: an API route or a command does not borrow a page's code, and a page
   does not borrow another app's pages;
5. job bodies are adapters too: no service imports a job module (a service starts a job by
   name through `core.queue`, so nothing bounces service → job → service);
6. the project layer (`vigil.api`, `vigil.urls`, `vigil.cli`) may import anything, and no app
   imports it.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vigil"
DOMAIN_APPS = ("org", "program", "assets", "incidents", "intel")
PROJECT_LAYER = ("vigil.api", "vigil.urls", "vigil.cli")
# The project's own modules above the apps: they may import anything.
PROJECT = PROJECT_LAYER + ("vigil", "vigil.__main__", "vigil.settings", "vigil.settings_test", "vigil.wsgi")
DOTTED = re.compile(r"^vigil(\.[A-Za-z_][A-Za-z0-9_]*)+(:[A-Za-z_][A-Za-z0-9_]*)?$")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_files() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py")
        if "tests" not in p.relative_to(PACKAGE).parts and p.name != "conftest.py"
    )


@cache
def edges_of(path: Path, root: Path = ROOT) -> tuple[tuple[int, str], ...]:
    """(line, imported module or name) for every import and dotted-path string in `path`."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    logger_names = {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "getLogger"
        for arg in node.args
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from pkg import submodule` imports pkg.submodule
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings and id(node) not in logger_names and DOTTED.match(node.value)):
            found.append((node.lineno, node.value.split(":")[0]))
    return tuple(found)


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(source_filter, target_filter) -> list[str]:
    out = []
    for path in product_files():
        source = module_name(path)
        if not source_filter(source, path):
            continue
        for line, target in edges_of(path):
            if target_filter(source, target):
                out.append(f"{path.relative_to(ROOT)}:{line} → {target}")
    return sorted(set(out))


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_layer(module: str, layer: str) -> bool:
    """Whether `module` is, or sits in, a package or module named `layer` of its app
    (`vigil.org.selectors.units`, `vigil.assets.selectors`, `vigil.core.notify.selectors`)."""
    return layer in module.split(".")[2:]


# --------------------------------------------------------------------------- the contracts


def test_the_kernel_imports_no_domain_app():
    bad = violations(
        lambda source, path: within(source, "vigil.core"),
        lambda source, target: any(within(target, f"vigil.{app}") for app in DOMAIN_APPS),
    )
    assert not bad, "vigil.core must not depend on a domain app (use core.directory / a registry):\n" + "\n".join(bad)


def test_kernel_migrations_name_no_domain_app():
    """A migration's dependency on the unit model is `swappable_dependency(settings.
    VIGIL_UNIT_MODEL)` and its foreign keys `to=settings.VIGIL_UNIT_MODEL`."""
    bad = []
    for path in sorted((PACKAGE / "core" / "migrations").glob("0*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[0], ast.Constant) \
                    and node.elts[0].value in DOMAIN_APPS:
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} depends on {node.elts[0].value!r}")
            if isinstance(node, ast.keyword) and node.arg == "to" and isinstance(node.value, ast.Constant) \
                    and str(node.value.value).split(".")[0] in DOMAIN_APPS:
                bad.append(f"{path.relative_to(ROOT)}:{node.value.lineno} points to {node.value.value!r}")
    assert not bad, "\n".join(bad)


def test_incidents_and_intel_do_not_import_each_other():
    pair = {"incidents": "vigil.intel", "intel": "vigil.incidents"}
    bad = violations(
        lambda source, path: app_of(source) in pair,
        lambda source, target: within(target, pair[app_of(source)]),
    )
    assert not bad, "incidents ⟂ intel (neutral modules: vigil.core.observables; the panel registry):\n" + "\n".join(bad)


def test_selectors_never_import_services():
    bad = violations(
        lambda source, path: is_layer(source, "selectors"),
        lambda source, target: target.startswith("vigil.") and is_layer(target, "services"),
    )
    assert not bad, "a selector reads; what it needs from a service belongs in a neutral module:\n" + "\n".join(bad)


ADAPTER_LAYERS = ("views", "api", "management", "forms", "taxii", "jobs")


def test_adapters_never_import_another_modules_views():
    def is_adapter(source, path):
        return any(is_layer(source, layer) for layer in ADAPTER_LAYERS)

    def borrows_views(source, target):
        if not (target.startswith("vigil.") and is_layer(target, "views")):
            return False
        # a page may use its own app's views (shared helpers, panels), and a URLconf lists
        # its own app's views; nothing else may
        own_app = app_of(source) == app_of(target)
        is_urlconf = source.rsplit(".", 1)[-1].endswith("urls")
        return not (own_app and (is_layer(source, "views") or is_urlconf))

    bad = violations(is_adapter, borrows_views)
    assert not bad, "move what is shared out of the views module (a service, a form, core.web):\n" + "\n".join(bad)


def test_services_never_import_jobs():
    bad = violations(
        lambda source, path: is_layer(source, "services"),
        lambda source, target: target.startswith("vigil.") and is_layer(target, "jobs"),
    )
    assert not bad, "start a job by name with core.queue.enqueue (no service → job → service):\n" + "\n".join(bad)


def test_apps_never_import_the_project_layer():
    bad = violations(
        lambda source, path: source not in PROJECT,
        lambda source, target: any(within(target, layer) for layer in PROJECT_LAYER),
    )
    assert not bad, "vigil.api / vigil.urls / vigil.cli sit above the apps:\n" + "\n".join(bad)


# --------------------------------------------------------------------------- the checker itself


def test_the_checker_sees_relative_lazy_and_string_imports(tmp_path):
    """The contracts are only as good as the edges found: a relative import inside a
    function and a dotted path in a string are edges; a docstring is not."""
    package = tmp_path / "vigil" / "core"
    package.mkdir(parents=True)
    module = package / "probe.py"
    module.write_text(
        "def f():\n"
        '    """vigil.assets.models"""\n'
        "    from ..org import models\n"
        "    return models\n"
        'MODULES = ["vigil.intel.types:KINDS"]\n',
        encoding="utf-8",
    )
    targets = {target for _, target in edges_of(module, tmp_path)}
    assert {"vigil.org", "vigil.org.models", "vigil.intel.types"} <= targets
    assert "vigil.assets.models" not in targets
