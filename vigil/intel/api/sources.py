"""Intelligence API, sources: list, create, read (with its claim count), change (sharing
with units for TLP:AMBER, recipients for TLP:RED) and delete."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Status

from vigil.core import concurrency
from vigil.core.actors import api_actor
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError
from vigil.intel.api.schemas import DeletedOut, SourceDetailOut, SourceIn, SourceOut, SourcePatch

from .. import selectors as sel
from ..services import sources as svc

router = Router(tags=["intel"])


def _recipients(user, names):
    """TLP:RED recipients among the people `user` may name; an unknown account and one the
    caller may not see get the same error (no enumeration)."""
    if names is None:
        return None
    from vigil.org.selectors.people import recipients_named

    return recipients_named(user=user, values=names)


def _detail(user, source_id: int):
    source = sel.source_get(user, source_id)
    source.stats = sel.source_stats(user, source)
    return source


@router.get("/sources", response=list[SourceOut], summary="Sources you may see")
def list_sources(request, active_only: bool = False):
    return list(sel.sources(request.auth, include_inactive=not active_only).prefetch_related("shared_with"))


@router.post("/sources", response={201: SourceDetailOut},
             summary="Create a source for a unit (needs `add` there)")
def create_source(request, payload: SourceIn):
    user = request.auth
    data = payload.dict()
    owner = unit_ref(user, data.pop("owner_unit"), field="owner_unit", active_only=True, bad_input=True)
    shared = [unit_ref(user, ref, field="shared_with", active_only=True, bad_input=True) for ref in data.pop("shared_with")]
    recipients = _recipients(user, data.pop("recipients"))
    source = svc.source_create(actor=api_actor(request), owner_unit=owner, shared_with=shared,
                               recipients=recipients, **data)
    return Status(201, _detail(user, source.pk))


@router.get("/sources/{int:intel_source_id}", response=SourceDetailOut,
            summary="One source, with how many claims it made")
def get_source(request, intel_source_id: int):
    return concurrency.tag(request, _detail(request.auth, intel_source_id))


@router.patch("/sources/{int:intel_source_id}", response=SourceDetailOut,
              summary="Change a source (fields left out stay as they are)")
def update_source(request, intel_source_id: int, payload: SourcePatch):
    user = request.auth
    source = sel.source_get(user, intel_source_id)
    version = concurrency.if_match(request, source)
    data = payload.dict(exclude_unset=True)
    shared = data.pop("shared_with", None)
    if shared is not None:
        shared = [unit_ref(user, ref, field="shared_with", active_only=True, bad_input=True) for ref in shared]
    recipients = _recipients(user, data.pop("recipients", None))
    for key in ("name", "kind", "reliability", "default_confidence", "tlp", "is_active", "description"):
        if key in data and data[key] is None:
            raise DomainError(_("Trường này không được để trống."), field=key)
    svc.source_update(actor=api_actor(request), source=source, shared_with=shared, recipients=recipients,
                      version=version, **data)
    return concurrency.tag(request, _detail(user, intel_source_id))


@router.delete("/sources/{int:intel_source_id}", response=DeletedOut,
               summary="Delete a source and its claims (indicators are recomputed from the claims that remain)")
def delete_source(request, intel_source_id: int):
    source = sel.source_get(request.auth, intel_source_id)
    concurrency.check(source, concurrency.if_match(request, source))
    recomputed = svc.source_delete(actor=api_actor(request), source=source)
    return {"detail": _("Đã xoá nguồn “%(n)s”.") % {"n": source.name}, "recomputed": recomputed}
