"""`vigil intel …`: threat intelligence from the shell, through the same selectors and
services (and so the same access rules) as the pages, the API and TAXII.

    vigil intel import FILE --format stix|misp|csv|list|hosts [--source NAME|ID] [--unit CODE]
                     [--tlp T] [--confidence N] [--type T] [--mapping JSON] [--skip-invalid] [--force] --as USER
    vigil intel export --format stix|misp|csv|list|rpz|nftables|ipset|suricata [--type T ...]
                     [--min-confidence N] [--max-tlp T] [--max-age-days N] [--status S] [--source ID]
                     [--tag T] [--zone Z] [--output FILE] --as USER
    vigil intel indicators list [filters] [--q TEXT] [--limit N] [--cursor C] --as USER [--json]
    vigil intel indicators show ID|TYPE:VALUE --as USER [--json]
    vigil intel indicators add --type T --value V [--unit CODE] [--tlp T] [--confidence N] [--tag T ...]
                     [--description T] --as USER
    vigil intel indicators revoke ID --reason T --as USER | indicators restore ID --as USER
    vigil intel sightings add INDICATOR_ID --unit CODE [--count N] [--note T] [--seen-at ISO] --as USER
    vigil intel sources list|show ID|create|update ID|delete ID ... --as USER
    vigil intel feeds list|show ID|create|update ID|delete ID|run ID ... --as USER
    vigil intel feeds run-due                        (the scheduled job by hand; platform authority)
    vigil intel warninglists list|show ID|enable ID|disable ID --as USER
    vigil intel warninglists load DIR | taxonomies load DIR   (platform authority, or --as an administrator)
    vigil intel taxonomies list --as USER
    vigil intel imports list|show ID --as USER

`--as` may be replaced by the environment variable VIGIL_USER. An import that fails exits
with status 1 and lists the bad lines by number; nothing of a refused batch is written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import audit
from vigil.core.access import can_in_unit
from vigil.core.commands import VigilCommand, add_identity_arguments, parse_datetime, schema_data
from vigil.core.errors import DomainError, NotFound
from vigil.core.models import TLP
from vigil.core.observables import defang as obs_defang
from vigil.core.refs import is_pk
from vigil.intel import selectors as sel
from vigil.intel import types
from vigil.intel.api.schemas import (
    ImportJobDetailOut,
    IndicatorDetailOut,
    IndicatorOut,
    IndicatorPageOut,
    SightingOut,
)
from vigil.intel.models import Source
from vigil.intel.selectors import IndicatorFilters
from vigil.intel.services import exports as export_svc
from vigil.intel.services import imports as import_svc
from vigil.intel.services import indicators as indicator_svc
from vigil.org.selectors import memberships as membership_sel
from vigil.org.selectors import people as people_sel

from ._intel_catalogue import CatalogueCommands
from ._intel_support import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    PLATFORM_ACTIONS,
    PLATFORM_OR_ADMIN,
    TLP_CHOICES,
    _add_feed_fields,
    _add_filters,
    _add_source_fields,
    _counts_line,
    _error_lines,
    _int_id,
    _json_arg,
)


class Command(CatalogueCommands, VigilCommand):
    help = ("Threat intelligence: import, export, indicators, sightings, sources, feeds, warninglists, "
            "taxonomies, imports.")

    def add_arguments(self, parser):
        groups = parser.add_subparsers(dest="group", required=True)

        p = groups.add_parser("import", help="import a file into a source")
        p.add_argument("file")
        p.add_argument("--format", required=True, choices=IMPORT_FORMATS)
        p.add_argument("--source", default=None, help="id or name of an existing source")
        p.add_argument("--unit", default=None, help="code of the source's unit, when several share the name")
        p.add_argument("--tlp", default=None, choices=TLP_CHOICES)
        p.add_argument("--confidence", type=int, default=None)
        p.add_argument("--type", default=None, help="indicator type of every line (list, csv)")
        p.add_argument("--mapping", default=None, help="CSV column mapping as JSON")
        p.add_argument("--skip-invalid", action="store_true", help="import the good lines, report the bad")
        p.add_argument("--force", action="store_true", help="import again a file already imported (refresh)")
        add_identity_arguments(p)

        p = groups.add_parser("export", help="export the indicators you may see")
        p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
        _add_filters(p)
        p.add_argument("--zone", default=None, help="RPZ zone name")
        p.add_argument("--output", default=None, help="file to write (default: standard output)")
        add_identity_arguments(p)

        ind = groups.add_parser("indicators", help="indicators").add_subparsers(dest="action", required=True)
        p = ind.add_parser("list")
        _add_filters(p)
        p.add_argument("--q", default=None, help="a value or part of one")
        p.add_argument("--limit", type=int, default=50)
        p.add_argument("--cursor", default=None)
        add_identity_arguments(p)
        p = ind.add_parser("show")
        p.add_argument("indicator", help="id or TYPE:VALUE")
        add_identity_arguments(p)
        p = ind.add_parser("add")
        p.add_argument("--type", required=True, choices=list(types.TYPES))
        p.add_argument("--value", required=True)
        p.add_argument("--unit", default=None)
        p.add_argument("--tlp", default=TLP.AMBER, choices=TLP_CHOICES)
        p.add_argument("--confidence", type=int, default=None)
        p.add_argument("--tag", action="append", default=[])
        p.add_argument("--description", default="")
        add_identity_arguments(p)
        p = ind.add_parser("revoke")
        p.add_argument("indicator")
        p.add_argument("--reason", required=True)
        add_identity_arguments(p)
        p = ind.add_parser("restore")
        p.add_argument("indicator")
        add_identity_arguments(p)
        p = ind.add_parser("allow", help="activate a warninglisted indicator all the same")
        p.add_argument("indicator")
        p.add_argument("--reason", default="")
        p.add_argument("--undo", action="store_true", help="let the warninglist hold it back again")
        add_identity_arguments(p)

        sig = groups.add_parser("sightings", help="sightings").add_subparsers(dest="action", required=True)
        p = sig.add_parser("add")
        p.add_argument("indicator", help="id or TYPE:VALUE")
        p.add_argument("--unit", required=True)
        p.add_argument("--count", type=int, default=1)
        p.add_argument("--note", default="")
        p.add_argument("--seen-at", default=None, help="ISO 8601 time")
        p.add_argument("--tlp", default=TLP.AMBER, choices=TLP_CHOICES)
        add_identity_arguments(p)

        src = groups.add_parser("sources", help="sources").add_subparsers(dest="action", required=True)
        add_identity_arguments(src.add_parser("list"))
        for name in ("show", "delete"):
            p = src.add_parser(name)
            p.add_argument("source", help="id or name")
            add_identity_arguments(p)
        p = src.add_parser("create")
        _add_source_fields(p, create=True)
        add_identity_arguments(p)
        p = src.add_parser("update")
        p.add_argument("source")
        _add_source_fields(p, create=False)
        state = p.add_mutually_exclusive_group()
        state.add_argument("--active", dest="is_active", action="store_true", default=None)
        state.add_argument("--inactive", dest="is_active", action="store_false", default=None)
        add_identity_arguments(p)

        fd = groups.add_parser("feeds", help="feeds").add_subparsers(dest="action", required=True)
        add_identity_arguments(fd.add_parser("list"))
        for name in ("show", "delete", "run"):
            p = fd.add_parser(name)
            p.add_argument("feed")
            add_identity_arguments(p)
        p = fd.add_parser("create")
        _add_feed_fields(p, create=True)
        add_identity_arguments(p)
        p = fd.add_parser("update")
        p.add_argument("feed")
        _add_feed_fields(p, create=False)
        add_identity_arguments(p)
        p = fd.add_parser("run-due", help="run every due feed now (the scheduled job)")
        add_identity_arguments(p, as_user=False)

        wl = groups.add_parser("warninglists", help="warninglists").add_subparsers(dest="action", required=True)
        add_identity_arguments(wl.add_parser("list"))
        for name in ("show", "enable", "disable"):
            p = wl.add_parser(name)
            p.add_argument("warninglist", help="id or slug")
            add_identity_arguments(p)
        p = wl.add_parser("load")
        p.add_argument("directory")
        add_identity_arguments(p)

        tx = groups.add_parser("taxonomies", help="MISP taxonomies").add_subparsers(dest="action", required=True)
        add_identity_arguments(tx.add_parser("list"))
        p = tx.add_parser("load")
        p.add_argument("directory")
        add_identity_arguments(p)

        im = groups.add_parser("imports", help="import jobs").add_subparsers(dest="action", required=True)
        add_identity_arguments(im.add_parser("list"))
        p = im.add_parser("show")
        p.add_argument("job")
        add_identity_arguments(p)

    def handle(self, *args, group, **options):
        action = options.get("action")
        key = (group, action)
        if key in PLATFORM_ACTIONS or (key in PLATFORM_OR_ADMIN and not self._named_user(options)):
            user = None
        else:
            user = self.user(options)
        name = f"do_{group}" + (f"_{action.replace('-', '_')}" if action else "")
        with self.language_of(user):
            return self.guarded(lambda: getattr(self, name)(user, options))

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _named_user(options) -> bool:
        return bool((options.get("as_user") or os.environ.get("VIGIL_USER", "")).strip())

    def _ok(self, message: str) -> None:
        self.stdout.write(self.style.SUCCESS(message))

    def _unit(self, user, code, field="unit"):
        return self.unit(user, code, field=field, active_only=True)

    def _home_unit(self, user, code, field="unit"):
        """--unit, or the first unit of the user's own memberships where they may add."""
        if code:
            return self._unit(user, code, field)
        for m in membership_sel.my_memberships(user=user):
            if can_in_unit(user, "add", m.unit):
                return m.unit
        unit = people_sel.units_where(user=user, action="add").first()
        if unit is None:
            raise DomainError(_("Bạn không có quyền thêm dữ liệu ở đơn vị nào; hãy chọn --unit."), field=field)
        return unit

    def _source(self, user, ref, *, unit_code=None, field="source") -> Source:
        ref = str(ref or "").strip()
        if is_pk(ref):
            return sel.source_get(user, int(ref))
        rows = sel.sources(user).filter(name=ref)
        if unit_code:
            rows = rows.filter(owner_unit__code=unit_code)
        found = list(rows[:5])
        if not found:
            raise NotFound(_("Không tìm thấy nguồn %(s)s.") % {"s": ref}, field=field)
        if len(found) > 1:
            raise DomainError(_("Nhiều nguồn mang tên %(s)s (đơn vị: %(units)s); dùng số hiệu hoặc --unit.")
                              % {"s": ref, "units": ", ".join(s.owner_unit.code for s in found)}, field=field)
        return found[0]

    def _indicator(self, user, ref):
        ref = str(ref).strip()
        if is_pk(ref):
            return sel.indicator_get(user, int(ref))
        code, sep, value = ref.partition(":")
        found = None
        if sep and code in types.TYPES:
            found = sel.indicator_by_value(user, code, value)
        else:
            code, value = types.detect(ref)
            found = sel.indicator_by_value(user, code, value)
        if found is None:
            raise NotFound(_("Không tìm thấy chỉ báo %(v)s.") % {"v": ref[:200]}, field="indicator")
        return found

    def _feed(self, user, ref):
        return sel.feed_get(user, _int_id(ref, "feed"))

    def _warninglist(self, user, ref):
        ref = str(ref).strip()
        if is_pk(ref):
            return sel.warninglist_get(user, int(ref))
        found = sel.warninglists(user).filter(slug=ref).first()
        if found is None:
            raise NotFound(_("Không tìm thấy danh sách cảnh báo %(v)s.") % {"v": ref}, field="warninglist")
        return found

    def _filters(self, options, **extra) -> IndicatorFilters:
        data = {
            "type": options.get("type") or [], "status": options.get("status"),
            "min_confidence": options.get("min_confidence"), "max_tlp": options.get("max_tlp"),
            "max_age_days": options.get("max_age_days"), "source": options.get("source"),
            "tag": options.get("tag"), **extra,
        }
        return IndicatorFilters.parse({k: v for k, v in data.items() if v not in (None, "")})

    # ------------------------------------------------------------------ import / export

    def do_import(self, user, options):
        path = Path(options["file"]).expanduser()
        if not path.is_file():
            raise CommandError(_("Không có tệp %(f)s.") % {"f": options["file"]}, returncode=2)
        actor = self.actor(user)
        source = self._import_source(user, options)
        import_options = {}
        if options["mapping"]:
            import_options["mapping"] = _json_arg(options["mapping"], "--mapping")
        started = timezone.now()

        def progress(job):
            self.stderr.write(ngettext("… %(n)s bản ghi", "… %(n)s bản ghi", job.records_done) % {
                "n": f"{job.records_done:,}".replace(",", ".")})

        job = import_svc.import_path(
            actor=actor, source=source, path=path, fmt=options["format"], type_code=options["type"] or "",
            options=import_options, tlp=options["tlp"], confidence=options["confidence"],
            skip_invalid=options["skip_invalid"], refresh=options["force"], filename=path.name, progress=progress,
        )
        stored = job.stix_objects
        if job.status != "done":
            lines = [_("Nhập thất bại (lần nhập #%(id)s, nguồn “%(source)s”): %(counts)s")
                     % {"id": job.pk, "source": source.name, "counts": _counts_line(job.counts or {})}]
            lines += _error_lines(job.errors or [], (job.counts or {}).get("invalid") or len(job.errors or []))
            lines.append(_("Không ghi gì của lô có lỗi; sửa các dòng trên hoặc dùng --skip-invalid."))
            raise CommandError("\n".join(lines), returncode=1)
        if options["json"]:
            data = schema_data(ImportJobDetailOut, job)
            data["already_imported"] = bool(job.finished_at and job.finished_at < started)
            if stored is not None:
                data["stix_objects"] = stored
            return self.emit_json(data)
        if job.errors:
            for line in _error_lines(job.errors, (job.counts or {}).get("invalid") or len(job.errors)):
                self.stderr.write(line)
        if job.finished_at and job.finished_at < started:
            self._ok(_("Tệp này đã được nhập vào nguồn “%(source)s” (lần nhập #%(id)s); không có gì thay đổi. "
                       "Dùng --force để nhập lại.") % {"source": source.name, "id": job.pk})
            return None
        self._ok(_("Đã nhập vào nguồn “%(source)s” (lần nhập #%(id)s): %(counts)s.")
                 % {"source": source.name, "id": job.pk, "counts": _counts_line(job.counts or {})})
        if stored is not None:
            self.stdout.write(_("Đối tượng STIX đã lưu: %(c)s") % {"c": json.dumps(stored, ensure_ascii=False)})
        return None

    def _import_source(self, user, options) -> Source:
        """--source by id or name (with --unit when names repeat): an existing source. The
        import creates none (see `services.imports`): `vigil intel sources create` does."""
        ref = (options["source"] or "").strip()
        if not ref:
            raise DomainError(_("Hãy chọn nguồn nhận dữ liệu: --source (số hiệu hoặc tên); tạo nguồn mới bằng "
                                "“vigil intel sources create”."), field="--source")
        try:
            return self._source(user, ref, unit_code=options["unit"], field="--source")
        except NotFound:
            raise NotFound(_("Không tìm thấy nguồn %(s)s; tạo nguồn bằng “vigil intel sources create --name …”.")
                           % {"s": ref}, field="--source") from None

    def do_export(self, user, options):
        filters = self._filters(options)
        extra = {"zone": options["zone"]} if options["zone"] else None
        result = export_svc.export(actor=self.actor(user), fmt=options["format"], filters=filters, extra=extra)
        output = options["output"]
        if not output:
            for chunk in result.chunks:
                self.stdout.write(chunk, ending="")
            return None
        target = Path(output).expanduser()
        partial = target.with_name(target.name + ".partial")
        lines = size = 0
        try:
            with open(partial, "w", encoding="utf-8", newline="") as fh:
                for chunk in result.chunks:
                    fh.write(chunk)
                    lines += chunk.count("\n")
                    size += len(chunk.encode("utf-8"))
                    self.stderr.write(ngettext("… %(n)s dòng", "… %(n)s dòng", lines) % {"n": lines})
            os.replace(partial, target)  # a resolver reading the file never sees half of it
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(_("Không ghi được tệp %(f)s: %(e)s") % {"f": output, "e": exc}, returncode=1) from exc
        if options["json"]:
            return self.emit_json({"output": str(target), "lines": lines, "bytes": size, "format": options["format"]})
        self._ok(ngettext("Đã xuất %(lines)s dòng (%(bytes)s byte) vào %(file)s.",
                          "Đã xuất %(lines)s dòng (%(bytes)s byte) vào %(file)s.", lines)
                 % {"lines": lines, "bytes": size, "file": target})
        return None

    # ------------------------------------------------------------------ indicators

    def do_indicators_list(self, user, options):
        filters = self._filters(options, q=options["q"])
        page = sel.indicator_page(user, filters, cursor=options["cursor"] or "", limit=options["limit"])
        rows = sel.with_tag_names(user, page.rows)
        now = timezone.now()
        if options["json"]:
            return self.emit_schema(IndicatorPageOut, {"items": rows, "next_cursor": page.next_cursor or None})
        for i in rows:
            self.stdout.write(f"{i.pk:>8}  {i.type:<12} {i.tlp:<12} {i.confidence:>3}  {i.status_at(now):<13} "
                              f"{i.last_seen:%d/%m/%Y}  {i.display_value}")
        self.stdout.write(ngettext("%(n)s chỉ báo.", "%(n)s chỉ báo.", len(rows)) % {"n": len(rows)})
        if page.next_cursor:
            self.stdout.write(_("Trang sau: --cursor %(c)s") % {"c": page.next_cursor})
        return None

    def do_indicators_show(self, user, options):
        i = self._indicator(user, options["indicator"])
        audit.record_view(self.actor(user), i)  # TLP:RED reads are recorded
        corr = sel.correlations(user, i)
        for s in corr["sightings"]:
            s.indicator = i
        i = sel.with_tag_names(user, [i])[0]
        if options["json"]:
            i.correlated = corr  # as the API's GET of an indicator
            return self.emit_schema(IndicatorDetailOut, i)
        out = self.stdout.write
        out(f"#{i.pk} {i.type}: {i.display_value}")
        out(f"  {_('Trạng thái')}: {i.status}  TLP: {i.tlp}  {_('Độ tin cậy')}: {i.confidence}")
        out(f"  {_('Thấy lần đầu')}: {i.first_seen:%d/%m/%Y %H:%M}  {_('Thấy lần cuối')}: {i.last_seen:%d/%m/%Y %H:%M}"
            f"  {_('Hết hiệu lực')}: {i.expires_at:%d/%m/%Y %H:%M}")
        if i.warning:
            out(f"  {_('Danh sách cảnh báo')}: {i.warning}")
        if i.revoked_at:
            out(f"  {_('Đã thu hồi')}: {i.revoked_at:%d/%m/%Y %H:%M} — {i.revoked_reason}")
        if i.tag_names:
            out(f"  {_('Nhãn')}: {', '.join(i.tag_names)}")
        out(_("Nguồn (%(n)s):") % {"n": len(corr["claims"])})
        for c in corr["claims"]:
            tags = ", ".join(t.name for t in c.tags.all())
            out(f"  {c.source.name} [{c.source.owner_unit.code}] TLP:{c.tlp} {c.confidence} "
                f"{c.last_seen:%d/%m/%Y}" + (f" {tags}" if tags else "")
                + (f" ATT&CK: {', '.join(c.attack_ids)}" if c.attack_ids else ""))
        out(_("Ghi nhận (%(n)s):") % {"n": len(corr["sightings"])})
        for s in corr["sightings"]:
            out(f"  {s.seen_at:%d/%m/%Y %H:%M} {s.owner_unit.code} ×{s.count} {s.note}".rstrip())
        out(_("Sự cố liên quan (%(n)s):") % {"n": len(corr["observables"])})
        for o in corr["observables"]:
            out(f"  {o.incident.reference} {o.kind}: {obs_defang(o.kind, o.value)}")
        return None

    def do_indicators_add(self, user, options):
        unit = self._home_unit(user, options["unit"])
        i = indicator_svc.indicator_add_manual(
            actor=self.actor(user), unit=unit, type=options["type"], value=options["value"], tlp=options["tlp"],
            confidence=options["confidence"], tags=options["tag"], description=options["description"],
        )
        if options["json"]:
            return self.emit_schema(IndicatorOut, sel.indicator_get(user, i.pk))
        self._ok(_("Đã ghi chỉ báo #%(id)s %(value)s.") % {"id": i.pk, "value": i.display_value})
        return None

    def do_indicators_revoke(self, user, options):
        i = self._indicator(user, options["indicator"])
        indicator_svc.indicator_revoke(actor=self.actor(user), indicator=i, reason=options["reason"])
        if options["json"]:
            i.refresh_from_db()
            return self.emit_schema(IndicatorOut, i)
        self._ok(_("Đã thu hồi chỉ báo #%(id)s.") % {"id": i.pk})
        return None

    def do_indicators_restore(self, user, options):
        i = self._indicator(user, options["indicator"])
        indicator_svc.indicator_restore(actor=self.actor(user), indicator=i)
        if options["json"]:
            i.refresh_from_db()
            return self.emit_schema(IndicatorOut, i)
        self._ok(_("Đã khôi phục chỉ báo #%(id)s.") % {"id": i.pk})
        return None

    def do_indicators_allow(self, user, options):
        i = self._indicator(user, options["indicator"])
        indicator_svc.indicator_allow(actor=self.actor(user), indicator=i, reason=options["reason"],
                                      allow=not options["undo"])
        if options["json"]:
            i.refresh_from_db()
            return self.emit_schema(IndicatorOut, i)
        if options["undo"]:
            self._ok(_("Chỉ báo #%(id)s lại bị danh sách cảnh báo giữ lại.") % {"id": i.pk})
        else:
            self._ok(_("Đã kích hoạt chỉ báo #%(id)s dù có trong danh sách cảnh báo.") % {"id": i.pk})
        return None

    def do_sightings_add(self, user, options):
        i = self._indicator(user, options["indicator"])
        unit = self._unit(user, options["unit"])
        seen_at = parse_datetime(options["seen_at"], "--seen-at")
        s = indicator_svc.sighting_add(actor=self.actor(user), indicator=i, unit=unit, seen_at=seen_at,
                                       count=options["count"], note=options["note"], tlp=options["tlp"])
        if options["json"]:
            return self.emit_schema(SightingOut, s)
        self._ok(_("Đã ghi nhận #%(id)s cho chỉ báo #%(ind)s.") % {"id": s.pk, "ind": i.pk})
        return None
