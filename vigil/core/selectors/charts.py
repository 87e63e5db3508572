"""What a page's chart draws, as plain data: `chart()` builds the dict a template puts in
the page with `json_script` and `core/static/core/charts.js` hands to Chart.js (labels and
dataset names already in the reader's language).

Colours: one fixed palette matching Bootstrap's badges (severity as the incident badges,
task status as the office's), each colour of a set at a clearly different lightness so
that the series stay apart for colour-blind readers and in greyscale print.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Bootstrap 5.3 colours; "danger"/"success" shifted one step darker/lighter where two
# series of one chart would otherwise share a lightness (red and green read alike).
PALETTE = {
    "primary": "#0d6efd",
    "secondary": "#6c757d",
    "success": "#198754",
    "success-light": "#75b798",
    "info": "#0dcaf0",
    "warning": "#ffc107",
    "danger": "#dc3545",
    "danger-dark": "#b02a37",
    "gray": "#ced4da",
    "light": "#f1f3f5",
    "purple": "#6f42c1",
}
SEVERITY_COLOURS = {"low": "gray", "medium": "info", "high": "warning", "critical": "danger-dark"}
STATUS_COLOURS = {
    "not_started": "gray",
    "in_progress": "primary",
    "done_on_time": "success-light",
    "done_late": "warning",
    "overdue": "danger-dark",
    "cancelled": "light",
}


def colour(name: str) -> str:
    """A palette name (or a #rrggbb already) as #rrggbb."""
    return PALETTE.get(name, name)


def dataset(label: str, data: Sequence, colour_name: str, **extra) -> dict:
    """One series: its translated `label`, its values, its colour (a palette name)."""
    return {"label": str(label), "data": list(data), "colour": colour(colour_name), **extra}


def chart(labels: Iterable, datasets: list[dict], **options) -> dict:
    """The chart's data for the page: category `labels`, `datasets` (see `dataset`) and
    options charts.js reads: `stacked`, `horizontal`, `unit` (a suffix: "%", "h"),
    `max` (the value axis's top), `title` (the value axis's title)."""
    return {"labels": [str(x) for x in labels], "datasets": datasets, **options}

