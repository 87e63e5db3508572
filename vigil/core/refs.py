"""Telling a numeric id from a code in user input.

`str.isdigit()` is true for "²", "①" or "٣", which `int()` (and so a primary-key lookup)
then refuses or reads as another number: a 500 on `shared_with: ["²"]`. Every place that
accepts "an id or a code" asks `is_pk` instead: ASCII digits only, and no longer than a
64-bit key can be."""

import re

_PK = re.compile(r"[0-9]{1,18}")


def is_pk(value) -> bool:
    """True when `value` (an int or text) is a plain primary key: 0-9 only, at most 18 digits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 10**18
    return isinstance(value, str) and _PK.fullmatch(value) is not None
