"""One shape for every app (issue 12): the same top-level names everywhere, and each app
registers its parts in its own AppConfig.

A name at the top of an app that is neither one of the standard names nor one of that app's
domain modules listed below (each with its reason) fails the test: give it a standard
place, or add it here with a one-line reason. A listed name that no longer exists fails too,
so the list stays true.
"""

from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import get_commands

from vigil.core.appconfig import VigilAppConfig, load_object, vigil_apps

ROOT = Path(__file__).resolve().parent.parent / "vigil"

# The one shape: names every app uses for the same thing ("/" marks a package).
STANDARD = {
    "__init__.py": "the package",
    "apps.py": "the AppConfig: what the app registers (VigilAppConfig)",
    "models.py": "models and their access policies",
    "access.py": "policies that serve only this app's models",
    "services/": "writes: one function per use case, taking the Actor",
    "selectors/": "reads, each starting from visible_to()",
    "api/": "ninja routers with their schemas, mounted at /api/v1/<api_prefix>/",
    "views/": "pages",
    "urls.py": "the pages' routes, included at <url_prefix>",
    "forms/": "page forms",
    "management/": "management commands: the app's CLI group",
    "jobs.py": "background jobs (Huey); `tasks` means the committee's Task only",
    "documents/": "generated DOCX/XLSX/PDF files",
    "reference/": "reference data files and their loaders (`vigil load-reference`)",
    "demo.py": "the demo dataset (`vigil demo`)",
    "demo.json": "the demo dataset's data",
    "navigation.py": "menu entries",
    "tests/": "the app's tests",
    "migrations/": "schema migrations",
    "templates/": "page templates",
    "templatetags/": "template filters and tags",
    "static/": "CSS, JavaScript, images",
}

# Modules an app keeps under their own domain name, each with the reason.
DOMAIN = {
    "core": {
        # the kernel: one place for what every app uses
        "actors.py": "Actor: who acts, passed to every service",
        "admission.py": "admission control (a bounded number of incident reports at once)",
        "appconfig.py": "VigilAppConfig: what an app registers, and the helpers that read it",
        "archives.py": "decompression-bomb checks for every compressed input",
        "audit.py": "the append-only, hash-chained audit log",
        "audit_seal.py": "the audit chain's key and signed checkpoints",
        "backup.py": "backups and restores of the whole installation (database, files, audit checkpoints)",
        "commands.py": "the CLI kit: the base command of every app's management commands",
        "concurrency.py": "optimistic concurrency (versions, ETag / If-Match)",
        "context_processors.py": "the menu for the base template",
        "dashboard.py": "the home page's panel registry (apps register panels)",
        "dates.py": "the one parser of dates and times given as text",
        "directory.py": "what the kernel knows of units, roles and memberships (org registers it)",
        "errors.py": "DomainError, AccessDenied, NotFound, Conflict",
        "exports.py": "the one CSV/XLSX cell writer",
        "labels.py": "the words for stored codes (permissions, audit actions, object types)",
        "metrics.py": "Prometheus counters",
        "middleware.py": "request log, 2FA requirement, deprecated API aliases",
        "navigation_entries.py": "core's own menu entries (navigation.py is the registry)",
        "netguard.py": "outbound requests pinned to public addresses",
        "notify/": "the notification service (in-app, e-mail, webhooks)",
        "observables.py": "observable kinds, detection, refanging and defanging (incidents and intel share them)",
        "openapi.py": "the OpenAPI document's problem responses",
        "pagination.py": "the API's one pagination",
        "problems.py": "RFC 9457 problem details",
        "proxies.py": "X-Forwarded-* from trusted proxies only",
        "queue.py": "starting a background job from a service without importing the job's module",
        "refs.py": "is_pk(): telling ids from codes",
        "safejson.py": "JSON from outside with its nesting bounded",
        "samples.py": "short escaped samples of untrusted text",
        "signals.py": "login/logout audit receivers (Django's auth signals)",
        "testclock.py": "the test suite's process-wide clock",
        "texts.py": "system-written texts kept as a message and its parameters, read in any language",
        "uploads.py": "shared upload checks",
        "web.py": "the web adapter kit (form errors, POST-only, edit views)",
        "xmltext.py": "xml_safe() for every DOCX/XLSX text",
    },
    "org": {
        "constituency.py": "the one normaliser of constituency values (services and selectors)",
    },
    "program": {
        "status.py": "a task's status computed by one rule, in SQL and in Python",
    },
    "assets": {},
    "incidents": {},
    "intel": {
        "types.py": "the field dictionary: per indicator type its normaliser, STIX path, MISP types",
        "decay.py": "the decay model: expiry and score per type and source",
        "warninglists.py": "the compiled matcher over the enabled MISP warninglists",
        "stixmap.py": "TLP 2.0 markings and STIX 2.1 patterns both ways",
        "formats/": "the import/export format plug-ins and their registry",
        "taxii/": "the TAXII 2.1 server at /taxii2/ (its own protocol, auth and URLs)",
        "demo_data/": "files the demo feeds and imports read",
    },
}

# Management commands that stay top-level (`vigil demo`), not in an app's group.
PLATFORM_COMMANDS = {
    "demo": "migrate, load reference and demo data, serve",
    "serve": "the web server",
    "createuser": "an account with a first membership",
    "token": "API tokens of an account",
    "audit": "verify and seal the audit log",
    "backup": "an archive of the whole installation",
    "restore": "an archive back into an empty installation",
    "load_reference": "every app's reference data (iterates the apps' `reference` loaders)",
}


def app_dirs() -> dict[str, Path]:
    return {p.name: p for p in sorted(ROOT.iterdir()) if (p / "apps.py").is_file()}


def top_level(path: Path) -> set[str]:
    return {
        f"{child.name}/" if child.is_dir() else child.name
        for child in path.iterdir()
        if child.name != "__pycache__" and not child.name.startswith(".")
    }


def command_names(path: Path) -> set[str]:
    commands = path / "management" / "commands"
    if not commands.is_dir():
        return set()
    return {p.stem for p in commands.glob("*.py") if not p.name.startswith("_")}


def test_every_vigil_app_is_listed_here():
    assert set(app_dirs()) == set(DOMAIN), "add the new app to DOMAIN (with {} if it has no domain modules)"


@pytest.mark.parametrize("label", sorted(DOMAIN))
def test_an_app_has_only_the_standard_names_and_its_listed_domain_modules(label):
    names = top_level(ROOT / label)
    unknown = sorted(names - set(STANDARD) - set(DOMAIN[label]))
    assert not unknown, (
        f"vigil/{label}: {unknown} is not a standard name ({', '.join(sorted(STANDARD))}); give it a standard "
        f"place, or list it in DOMAIN[{label!r}] with a reason"
    )
    stale = sorted(set(DOMAIN[label]) - names)
    assert not stale, f"vigil/{label}: {stale} listed in DOMAIN but not there any more"
    assert not set(DOMAIN[label]) & set(STANDARD)


@pytest.mark.parametrize("label", sorted(DOMAIN))
def test_no_app_uses_the_retired_names(label):
    path = ROOT / label
    assert not (path / "tasks.py").exists(), "background jobs live in jobs.py; `tasks` is the committee's Task"
    assert not [p for p in path.rglob("reports") if p.is_dir() and "__pycache__" not in p.parts], (
        "generated files live in documents/; `reports` is not a package name"
    )
    assert not list(path.glob("forms_*.py")), "page forms live in forms/"


def test_every_app_config_is_a_vigil_app_config():
    configs = {c.label: c for c in apps.get_app_configs() if c.name.startswith("vigil.")}
    assert set(configs) == set(app_dirs())
    assert all(isinstance(c, VigilAppConfig) for c in configs.values()), [
        label for label, c in configs.items() if not isinstance(c, VigilAppConfig)
    ]
    assert [c.label for c in vigil_apps()] == [c.label for c in configs.values()]


@pytest.mark.parametrize("label", sorted(DOMAIN))
def test_an_app_declares_what_it_has(label):
    config = apps.get_app_config(label)
    path = ROOT / label
    if (path / "api").is_dir():
        assert config.api_router and config.api_prefix == label, "api/ is mounted at /api/v1/<label>/"
    if (path / "views").is_dir():
        assert config.urls == f"vigil.{label}.urls"
        assert config.url_prefix == ("" if label == "core" else f"{label}/")
    if command_names(path) - set(PLATFORM_COMMANDS):
        assert config.cli_group == label
    assert bool(config.jobs) == (path / "jobs.py").is_file()
    assert bool(config.demo) == (path / "demo.py").is_file()
    assert bool(config.reference) == (path / "reference").is_dir()
    assert bool(config.navigation) == ((path / "navigation.py").is_file() or label == "core")


@pytest.mark.parametrize("label", sorted(DOMAIN))
def test_what_an_app_declares_resolves(label):
    config = apps.get_app_config(label)
    for attribute in ("api_router", "navigation", "demo", "reference", "jobs", "urls"):
        if getattr(config, attribute):
            assert load_object(getattr(config, attribute)) is not None, f"{label}.{attribute}"
    for _prefix, module in config.extra_urls:
        load_object(module)
    for attribute in ("demo", "reference"):
        if getattr(config, attribute):
            assert callable(load_object(getattr(config, attribute))), f"{label}.{attribute}"


@pytest.mark.parametrize("label", sorted(DOMAIN))
def test_the_cli_group_names_every_command_of_the_app(label):
    config = apps.get_app_config(label)
    own = command_names(ROOT / label)
    grouped = {value.split()[0] for value in config.cli_commands.values()}  # "intel import": command, its args
    known = get_commands()
    assert grouped <= own, f"{label}: cli_commands names commands of another app: {grouped - own}"
    assert all(known.get(name) == config.name for name in grouped)
    assert own - set(PLATFORM_COMMANDS) <= grouped, f"{label}: commands outside the group: {own - grouped}"
    assert set(config.cli_help) == set(config.cli_commands), f"{label}: one help line per subcommand"
    assert all("\n" not in line for line in config.cli_help.values())


def test_prefixes_and_groups_are_unique_and_aliases_collide_with_none():
    configs = vigil_apps()
    prefixes = [c.api_prefix for c in configs if c.api_prefix]
    groups = [c.cli_group for c in configs if c.cli_group]
    aliases = [a for c in configs for a in c.api_aliases]
    assert len(prefixes) == len(set(prefixes)) and len(groups) == len(set(groups))
    assert len(aliases) == len(set(aliases))
    assert not set(aliases) & set(prefixes), "a deprecated alias would shadow an app's prefix"


def test_every_api_operation_lives_under_its_apps_prefix():
    from vigil.api import api

    schema = api.get_openapi_schema()
    prefixes = {c.name: c.api_prefix for c in vigil_apps()}
    misplaced = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            module = operation["operationId"]  # vigil_<app>_api_<module>_<function>
            app = "vigil." + module.split("_")[1]
            if not path.startswith(f"/api/v1/{prefixes[app]}/") and path != f"/api/v1/{prefixes[app]}":
                misplaced.append(f"{method.upper()} {path} ({app})")
    assert not misplaced, misplaced


def test_the_menu_holds_every_apps_entries():
    from vigil.core.navigation import registered_entries

    entries = registered_entries()
    for config in vigil_apps():
        if config.navigation:
            declared = load_object(config.navigation)
            assert all(entry in entries for entry in declared.ENTRIES), config.label
