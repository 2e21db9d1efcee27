"""``ar-sync sandbox serve`` as a user runs it: a real process serving until interrupted."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request

from ar_sync_xero.sandbox.plugin import SAMPLE_COMPANY


def _serve(*args: str) -> tuple[subprocess.Popen, str, str]:
    """Start the command; returns the process, its URL and its banner (read up to the
    "Press Ctrl-C" line here: ``communicate`` later reads the pipe itself, past the lines this
    file object has already buffered)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ar_sync", "sandbox", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner = ""
    while "Press Ctrl-C" not in banner:
        line = process.stdout.readline()
        assert line, banner + process.stderr.read()
        banner += line
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
    assert match, banner
    return process, match.group(1), banner


def _interrupt(process: subprocess.Popen) -> str:
    """Ctrl-C, as a user stops it; returns what it printed."""
    process.send_signal(signal.SIGINT)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return out


def _tenant_names(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/_sandbox/tenants", timeout=10) as response:
        return [tenant["name"] for tenant in json.loads(response.read())["tenants"]]


def test_serves_company_files_and_a_generated_company_until_interrupted(ar_home):
    process, url, banner = _serve("--company", str(SAMPLE_COMPANY),
                                  "--generate", "customers=4,invoices=12,seed=7")
    try:
        assert _tenant_names(url) == ["Kiwi Widgets Ltd", "Sandbox Trading Ltd (seed 7)"]
    finally:
        _interrupt(process)
    assert process.returncode == 0
    assert f"ar-sync connect xero --sandbox {url}" in banner


def test_without_a_company_it_serves_the_sample(ar_home):
    process, url, _ = _serve()
    try:
        assert _tenant_names(url) == ["Kiwi Widgets Ltd"]
    finally:
        _interrupt(process)
    assert process.returncode == 0
