"""Starting a background job from a service without importing the job's module.

Job bodies (`<app>/jobs.py`, Huey tasks) are adapters: they call services, as pages and
API routes do. A service that must start one (e-mail a notification after the commit,
tell the handlers of a new incident) names it instead of importing it, so dependencies
never bounce service → job → service:

    # <app>/jobs.py
    @register_job("incidents.incident_reported")
    @db_task()
    def incident_reported(incident_id, user_id, channel): ...

    # <app>/services/...
    queue.enqueue("incidents.incident_reported", incident.pk, user_id, channel)

Each app's jobs module is imported when the app is ready (`VigilAppConfig.jobs`), so every
job a service names is registered before the first request. `enqueue` looks the job up in
its module at call time (a test may replace it there).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

_JOBS: dict[str, tuple[str, str]] = {}


def register_job(name: str) -> Callable:
    """Decorator: make the (Huey) task below it startable as `enqueue(name, ...)`."""

    def decorate(task):
        func = getattr(task, "func", task)  # a Huey TaskWrapper keeps the function as .func
        known = _JOBS.get(name)
        where = (func.__module__, func.__name__)
        if known is not None and known != where:
            raise ValueError(f"background job {name!r} is registered twice: {known} and {where}")
        _JOBS[name] = where
        return task

    return decorate


def enqueue(name: str, *args, **kwargs):
    """Start the job registered as `name` (queued to the worker; run at once when Huey is
    immediate). LookupError for a name no installed app registered."""
    try:
        module, attribute = _JOBS[name]
    except KeyError:
        raise LookupError(f"no background job is registered as {name!r}") from None
    return getattr(sys.modules[module], attribute)(*args, **kwargs)


def registered_jobs() -> list[str]:
    """The names of the registered jobs."""
    return sorted(_JOBS)
