"""`bench/run screens`: the demo's pages as its users open them (issue 13)."""

TARGET_MS_TEXT = "p95 under 300 ms over every page of every login"
