"""Deterministic input files for the intelligence bench: a plain list of N domains and a
STIX 2.1 bundle of N indicator objects. The domains look like the phishing feeds' (a
brand-like word, digits, a hyphenated tail, a common TLD) and never collide."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from pathlib import Path

WORDS = ["secure", "login", "verify", "account", "update", "bank", "wallet", "support", "signin", "service",
         "vcb", "bidv", "tpbank", "momo", "zalopay", "shopee", "lazada", "tiki", "viettel", "vnpt"]
TLDS = ["com", "net", "org", "vn", "com.vn", "info", "xyz", "top", "online", "site", "shop", "click"]
NAMESPACE = uuid.UUID("0b7c2f4e-6a1d-5e3b-9c8d-7f6e5d4c3b2a")


def domains(count: int, seed: int = 5):
    rng = random.Random(seed)
    for i in range(count):
        word = WORDS[rng.randrange(len(WORDS))]
        tail = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5))
        yield f"{word}-{i:07d}-{tail}.{TLDS[i % len(TLDS)]}"


def write_list(path: Path, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"# Vigil bench: {count} synthetic phishing-like domains\n")
        for d in domains(count):
            fh.write(d + "\n")
    return path


def write_stix(path: Path, count: int, *, now: dt.datetime | None = None) -> Path:
    """A bundle of `count` indicators (TLP:GREEN marking, one domain each), streamed.
    They are dated the day before `now` (the clock by default), so the decay model keeps
    every one of them live on whatever day the bench or its test runs."""
    green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    day = ((now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC) - dt.timedelta(days=1)).date()
    stamp = f"{day.isoformat()}T00:00:00"
    with open(path, "w", encoding="utf-8") as fh:
        bundle_id = uuid.uuid5(NAMESPACE, f"bundle{count}")
        fh.write(f'{{"type": "bundle", "id": "bundle--{bundle_id}", "objects": [')
        for i, d in enumerate(domains(count, seed=11)):
            obj = {
                "type": "indicator", "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid5(NAMESPACE, d)}",
                "created": f"{stamp}.000Z", "modified": f"{stamp}.000Z",
                "name": f"Phishing domain {i}", "indicator_types": ["malicious-activity"],
                "pattern": f"[domain-name:value = '{d}']", "pattern_type": "stix",
                "valid_from": f"{stamp}Z", "confidence": 70,
                "labels": ["phishing"], "object_marking_refs": [green],
            }
            fh.write(("," if i else "") + "\n" + json.dumps(obj))
        fh.write("\n]}\n")
    return path
