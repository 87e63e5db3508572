"""`vigil intel sources|feeds|warninglists|taxonomies|imports …`: the catalogue of where
indicators come from, as methods the `intel` command mixes in."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import schema_data
from vigil.core.errors import DomainError
from vigil.intel import selectors as sel
from vigil.intel.api.schemas import (
    DeletedOut,
    FeedRunOut,
    ImportJobDetailOut,
    ImportJobOut,
    SourceDetailOut,
    SourceOut,
    TaxonomyOut,
    WarninglistDetailOut,
    WarninglistOut,
)
from vigil.intel.services import feeds as feed_svc
from vigil.intel.services import sources as source_svc
from vigil.intel.services import warninglists as warninglist_svc

from ._intel_support import (
    _counts_line,
    _error_lines,
    _int_id,
    _iso,
    _json_arg,
    feed_data,
    source_detail,
)


class CatalogueCommands:
    """Subcommands about sources, feeds, warninglists, taxonomies and import jobs."""

    # ------------------------------------------------------------------ sources

    def do_sources_list(self, user, options):
        rows = list(sel.sources(user))
        if options["json"]:
            return self.emit_schema(SourceOut, rows, many=True)
        for s in rows:
            state = "" if s.is_active else f" ({_('ngừng')})"
            self.stdout.write(f"{s.pk:>6}  {s.owner_unit.code:<16} {s.tlp:<12} {s.kind:<9} {s.reliability} "
                              f"{s.default_confidence:>3}  {s.name}{state}")
        self.stdout.write(ngettext("%(n)s nguồn.", "%(n)s nguồn.", len(rows)) % {"n": len(rows)})
        return None

    def do_sources_show(self, user, options):
        s = self._source(user, options["source"])
        stats = sel.source_stats(user, s)
        feeds = [f for f in sel.feeds(user) if f.source_id == s.pk]
        if options["json"]:
            s.stats = stats
            return self.emit_schema(SourceDetailOut, s, feeds=[feed_data(f) for f in feeds])
        out = self.stdout.write
        out(f"#{s.pk} {s.name} — {s.owner_unit.code} TLP:{s.tlp} {s.get_kind_display()}")
        out(f"  {_('Độ tin cậy của nguồn')}: {s.get_reliability_display()}  "
            f"{_('Độ tin cậy mặc định')}: {s.default_confidence}  "
            f"{_('Thời gian sống')}: {s.lifetime_days or '-'}")
        out(f"  {_('Chỉ báo')}: {stats['n']}  {_('Thấy lần cuối')}: {_iso(stats['last']) or '-'}")
        for f in feeds:
            out(f"  {_('Nguồn cấp')} #{f.pk} {f.name} ({f.format}, {f.interval_minutes} {_('phút')})")
        return None

    def _source_fields(self, options) -> dict:
        mapping = {"name": "name", "tlp": "tlp", "kind": "kind", "reliability": "reliability",
                   "confidence": "default_confidence", "lifetime_days": "lifetime_days",
                   "description": "description", "is_active": "is_active"}
        return {field: options[opt] for opt, field in mapping.items() if options.get(opt) is not None}

    def do_sources_create(self, user, options):
        unit = self._unit(user, options["unit"])
        shared = [self._unit(user, c, "shared_with") for c in options["share_with"] or []]
        fields = self._source_fields(options)
        name, tlp = fields.pop("name"), fields.pop("tlp")
        s = source_svc.source_create(actor=self.actor(user), owner_unit=unit, name=name, tlp=tlp,
                                     shared_with=shared or None, **fields)
        if options["json"]:
            return self.emit_schema(SourceDetailOut, source_detail(user, sel.source_get(user, s.pk)))
        self._ok(_("Đã tạo nguồn #%(id)s “%(name)s”.") % {"id": s.pk, "name": s.name})
        return None

    def do_sources_update(self, user, options):
        s = self._source(user, options["source"])
        if options["unit"]:
            raise DomainError(_("Không đổi được đơn vị sở hữu của nguồn."), field="unit")
        shared = None
        if options["share_with"] is not None:
            shared = [self._unit(user, c, "shared_with") for c in options["share_with"] if c]
        s = source_svc.source_update(actor=self.actor(user), source=s, shared_with=shared,
                                     **self._source_fields(options))
        if options["json"]:
            return self.emit_schema(SourceDetailOut, source_detail(user, sel.source_get(user, s.pk)))
        self._ok(_("Đã cập nhật nguồn #%(id)s.") % {"id": s.pk})
        return None

    def do_sources_delete(self, user, options):
        s = self._source(user, options["source"])
        name = s.name
        touched = source_svc.source_delete(actor=self.actor(user), source=s)
        if options["json"]:
            return self.emit_schema(DeletedOut, {"detail": _("Đã xoá nguồn “%(n)s”.") % {"n": name},
                                                 "recomputed": touched})
        self._ok(ngettext(
            "Đã xoá nguồn “%(name)s”; %(n)s chỉ báo được tính lại.", "Đã xoá nguồn “%(name)s”; %(n)s chỉ báo được tính lại.",
            touched,
        ) % {"name": name, "n": touched})
        return None

    # ------------------------------------------------------------------ feeds

    def do_feeds_list(self, user, options):
        rows = list(sel.feeds(user))
        if options["json"]:
            return self.emit_json([feed_data(f) for f in rows])
        for f in rows:
            where = feed_svc.safe_url(f.url) or f.path
            last = f"{timezone.localtime(f.last_run_at):%d/%m/%Y %H:%M}" if f.last_run_at else "-"
            state = "" if f.enabled else f" ({_('tắt')})"
            self.stdout.write(f"{f.pk:>5}  {f.format:<6} {f.interval_minutes:>5}′ {last:<16} "
                              f"{f.source.name} / {f.name}{state}  {where}")
        self.stdout.write(ngettext("%(n)s nguồn cấp.", "%(n)s nguồn cấp.", len(rows)) % {"n": len(rows)})
        return None

    def do_feeds_show(self, user, options):
        f = self._feed(user, options["feed"])
        runs = sel.feed_runs(user, f, limit=10)
        if options["json"]:
            return self.emit_json({**feed_data(f), "runs": schema_data(FeedRunOut, runs, many=True)})
        out = self.stdout.write
        out(f"#{f.pk} {f.name} — {f.source.name} ({f.format})")
        out(f"  {feed_svc.safe_url(f.url) or f.path}")
        out(f"  {_('Chu kỳ')}: {f.interval_minutes} {_('phút')}  {_('Lần chạy tiếp theo')}: "
            f"{_iso(f.next_run_at) or _('sớm nhất có thể')}")
        for r in runs:
            out("  " + self._run_line(r))
        return None

    def _run_line(self, r) -> str:
        counts = _counts_line(r.counts) if r.counts else ""
        return (f"{timezone.localtime(r.started_at):%d/%m/%Y %H:%M} {r.get_status_display()} "
                f"HTTP {r.http_status or '-'} {r.bytes} byte {counts} {r.error}").rstrip()

    def _feed_fields(self, user, options) -> dict:
        fields = {}
        for opt, field in (("name", "name"), ("url", "url"), ("path", "path"), ("format", "format"),
                           ("indicator_type", "indicator_type"), ("confidence", "confidence"), ("tlp", "tlp"),
                           ("interval", "interval_minutes"), ("enabled", "enabled")):
            if options.get(opt) is not None:
                fields[field] = options[opt]
        if options.get("options") is not None:
            fields["options"] = _json_arg(options["options"], "--options")
        return fields

    def do_feeds_create(self, user, options):
        source = self._source(user, options["source"])
        fields = self._feed_fields(user, options)
        fields["enabled"] = not options["disabled"]
        f = feed_svc.feed_create(actor=self.actor(user), source=source, **fields)
        if options["json"]:
            return self.emit_json(feed_data(sel.feed_get(user, f.pk)))
        self._ok(_("Đã tạo nguồn cấp #%(id)s “%(name)s”.") % {"id": f.pk, "name": f.name})
        return None

    def do_feeds_update(self, user, options):
        f = self._feed(user, options["feed"])
        if options["source"]:
            raise DomainError(_("Không đổi được nguồn của nguồn cấp; hãy tạo nguồn cấp mới."), field="source")
        fields = self._feed_fields(user, options)
        f = feed_svc.feed_update(actor=self.actor(user), feed=f, **fields)
        if options["json"]:
            return self.emit_json(feed_data(sel.feed_get(user, f.pk)))
        self._ok(_("Đã cập nhật nguồn cấp #%(id)s.") % {"id": f.pk})
        return None

    def do_feeds_delete(self, user, options):
        f = self._feed(user, options["feed"])
        feed_svc.feed_delete(actor=self.actor(user), feed=f)
        if options["json"]:
            return self.emit_json({"deleted": f.name})
        self._ok(_("Đã xoá nguồn cấp “%(name)s”.") % {"name": f.name})
        return None

    def do_feeds_run(self, user, options):
        f = self._feed(user, options["feed"])
        run = feed_svc.feed_run(actor=self.actor(user), feed=f)
        if options["json"]:
            self.emit_schema(FeedRunOut, run)
        else:
            self.stdout.write(self._run_line(run))
            for line in _error_lines(run.errors or [], (run.counts or {}).get("invalid") or len(run.errors or [])):
                self.stderr.write(line)
        if run.status == "failed":
            raise CommandError(_("Nguồn cấp “%(name)s” chạy lỗi: %(error)s") % {"name": f.name, "error": run.error},
                               returncode=1)
        return None

    def do_feeds_run_due(self, user, options):
        ran = feed_svc.run_due_feeds()
        if options["json"]:
            return self.emit_json({"ran": ran})
        self._ok(ngettext("Đã chạy %(n)s nguồn cấp đến hạn.", "Đã chạy %(n)s nguồn cấp đến hạn.", ran) % {"n": ran})
        return None

    # ------------------------------------------------------------------ warninglists, taxonomies

    def do_warninglists_list(self, user, options):
        rows = list(sel.warninglists(user))
        if options["json"]:
            return self.emit_schema(WarninglistOut, rows, many=True)
        for w in rows:
            state = _("bật") if w.enabled else _("tắt")
            self.stdout.write(f"{w.pk:>5}  {state:<4} {w.kind:<9} {w.entry_count:>8}  {w.slug:<32} {w.name}")
        self.stdout.write(ngettext("%(n)s danh sách cảnh báo.", "%(n)s danh sách cảnh báo.", len(rows)) % {"n": len(rows)})
        return None

    def do_warninglists_show(self, user, options):
        w = self._warninglist(user, options["warninglist"])
        if options["json"]:
            w.entries_limit = len(w.entries or [])  # every entry (the API pages them with `limit`)
            return self.emit_schema(WarninglistDetailOut, w)
        out = self.stdout.write
        out(f"#{w.pk} {w.name} [{w.slug}] — {w.kind}, {w.entry_count} {_('mục')}, "
            f"{_('bật') if w.enabled else _('tắt')}")
        if w.description:
            out(f"  {w.description}")
        for entry in (w.entries or [])[:50]:
            out(f"  {entry}")
        if w.entry_count > 50:
            out("  " + ngettext("… và %(n)s mục khác", "… và %(n)s mục khác", w.entry_count - 50) % {"n": w.entry_count - 50})
        return None

    def _switch(self, user, options, enabled: bool):
        w = self._warninglist(user, options["warninglist"])
        changed = warninglist_svc.warninglist_set_enabled(actor=self.actor(user), warninglist=w, enabled=enabled)
        if options["json"]:
            return self.emit_schema(WarninglistOut, sel.warninglist_get(user, w.pk), indicators_changed=changed)
        msg = _("Đã bật danh sách “%(name)s”") if enabled else _("Đã tắt danh sách “%(name)s”")
        self._ok((msg % {"name": w.name}) + "; " + ngettext("%(n)s chỉ báo đổi kết quả.", "%(n)s chỉ báo đổi kết quả.", changed) % {"n": changed})
        return None

    def do_warninglists_enable(self, user, options):
        return self._switch(user, options, True)

    def do_warninglists_disable(self, user, options):
        return self._switch(user, options, False)

    def _load(self, loader, user, options):
        counts = loader(actor=self.actor(user), directory=options["directory"])
        if options["json"]:
            return self.emit_json(counts)
        self._ok(_("%(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi.") % counts)
        return None

    def do_warninglists_load(self, user, options):
        return self._load(warninglist_svc.warninglists_load, user, options)

    def do_taxonomies_load(self, user, options):
        return self._load(warninglist_svc.taxonomies_load, user, options)

    def do_taxonomies_list(self, user, options):
        rows = list(sel.taxonomies(user))
        if options["json"]:
            return self.emit_schema(TaxonomyOut, rows, many=True)
        for t in rows:
            self.stdout.write(f"{t.pk:>5}  {t.namespace:<28} v{t.version:<4} {t.tag_count:>5} {_('nhãn')}")
        self.stdout.write(ngettext("%(n)s phân loại.", "%(n)s phân loại.", len(rows)) % {"n": len(rows)})
        return None

    # ------------------------------------------------------------------ imports

    def do_imports_list(self, user, options):
        rows = sel.imports(user)
        if options["json"]:
            return self.emit_schema(ImportJobOut, rows, many=True)
        for j in rows:
            self.stdout.write(f"{j.pk:>6}  {timezone.localtime(j.started_at):%d/%m/%Y %H:%M} {j.status:<8} "
                              f"{j.format:<6} {j.source.name} / {j.filename}  {_counts_line(j.counts or {})}")
        self.stdout.write(ngettext("%(n)s lần nhập.", "%(n)s lần nhập.", len(rows)) % {"n": len(rows)})
        return None

    def do_imports_show(self, user, options):
        j = sel.import_get(user, _int_id(options["job"], "job"))
        if options["json"]:
            return self.emit_schema(ImportJobDetailOut, j)
        out = self.stdout.write
        out(f"#{j.pk} {j.source.name} / {j.filename} ({j.format}) — {j.get_status_display()}")
        out(f"  {_('Bản ghi đã xử lý')}: {j.records_done}  {_counts_line(j.counts or {})}")
        out(f"  SHA-256: {j.sha256}  {j.size} byte")
        for line in _error_lines(j.errors or [], (j.counts or {}).get("invalid") or len(j.errors or [])):
            out(line)
        return None
