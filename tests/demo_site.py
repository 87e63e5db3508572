"""The README's first command's result, for tests that look at Vigil as its users do:
`vigil demo --no-serve` in a fresh data folder (SQLite, reference and demo data), built once
per test session (about 40 s), and `vigil serve` on it on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request


def vigil(args, env, timeout=240):
    return subprocess.run(
        [sys.executable, "-m", "vigil", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def data_env(folder, **extra) -> dict:
    """The environment of a `vigil` process on its own data folder: this process's, without
    its VIGIL_* and DJANGO_* settings (the test's database must not leak in), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "DJANGO_"))}
    env.update(VIGIL_DATA_DIR=str(folder), VIGIL_LOG_LEVEL="WARNING", **extra)
    return env


def build(folder) -> tuple[dict, str]:
    """The environment of a demo data folder and what `vigil demo` printed (idempotent: on a
    folder that has the demo already, it only prints the logins again)."""
    env = data_env(folder)
    result = vigil(["demo", "--no-serve"], env)
    assert result.returncode == 0, result.stderr[-3000:]
    return env, result.stdout


def logins(printed: str) -> list[tuple[str, str]]:
    """(username, password) of every demo login `vigil demo` printed."""
    lines = printed.split("Demo logins", 1)[1].splitlines()[1:]
    return [tuple(line.split()[:2]) for line in lines if line.startswith("  ") and len(line.split()) >= 2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(env):
    """`vigil serve` (no worker) on 127.0.0.1; yields its base URL once /health answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
