"""Which host names mean this machine only."""

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
