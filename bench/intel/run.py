"""One backend's measurements, run in its own process (Django is configured per process):
import the plain list, import it again (nothing changes), import the STIX bundle, export
every active domain as an RPZ zone. Prints one JSON line with the results."""

from __future__ import annotations

import json
import os
import sys
import time


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def measure(list_path: str, stix_path: str, *, log=print) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from vigil.core.actors import Actor, system_actor
    from vigil.core.models import User
    from vigil.intel.models import ImportJob, Indicator, IndicatorSource, Source
    from vigil.intel.selectors import IndicatorFilters
    from vigil.intel.services import exports, ingest
    from vigil.org.models import Unit

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))
    with connection.cursor() as cur:  # a clean slate on a reused benchmark database
        for table in ("intel_indicatorsource_tags", "intel_indicatorsource", "intel_sighting", "intel_indicator",
                      "intel_importjob", "intel_stixobject"):
            cur.execute(f"DELETE FROM {table}")
    unit = Unit.objects.get(code=Unit.objects.filter(parent__isnull=True).first().code)
    actor = system_actor("cli")
    Source.objects.filter(name__startswith="bench-").delete()
    list_source = Source.objects.create(owner_unit=unit, name="bench-list", tlp="green", default_confidence=70)
    stix_source = Source.objects.create(owner_unit=unit, name="bench-stix", tlp="green", default_confidence=70)
    admin = User.objects.filter(username="bench-intel").first() or User.objects.create_superuser(
        username="bench-intel", password="bench-intel-2026", full_name="bench")
    out: dict = {"vendor": connection.vendor}

    log(f"[{connection.vendor}] importing the plain list …")
    job, secs = _timed(lambda: ingest.import_file(actor=actor, source=list_source, path=list_path, format="list",
                                                  options={"type": "domain"}))
    assert job.status == ImportJob.Status.DONE, job.errors[:3]
    out["list"] = {"records": job.counts["read"], "created": job.counts["created"], "seconds": secs,
                   "per_second": job.counts["read"] / secs}
    log(f"[{connection.vendor}] list: {out['list']}")

    job2, secs = _timed(lambda: ingest.import_file(actor=actor, source=list_source, path=list_path, format="list",
                                                   options={"type": "domain"}, refresh=True))
    out["list_again"] = {"seconds": secs, "updated": job2.counts["updated"], "unchanged": job2.counts["unchanged"],
                         "per_second": job2.counts["read"] / secs}
    log(f"[{connection.vendor}] list again (every value seen again): {out['list_again']}")

    same, secs = _timed(lambda: ingest.import_file(actor=actor, source=list_source, path=list_path, format="list",
                                                   options={"type": "domain"}))
    out["same_file"] = {"seconds": secs, "job": same.pk == job2.pk or same.pk == job.pk}

    if "stix" in __import__("vigil.intel.formats", fromlist=["IMPORTERS"]).IMPORTERS:
        log(f"[{connection.vendor}] importing the STIX bundle …")
        job3, secs = _timed(lambda: ingest.import_file(actor=actor, source=stix_source, path=stix_path, format="stix"))
        assert job3.status == ImportJob.Status.DONE, job3.errors[:3]
        out["stix"] = {"records": job3.counts["read"], "created": job3.counts["created"], "seconds": secs,
                       "per_second": job3.counts["read"] / secs}
        log(f"[{connection.vendor}] stix: {out['stix']}")

    out["indicators"] = Indicator.objects.count()
    out["claims"] = IndicatorSource.objects.count()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE intel_indicator")
            cur.execute("VACUUM ANALYZE intel_indicatorsource")

    from vigil.intel.formats import EXPORTERS

    if "rpz" in EXPORTERS:
        user_actor = Actor(user=admin, channel="cli")
        filters = IndicatorFilters.parse({"type": "domain"})

        def run_export():
            lines = 0
            size = 0
            for chunk in exports.export(actor=user_actor, fmt="rpz", filters=filters).chunks:
                size += len(chunk)
                lines += chunk.count("\n")
            return lines, size

        (lines, size), secs = _timed(run_export)
        out["rpz"] = {"lines": lines, "bytes": size, "seconds": secs}
        log(f"[{connection.vendor}] rpz export: {out['rpz']}")
        etag, secs = _timed(lambda: exports.export_etag(actor=user_actor, fmt="rpz", filters=filters))
        out["etag_seconds"] = secs
    out["reads"] = read_timings(admin, unit)
    return out


def read_timings(admin, root_unit, iterations: int = 20) -> dict:
    """p95 in ms of the reads members make on the full table: the indicator list's first
    page and a page ten deep (keyset), as the network-wide user and as a province analyst
    (whose filter goes through the claims), and a TAXII page of 100 objects."""
    from vigil.core.access import reset_scope
    from vigil.intel.models import TaxiiCollection
    from vigil.intel.selectors import IndicatorFilters, indicator_page
    from vigil.intel.taxii import selectors as taxii
    from vigil.intel.taxii.pagination import TaxiiQuery
    from vigil.org.models import Unit
    from vigil.testing import Network, make_user

    province = Unit.objects.filter(kind__code="province").order_by("code").first()
    analyst = (make_user(Network(), "bench-intel-province", province, "analyst")
               if not type(admin).objects.filter(username="bench-intel-province").exists()
               else type(admin).objects.get(username="bench-intel-province"))
    green = TaxiiCollection.objects.get(alias="indicators-green")

    def p95(fn):
        fn()
        times = []
        for _ in range(iterations):
            for user in (admin, analyst):
                reset_scope(user)
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        return round(times[int(0.95 * (len(times) - 1))], 1)

    def deep(user):
        page = indicator_page(user, IndicatorFilters())
        for _ in range(9):
            page = indicator_page(user, IndicatorFilters(), cursor=page.next_cursor)
        return page

    return {
        "list_first_page_network": p95(lambda: indicator_page(admin, IndicatorFilters())),
        "list_first_page_province": p95(lambda: indicator_page(analyst, IndicatorFilters())),
        "list_search_exact_province": p95(lambda: indicator_page(analyst, IndicatorFilters(q="login-0500000-x.com"))),
        "list_ten_pages_province": p95(lambda: deep(analyst)),
        "taxii_page_100_province": p95(lambda: taxii.objects_page(analyst, green, TaxiiQuery(limit=100))),
    }


def main(argv):
    backend, list_path, stix_path = argv[:3]
    if backend == "postgresql":
        from bench.program.__main__ import setup_django

        setup_django(os.environ["VIGIL_BENCH_INTEL_URL"])
    else:
        import tempfile

        os.environ["DJANGO_SETTINGS_MODULE"] = "vigil.settings"
        os.environ.pop("VIGIL_DATABASE_URL", None)
        os.environ["VIGIL_DATA_DIR"] = tempfile.mkdtemp(prefix="vigil-bench-intel-")
        os.makedirs(os.path.join(os.environ["VIGIL_DATA_DIR"], "static"), exist_ok=True)
        os.environ["VIGIL_LOG_LEVEL"] = "WARNING"
        import django

        django.setup()
    result = measure(list_path, stix_path, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
