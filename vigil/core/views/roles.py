"""Administration of roles: which roles require a second factor."""
