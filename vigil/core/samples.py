"""A short, escaped sample of untrusted text for an error message: what a user's own file
could contain on one line, never a page of someone else's content (a feed's body, a
receiver's answer)."""

SAMPLE_MAX = 60


def sample(value, limit: int = SAMPLE_MAX) -> str:
    """At most `limit` characters of `value`, control and other non-printable characters
    escaped (\\n, \\x00, \\u2028…), an ellipsis when cut."""
    text = str(value if value is not None else "")
    cut = len(text) > limit
    text = text[:limit]
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
        text = text[:limit * 2]
    return text + ("…" if cut else "")
