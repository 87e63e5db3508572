"""What a Vigil app brings, declared in its own `AppConfig`.

Every domain app (and core) subclasses `VigilAppConfig` in its `apps.py` and names its
parts there: the API router and its prefix, the page URLs, the menu entries, the demo and
reference-data loaders, the CLI group and the module of background jobs. The project-level
lists iterate the installed apps instead of naming them:

- `vigil/api.py` mounts each `api_router` at `/api/v1/<api_prefix>/`;
- `vigil/urls.py` includes each `urls` at `url_prefix` (and `extra_urls` at the root);
- the menu (`core/navigation.py`) reads each app's `navigation` entries;
- `vigil demo` calls each `demo` loader by `demo_order`, `vigil load-reference` each
  `reference` loader by `reference_order`;
- `vigil --help` and the command groups (`vigil program tasks …`) read `cli_group`,
  `cli_commands` and `cli_help`.

Adding an app therefore means writing its own files and adding it to INSTALLED_APPS.

Dotted paths name a module (`"vigil.org.navigation"`) or an object in it
(`"vigil.org.api:router"`); `load_object()` resolves both.
"""

from collections.abc import Iterator
from importlib import import_module
from typing import Any, ClassVar

from django.apps import AppConfig, apps


class VigilAppConfig(AppConfig):
    """An installed Vigil app and the parts it registers. Every attribute is optional: an
    app declares what it has (tests/test_app_shape.py checks that what exists is declared)."""

    # REST API: the router mounted at /api/v1/<api_prefix>/ ("program" → /api/v1/program/…).
    api_prefix: str | None = None
    api_router: str | None = None  # "vigil.program.api:router"
    # Deprecated for one release: first path segments this app's API answered at before it
    # moved under its prefix (/api/v1/tasks → /api/v1/program/tasks). Served as aliases by
    # core.middleware.DeprecatedApiAliasMiddleware, left out of the OpenAPI document and listed
    # in docs/api-deprecations.md.
    api_aliases: ClassVar[tuple[str, ...]] = ()
    # Pages: the URLconf included at url_prefix ("program/"); "" for the root (core).
    url_prefix: str | None = None
    urls: str | None = None
    # Other URLconfs mounted at the root, as (prefix, module) pairs (intel's TAXII server).
    extra_urls: ClassVar[tuple[tuple[str, str], ...]] = ()
    # Menu: a module with ENTRIES (a list of core.navigation.NavEntry), or "module:name"
    # naming such a list or a function returning one.
    navigation: str | None = None
    # `vigil demo`: a function load(*, actor) -> [(username, password, who)], called in
    # demo_order (lower first) inside one transaction with the platform actor.
    demo: str | None = None
    demo_order: int = 100
    # `vigil load-reference`: a function load_all() -> {key: LoadCounts}, called in
    # reference_order; the loader's module may hold REPORT_LINES {key: translated line with
    # %(created)s/%(updated)s/%(unchanged)s} for the command's summary.
    reference: str | None = None
    reference_order: int = 100
    # CLI: `vigil <cli_group> <subcommand> …` runs management command cli_commands[subcommand]
    # ("tasks"; or a command and the arguments it starts with: "intel import");
    # cli_help[subcommand] is its one-line usage in `vigil --help` ("USAGE — what it does").
    cli_group: str | None = None
    cli_commands: ClassVar[dict[str, str]] = {}
    cli_help: ClassVar[dict[str, str]] = {}
    # Background jobs (Huey): imported by ready() so the consumer registers them. Never a
    # module named `tasks` ("tasks" are the committee's Task).
    jobs: str | None = None
    # Notifications: modules whose `KINDS` list (of core.notify.NotificationKind) are the kinds
    # of notification this app sends (the preferences page lists them; notify() refuses others).
    notification_kinds: ClassVar[tuple[str, ...]] = ()

    # Django picks an app's config from its apps.py when exactly one AppConfig subclass there
    # is a candidate, or the one marked `default = True`. Importing this base class into
    # apps.py makes two candidates, so the base opts out and every subclass opts in.
    default = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "default" not in cls.__dict__:
            cls.default = True

    def ready(self):
        if self.jobs:
            import_module(self.jobs)


def vigil_apps() -> list[VigilAppConfig]:
    """The installed Vigil apps, in INSTALLED_APPS order."""
    return [config for config in apps.get_app_configs() if isinstance(config, VigilAppConfig)]


def ordered(attribute: str) -> Iterator[VigilAppConfig]:
    """The apps that declare `attribute` (e.g. "demo"), by its `<attribute>_order`; apps of
    the same order keep INSTALLED_APPS order."""
    declared = [config for config in vigil_apps() if getattr(config, attribute)]
    yield from sorted(declared, key=lambda config: getattr(config, f"{attribute}_order"))


def load_object(path: str) -> Any:
    """The module named by "a.b.c", or the object named by "a.b.c:name" (a dotted name
    after the colon walks attributes)."""
    module_name, _, attribute = path.partition(":")
    target: Any = import_module(module_name)
    for part in filter(None, attribute.split(".")):
        target = getattr(target, part)
    return target
