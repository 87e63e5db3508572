"""The decay model: how long a claim stays valid and what it scores now.

MISP's polynomial model: score(t) = confidence * (1 - t / lifetime) ** (1 / delta), with t
the time since the value was last seen. A claim expires when its score falls below the
type's threshold, so a confident claim lives longer than a doubtful one, and a value a
feed stops listing ages out by itself.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent / "reference" / "decay.toml"


@dataclass(frozen=True)
class DecayRule:
    lifetime_days: float
    delta: float
    threshold: float

    def lifetime(self, confidence: int, lifetime_days: float | None = None) -> dt.timedelta:
        """How long after `last_seen` a claim at `confidence` stays above the threshold."""
        days = float(lifetime_days or self.lifetime_days)
        if confidence <= self.threshold:
            return dt.timedelta(0)
        remaining = 1 - (self.threshold / confidence) ** self.delta
        return dt.timedelta(days=days * remaining)

    def score(self, confidence: int, since_seen: dt.timedelta, lifetime_days: float | None = None) -> float:
        days = float(lifetime_days or self.lifetime_days)
        t = since_seen.total_seconds() / 86400
        if t >= days:
            return 0.0
        return round(confidence * (1 - max(t, 0) / days) ** (1 / self.delta), 1)


@lru_cache(maxsize=1)
def rules() -> dict[str, DecayRule]:
    with REFERENCE.open("rb") as fh:
        data = tomllib.load(fh)
    return {code: DecayRule(**row) for code, row in data["types"].items()}


def rule_for(type_code: str) -> DecayRule:
    return rules().get(type_code) or DecayRule(90, 1.0, 20)


def expires_at(type_code: str, last_seen: dt.datetime, confidence: int, lifetime_days=None) -> dt.datetime:
    return last_seen + rule_for(type_code).lifetime(confidence, lifetime_days)


def score(indicator, now: dt.datetime | None = None) -> float:
    """The indicator's score now (0 when revoked or warninglisted)."""
    from django.utils import timezone

    if indicator.revoked_at or (indicator.warning and not getattr(indicator, "warning_allowed_at", None)):
        return 0.0
    now = now or timezone.now()
    return rule_for(indicator.type).score(indicator.confidence, now - indicator.last_seen)
