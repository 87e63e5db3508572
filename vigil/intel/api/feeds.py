"""Intelligence API, feeds: list, create, read, change, delete, run now, and the history of
runs. The feed services live in `vigil.intel.services.feeds`."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Status

from vigil.core import concurrency
from vigil.core.actors import api_actor
from vigil.core.errors import DomainError, NotFound
from vigil.intel.api.schemas import FeedIn, FeedOut, FeedPatch, FeedRunOut

from .. import selectors as sel

router = Router(tags=["intel"])


def _svc():
    from ..services import feeds

    return feeds


def source_ref(user, source_id: int, field: str = "source_id"):
    """A source named in a request body; an unknown or hidden one is a 400 naming the field."""
    try:
        return sel.source_get(user, source_id)
    except NotFound:
        raise DomainError(_("Không tìm thấy nguồn %(id)s.") % {"id": source_id}, field=field,
                          code="unknown-source") from None


@router.get("/feeds", response=list[FeedOut], summary="Feeds of the sources you may see")
def list_feeds(request):
    return list(sel.feeds(request.auth))


@router.post("/feeds", response={201: FeedOut},
             summary="Create a feed: a URL or a file path, a format, a schedule and defaults")
def create_feed(request, payload: FeedIn):
    user = request.auth
    data = payload.dict()
    source = source_ref(user, data.pop("source_id"))
    feed = _svc().feed_create(actor=api_actor(request), source=source, **data)
    return Status(201, sel.feed_get(user, feed.pk))


@router.get("/feeds/{int:feed_id}", response=FeedOut, summary="One feed")
def get_feed(request, feed_id: int):
    return concurrency.tag(request, sel.feed_get(request.auth, feed_id))


@router.patch("/feeds/{int:feed_id}", response=FeedOut,
              summary="Change a feed (fields left out stay as they are)")
def update_feed(request, feed_id: int, payload: FeedPatch):
    user = request.auth
    feed = sel.feed_get(user, feed_id)
    version = concurrency.if_match(request, feed)
    changes = payload.dict(exclude_unset=True)
    for key in ("name", "format", "interval_minutes", "enabled", "options"):
        if key in changes and changes[key] is None:
            raise DomainError(_("Trường này không được để trống."), field=key)
    _svc().feed_update(actor=api_actor(request), feed=feed, version=version, **changes)
    return concurrency.tag(request, sel.feed_get(user, feed_id))


@router.delete("/feeds/{int:feed_id}", response={204: None},
               summary="Delete a feed (its indicators stay with the source and age out)")
def delete_feed(request, feed_id: int):
    feed = sel.feed_get(request.auth, feed_id)
    concurrency.check(feed, concurrency.if_match(request, feed))
    _svc().feed_delete(actor=api_actor(request), feed=feed)
    return Status(204, None)


@router.post("/feeds/{int:feed_id}/run", response=FeedRunOut,
             summary="Pull the feed now; answers the run (status, counts, errors)")
def run_feed(request, feed_id: int):
    feed = sel.feed_get(request.auth, feed_id)
    return _svc().feed_run(actor=api_actor(request), feed=feed)


@router.get("/feeds/{int:feed_id}/runs", response=list[FeedRunOut], summary="The feed's runs, newest first")
def list_feed_runs(request, feed_id: int, limit: int = 50):
    feed = sel.feed_get(request.auth, feed_id)
    return sel.feed_runs(request.auth, feed, limit=max(1, min(limit, 500)))
