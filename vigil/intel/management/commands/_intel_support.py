"""Shared pieces of `vigil intel`: error and count lines, the option groups its
subcommands share, and the few objects whose JSON needs more than the API's schema."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import safejson
from vigil.core.commands import schema_data, usage_error
from vigil.core.models import TLP
from vigil.core.refs import is_pk
from vigil.intel import selectors as sel
from vigil.intel.api.schemas import FeedOut
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


def feed_data(feed) -> dict:
    """A feed as the API's `FeedOut` shows it, its URL without the credentials it may carry
    (`feeds.safe_url`): the shell's output ends up in logs and tickets."""
    data = schema_data(FeedOut, feed)
    data["url"] = feed_svc.safe_url(feed.url)
    return data


def source_detail(user, source):
    """The source with what `SourceDetailOut` adds (as the API's GET of a source)."""
    source.stats = sel.source_stats(user, source)
    return source


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
        lines.append("  " + ngettext("… và %(n)s lỗi khác", "… và %(n)s lỗi khác", total - ERRORS_SHOWN) % {"n": total - ERRORS_SHOWN})
    return lines


def _json_arg(value: str, option: str):
    try:
        return safejson.loads(value)
    except json.JSONDecodeError as exc:
        raise usage_error(_("%(opt)s: JSON không hợp lệ (%(error)s).") % {"opt": option, "error": exc.msg}) from None


def _int_id(value, option: str) -> int:
    text = str(value).strip()
    if not is_pk(text):
        raise usage_error(_("%(opt)s phải là số: %(v)s") % {"opt": option, "v": text})
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
