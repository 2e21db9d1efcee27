"""Policy files: the commented default is the model's default, and every error names the file,
its line and the dotted key."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from ar_sync.collect.policy import InterestScheme, Policy, StageRule
from ar_sync.collect.policy_file import default_policy_text, key_lines, load_policy
from ar_sync.domain import Channel, Stage, Tone
from ar_sync.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    return [line.replace(str(path), "policy.toml") for line in str(caught.value).splitlines()]


def test_the_default_text_loads_as_the_default_policy(tmp_path: Path) -> None:
    assert load_policy(_write(tmp_path, default_policy_text())) == Policy()


def test_every_key_of_the_default_text_carries_a_comment() -> None:
    text = default_policy_text()
    uncommented = set()
    for line in text.splitlines():
        key = re.match(r"^#? ?([a-z_0-9]+) = ", line)
        if key and "  # " not in line:
            uncommented.add(key.group(1))
    commented = {
        m.group(1) for m in re.finditer(r"^#? ?([a-z_0-9]+) = .*  # \S", text, re.MULTILINE)
    }
    assert uncommented <= commented  # a stage's keys are explained at the first stage only
    assert {"days", "template", "start", "offset_days", "folder"} <= _leaf_keys(Policy())
    assert _leaf_keys(Policy()) <= commented
    assert "[stages.friendly]" in text and "[limits.send_window]" in text
    assert '#   scheme = "uk_statutory"' in text and '#   scheme = "eu_directive"' in text


def _leaf_keys(model: BaseModel) -> set[str]:
    """Every key that holds a value (not a table) anywhere in ``model``."""
    keys = set()
    for field in type(model).model_fields:
        value = getattr(model, field)
        nested = value.values() if isinstance(value, dict) else [value]
        if all(isinstance(item, BaseModel) for item in nested):
            keys |= set().union(*(_leaf_keys(item) for item in nested))
        else:
            keys.add(field)
    return keys


def test_a_key_left_out_keeps_its_default(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, (
        "[stages.firm]\n"
        "days = 20\n"
        "[segments.reliable]\n"
        'tone = "same"\n'
        "[interest]\n"
        'scheme = "uk_statutory"\n'
        "base_rate = 5.25\n"
        "[limits]\n"
        "quiet_dates = [2026-12-24]\n"
        'send_window = {start = 08:30:00, end = "18:00"}\n'
    )))
    assert policy.stages[Stage.FIRM] == StageRule(
        days=20, tone=Tone.FIRM, channels=(Channel.EMAIL, Channel.LEDGER_NOTE))
    assert policy.stages[Stage.FINAL] == Policy().stages[Stage.FINAL]
    assert policy.segments.reliable.offset_days == 7  # the reliable segment's own default
    assert policy.interest.scheme is InterestScheme.UK_STATUTORY
    assert policy.interest.base_rate == Decimal("5.25")
    assert type(policy.interest.base_rate) is Decimal
    assert policy.limits.quiet_dates == (date(2026, 12, 24),)
    assert (policy.limits.send_window.start, policy.limits.send_window.end) == (
        time(8, 30), time(18, 0))


def test_every_error_names_its_line_and_key(tmp_path: Path) -> None:
    assert _errors(tmp_path, (
        'name = "strict"\n'            # 1
        "[stages.frim]\n"              # 2
        "days = 3\n"                   # 3
        "[stages.firm]\n"              # 4
        'tone = "rude"\n'              # 5
        'channels = ["email", "fax"]\n'  # 6
        "colour = 1\n"                 # 7
        "\n"                           # 8
        "[limits]\n"                   # 9
        "cap_per_30_days = 0\n"        # 10
        "send_window = {start = 10:00:00, end = 09:00:00}\n"  # 11
        "[interest]\n"                 # 12
        'annual_rate = "abc"\n'        # 13
    )) == [
        "policy.toml line 2: stages.frim: not a stage name: expected 'courtesy', 'friendly', "
        "'reminder', 'firm', 'final', 'call' or 'escalation', got 'frim'",
        "policy.toml line 5: stages.firm.tone: expected 'gentle', 'friendly', 'firm' or "
        "'formal', got \"rude\"",
        "policy.toml line 6: stages.firm.channels[1]: expected 'ledger_note', 'ledger_email', "
        "'email', 'call_task', 'letter' or 'handover', got \"fax\"",
        "policy.toml line 7: stages.firm.colour: unknown key (known here: days, enabled, tone, "
        "channels, template)",
        "policy.toml line 10: limits.cap_per_30_days: expected greater than or equal to 1, got 0",
        "policy.toml line 11: limits.send_window: end must be after start",
        'policy.toml line 13: interest.annual_rate: expected a valid decimal, got "abc"',
    ]


def test_a_ladder_out_of_order_names_the_stage_that_breaks_it(tmp_path: Path) -> None:
    assert _errors(tmp_path, "# my ladder\n[stages.firm]\nenabled = true\ndays = 3\n") == [
        "policy.toml line 4: stages.firm.days: must be more than stages.reminder.days (7)"
    ]
    # the later stage keeps its default: the line named is the key the message names
    assert _errors(tmp_path, "\n[stages.reminder]\ndays = 20\n") == [
        "policy.toml line 3: stages.firm.days: must be more than stages.reminder.days (20)"
    ]


def test_a_model_rule_without_a_key_of_its_own_names_the_nearest_table(tmp_path: Path) -> None:
    assert _errors(tmp_path, "[limits]\nquiet_weekends = false\n\n[limits.send_window]\n"
                             "start = 18:00:00\n") == [
        "policy.toml line 4: limits.send_window: end must be after start"
    ]
    assert _errors(tmp_path, "[limits.send_window]\n# later\nend = 08:00:00\n") == [
        "policy.toml line 1: limits.send_window: end must be after start"
    ]


def test_unknown_top_level_and_wrong_types(tmp_path: Path) -> None:
    assert _errors(tmp_path, 'segments = 3\nlimits.exclude = "Bay"\n[colour]\nx = 1\n') == [
        "policy.toml line 1: segments: expected a valid dictionary or instance of Segments, "
        "got 3",
        'policy.toml line 2: limits.exclude: expected a valid tuple, got "Bay"',
        "policy.toml line 3: colour: unknown key (known here: name, stages, segments, limits, "
        "interest, templates, statements)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = \n", "policy.toml line 1: not valid TOML: invalid value (column 8)"),
        ("[limits]\ncap_per_30_days = 1\ncap_per_30_days = 2\n",
         "policy.toml line 3: not valid TOML: cannot overwrite a value (column 20)"),
        ('name = "x"\nchannels = ["email",\n',
         "policy.toml line 2: not valid TOML: invalid value (at the end of the file)"),
    ],
)
def test_toml_syntax_errors_name_the_line(tmp_path: Path, text: str, expected: str) -> None:
    assert _errors(tmp_path, text) == [expected]


def test_a_missing_or_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^.*nope\.toml: no such policy file$"):
        load_policy(tmp_path / "nope.toml")
    (tmp_path / "bin.toml").write_bytes(b"name = '\xff'\n")
    with pytest.raises(ConfigError, match=r"bin\.toml: not UTF-8 text \(byte 8\)$"):
        load_policy(tmp_path / "bin.toml")


def test_key_lines_skip_strings_arrays_and_comments() -> None:
    text = (
        'name = """\n'              # 1
        "days = 5\n"                # 2  inside a string
        '"""\n'                     # 3
        "exclude = [\n"             # 4
        '  "a = b", # c = d\n'      # 5
        "]\n"                       # 6
        "# tone = 1\n"              # 7
        "[stages . 'firm']\n"       # 8
        'tone = "x" # days = 2\n'   # 9
        'limits."send_window".start = 1\n'  # 10
    )
    assert key_lines(text) == {
        ("name",): 1,
        ("exclude",): 4,
        ("stages",): 8,
        ("stages", "firm"): 8,
        ("stages", "firm", "tone"): 9,
        ("stages", "firm", "limits"): 10,
        ("stages", "firm", "limits", "send_window"): 10,
        ("stages", "firm", "limits", "send_window", "start"): 10,
    }
