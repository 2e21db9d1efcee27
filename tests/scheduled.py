"""Run ``ar-sync`` the way cron or a scheduler does: a separate process with no terminal (a new
session, so no controlling tty) and standard input closed, so any prompt would fail at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# ``sh`` closes fd 0 and then becomes ar-sync: stdin is closed, not merely empty.
_CLOSED_STDIN = ["/bin/sh", "-c", 'exec "$@" 0<&-', "sh", sys.executable, "-m", "ar_sync"]


def _env(extra: Mapping[str, str | None]) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in extra.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env["COLUMNS"] = "200"  # one line per message however rich measures the (absent) terminal
    return env


def start_scheduled(*args: str, env: Mapping[str, str | None] = {}) -> subprocess.Popen[str]:
    """Start ``ar-sync ARGS`` in the background, scheduled-style; stdout/stderr piped."""
    return subprocess.Popen(
        [*_CLOSED_STDIN, *args],
        env=_env(env),
        cwd=REPO,  # ``-m`` puts the repository first on sys.path: ``tests.*`` is importable
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_scheduled(
    *args: str, env: Mapping[str, str | None] = {}, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run ``ar-sync ARGS`` scheduled-style to the end; returns code, stdout and stderr."""
    process = start_scheduled(*args, env=env)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)
