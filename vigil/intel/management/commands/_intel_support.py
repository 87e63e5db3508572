"""Shared pieces of `vigil intel`: the JSON shapes of its objects, error and count lines,
and the option groups its subcommands share."""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from vigil.core import safejson
from vigil.core.models import TLP
from vigil.core.refs import is_pk
from vigil.intel import selectors as sel
from vigil.intel.models import Feed, Source
from vigil.intel.services import feeds as feed_svc

ERRORS_SHOWN = 20
TLP_CHOICES = list(TLP.values)
IMPORT_FORMATS = list(Feed.Format.values)
EXPORT_FORMATS = ["stix", "misp", "csv", "list", "rpz", "nftables", "ipset", "suricata"]
PLATFORM_ACTIONS = {("feeds", "run-due")}  # the job by hand: no identity
PLATFORM_OR_ADMIN = {("warninglists", "load"), ("taxonomies", "load")}


def _iso(value):
    return value.isoformat() if value else None


def indicator_dict(i, *, now=None) -> dict:
    return {
        "id": i.pk, "type": i.type, "value": i.value, "value_defanged": i.display_value, "stix_id": i.stix_id,
        "tlp": i.tlp, "confidence": i.confidence, "status": i.status_at(now), "first_seen": _iso(i.first_seen),
        "last_seen": _iso(i.last_seen), "expires_at": _iso(i.expires_at), "warning": i.warning,
        "revoked_at": _iso(i.revoked_at), "revoked_reason": i.revoked_reason,
        "tags": list(getattr(i, "tag_names", [])),
    }


def claim_dict(c) -> dict:
    return {
        "source": {"id": c.source_id, "name": c.source.name, "unit": c.source.owner_unit.code},
        "tlp": c.tlp, "confidence": c.confidence, "first_seen": _iso(c.first_seen), "last_seen": _iso(c.last_seen),
        "expires_at": _iso(c.expires_at), "description": c.description, "external_id": c.external_id,
        "attack_ids": list(c.attack_ids or []), "kill_chain": list(c.kill_chain or []),
        "tags": [t.name for t in c.tags.all()],
    }


def sighting_dict(s) -> dict:
    return {"id": s.pk, "unit": s.owner_unit.code, "origin": s.origin, "seen_at": _iso(s.seen_at), "count": s.count,
            "note": s.note, "tlp": s.tlp}


def source_dict(s) -> dict:
    return {
        "id": s.pk, "name": s.name, "unit": s.owner_unit.code, "kind": s.kind, "tlp": s.tlp,
        "reliability": s.reliability, "default_confidence": s.default_confidence, "lifetime_days": s.lifetime_days,
        "is_active": s.is_active, "description": s.description,
    }


def feed_dict(f) -> dict:
    return {
        "id": f.pk, "name": f.name, "source": {"id": f.source_id, "name": f.source.name},
        "url": feed_svc.safe_url(f.url), "path": f.path, "format": f.format, "indicator_type": f.indicator_type,
        "options": f.options, "confidence": f.confidence, "tlp": f.tlp, "interval_minutes": f.interval_minutes,
        "enabled": f.enabled, "last_run_at": _iso(f.last_run_at), "next_run_at": _iso(f.next_run_at),
    }


def run_dict(r) -> dict:
    return {
        "id": r.pk, "feed": r.feed_id, "status": r.status, "started_at": _iso(r.started_at),
        "finished_at": _iso(r.finished_at), "http_status": r.http_status, "bytes": r.bytes, "sha256": r.sha256,
        "counts": r.counts, "errors": r.errors, "error": r.error,
    }


def job_dict(j) -> dict:
    return {
        "id": j.pk, "source": {"id": j.source_id, "name": j.source.name}, "format": j.format,
        "filename": j.filename, "sha256": j.sha256, "size": j.size, "status": j.status,
        "records_done": j.records_done, "counts": j.counts, "errors": j.errors,
        "started_at": _iso(j.started_at), "finished_at": _iso(j.finished_at),
    }


def warninglist_dict(w, *, entries: bool = False) -> dict:
    data = {"id": w.pk, "slug": w.slug, "name": w.name, "kind": w.kind, "version": w.version,
            "entry_count": w.entry_count, "enabled": w.enabled, "matching_attributes": w.matching_attributes,
            "description": w.description}
    if entries:
        data["entries"] = list(w.entries or [])
    return data


def _counts_line(counts: dict) -> str:
    return _("%(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi, %(invalid)s lỗi, "
             "%(warninglisted)s trong danh sách cảnh báo") % {
        k: counts.get(k, 0) for k in ("created", "updated", "unchanged", "invalid", "warninglisted")}


def _error_lines(errors: list, total: int | None = None) -> list[str]:
    lines = []
    for e in errors[:ERRORS_SHOWN]:
        where = _("dòng %(line)s") % {"line": e.get("line")} if e.get("line") else ""
        if e.get("ref"):
            where = f"{where} ({e['ref']})" if where else e["ref"]
        field = f" [{e['field']}]" if e.get("field") else ""
        lines.append(f"  {where}{field}: {e.get('message', '')}")
    total = len(errors) if total is None else total
    if total > ERRORS_SHOWN:
        lines.append("  " + _("… và %(n)s lỗi khác") % {"n": total - ERRORS_SHOWN})
    return lines


def _json_arg(value: str, option: str):
    try:
        return safejson.loads(value)
    except json.JSONDecodeError as exc:
        raise CommandError(_("%(opt)s: JSON không hợp lệ (%(error)s).") % {"opt": option, "error": exc.msg},
                           returncode=2) from None


def _int_id(value, option: str) -> int:
    text = str(value).strip()
    if not is_pk(text):
        raise CommandError(_("%(opt)s phải là số: %(v)s") % {"opt": option, "v": text}, returncode=2)
    return int(text)


def _add_filters(parser) -> None:
    parser.add_argument("--type", action="append", default=[], help="indicator type (repeat)")
    parser.add_argument("--min-confidence", default=None)
    parser.add_argument("--max-tlp", default=None, choices=TLP_CHOICES)
    parser.add_argument("--max-age-days", default=None, help="last seen within N days")
    parser.add_argument("--status", default=None, choices=list(sel.STATUSES))
    parser.add_argument("--source", default=None, help="id of a source")
    parser.add_argument("--tag", default=None)


def _add_source_fields(parser, *, create: bool) -> None:
    parser.add_argument("--name", required=create, default=None)
    parser.add_argument("--unit", required=create, default=None, help="code of the owning unit")
    parser.add_argument("--tlp", default=TLP.AMBER if create else None, choices=TLP_CHOICES)
    parser.add_argument("--kind", default=Source.Kind.PARTNER if create else None, choices=list(Source.Kind.values))
    parser.add_argument("--reliability", default=None, choices=list(Source.Reliability.values))
    parser.add_argument("--confidence", type=int, default=None, help="default confidence 0-100")
    parser.add_argument("--lifetime-days", type=int, default=None)
    parser.add_argument("--description", default=None)
    parser.add_argument("--share-with", action="append", default=None, help="code of a unit (repeat)")


def _add_feed_fields(parser, *, create: bool) -> None:
    parser.add_argument("--source", required=create, default=None, help="id or name of a source")
    parser.add_argument("--name", required=create, default=None)
    parser.add_argument("--url", default=None)
    parser.add_argument("--path", default=None)
    parser.add_argument("--format", required=create, default=None, choices=IMPORT_FORMATS)
    parser.add_argument("--type", dest="indicator_type", default=None, help="indicator type of every line")
    parser.add_argument("--options", default=None, help="format options as JSON")
    parser.add_argument("--confidence", type=int, default=None)
    parser.add_argument("--tlp", default=None, choices=TLP_CHOICES)
    parser.add_argument("--interval", type=int, default=60 if create else None, help="minutes between runs")
    if create:
        parser.add_argument("--disabled", action="store_true")
    else:
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--enable", dest="enabled", action="store_true", default=None)
        state.add_argument("--disable", dest="enabled", action="store_false", default=None)
