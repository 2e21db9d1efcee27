"""``ar-sync policy init|check`` as a user runs them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ar_sync.collect.policy import Policy
from ar_sync.collect.policy_file import default_policy_text, load_policy
from tests.conftest import CliResult

SUMMARY = ("OK (7 stages, 6 enabled: friendly +1, reminder +7, firm +14, final +30, call +45, "
           "escalation +60; cap 5 per 30 days; interest none; templates built-in; "
           "statements not emailed)")


def test_init_writes_the_default_and_check_accepts_it(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("policy", "init")
    assert (result.code, result.err) == (0, "")
    assert result.out == ("Wrote the default policy to ar-sync-policy.toml; check it with: "
                          "ar-sync policy check ar-sync-policy.toml\n")
    assert (tmp_path / "ar-sync-policy.toml").read_text(encoding="utf-8") == default_policy_text()
    assert load_policy(tmp_path / "ar-sync-policy.toml") == Policy()
    checked = cli("policy", "check", "ar-sync-policy.toml")
    assert (checked.code, checked.out, checked.err) == (0, f"ar-sync-policy.toml: {SUMMARY}\n", "")


def test_init_refuses_to_overwrite_without_force(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("name = \"mine\"\n", encoding="utf-8")
    refused = cli("policy", "init", str(path))
    assert (refused.code, refused.out) == (2, "")
    assert refused.err == f"error: {path}: already exists; add --force to overwrite it\n"
    assert path.read_text(encoding="utf-8") == "name = \"mine\"\n"
    forced = cli("policy", "init", str(path), "--force")
    assert forced.code == 0
    assert path.read_text(encoding="utf-8") == default_policy_text()


def test_check_prints_every_error_with_line_and_key(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.toml").write_text(
        "[stages.firm]\ntone = \"rude\"\ncolour = 1\n[limits]\ncap_per_30_days = 31\n",
        encoding="utf-8")
    result = cli("policy", "check", "p.toml")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "error: p.toml line 2: stages.firm.tone: expected 'gentle', 'friendly', 'firm' or "
        "'formal', got \"rude\"\n"
        "p.toml line 3: stages.firm.colour: unknown key (known here: days, enabled, tone, "
        "channels, template)\n"
        "p.toml line 5: limits.cap_per_30_days: expected less than or equal to 30, got 31\n"
    )


def test_check_compiles_the_policys_templates(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "note.txt").write_text("{{ stage }\n", encoding="utf-8")
    (tmp_path / "p.toml").write_text(
        '[stages.firm]\ntemplate = "firm_words"\n[templates]\nfolder = "words"\n',
        encoding="utf-8")
    result = cli("policy", "check", str(tmp_path / "p.toml"))
    words = (tmp_path / "words").resolve()
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: template firm_words.txt: not found in {words} or the built-in templates\n"
        f"{words}/note.txt line 1: template error: unexpected '}}'\n"
    )


def test_check_of_a_missing_file_is_one_line(cli: Callable[..., CliResult]) -> None:
    result = cli("policy", "check", "absent.toml")
    assert (result.code, result.err) == (2, "error: absent.toml: no such policy file\n")
