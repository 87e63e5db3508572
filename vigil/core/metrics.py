"""Prometheus metrics, exposed at /metrics in the text exposition format."""

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "vigil_http_requests_total", "HTTP requests by method, route and status",
    ["method", "route", "status"], registry=REGISTRY,
)
LATENCY = Histogram(
    "vigil_http_request_seconds", "HTTP request latency by route",
    ["route"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
AUDIT_ENTRIES = Counter("vigil_audit_entries_total", "Audit entries written", ["action"], registry=REGISTRY)


REFUSED = Counter("vigil_admission_refused_total", "Requests refused with 503 by admission control", ["path"],
                  registry=REGISTRY)


def observe_refused(path: str) -> None:
    REFUSED.labels(path).inc()


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route or "root", str(status)).inc()
    LATENCY.labels(route or "root").observe(seconds)


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
