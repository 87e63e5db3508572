"""Exports: the filtered indicators a user may see, in any registered export format,
streamed, with an audit entry and an ETag so that a resolver or firewall polling the
same blocklist every few minutes costs one aggregate query when nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from vigil.core import audit
from vigil.core.actors import Actor

from .. import selectors
from ..formats import exporter
from ..formats.base import ExportOptions
from ..selectors import IndicatorFilters


@dataclass
class Export:
    chunks: Iterator[str]
    content_type: str
    filename: str
    etag: str


def export_etag(*, actor: Actor, fmt: str, filters: IndicatorFilters) -> str:
    writer = exporter(fmt)
    return selectors.export_etag(actor.user, filters, fmt, types_allowed=writer.types)


def export(*, actor: Actor, fmt: str, filters: IndicatorFilters, title: str = "", extra: dict | None = None,
           etag: str = "") -> Export:
    """Stream an export. The audit entry is written when the stream ends (with the real
    number of rows), so a cancelled download is recorded with what left the platform."""
    writer = exporter(fmt)
    now = timezone.now()
    options = ExportOptions(title=title or "Vigil – chỉ báo", generated_at=now, extra=extra or {})
    rows = selectors.export_rows(actor.user, filters, types_allowed=writer.types, columns=writer.columns)

    def counted():
        for row in rows:
            state["count"] += 1
            yield row

    state = {"count": 0}

    def chunks():
        buffer: list[str] = []
        size = 0
        try:
            for piece in writer.write(counted(), options):
                buffer.append(piece)
                size += len(piece)
                if size >= 256 * 1024:
                    yield "".join(buffer)
                    buffer, size = [], 0
            if buffer:
                yield "".join(buffer)
        finally:
            audit.record_export(actor, object_type="intel.indicator", count=state["count"], fmt=fmt,
                                filters=filters.as_dict())

    stamp = now.strftime("%Y%m%d-%H%M")
    return Export(chunks=chunks(), content_type=writer.content_type,
                  filename=f"vigil-indicators-{stamp}.{writer.extension}", etag=etag)
