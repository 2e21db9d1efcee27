"""A collections policy as a TOML file: read it, name the line and key of every error, write
the commented default.

``load_policy`` parses with ``tomllib`` (floats as ``Decimal``: rates and amounts never pass
through binary floating point), lays what the file sets over the default policy (a key left
out keeps its default, in every table, stages included) and validates the result with the
pydantic model (``ar_sync.collect.policy.Policy``). Every error is one line
``FILE line N: dotted.key: what is wrong``, all of them in one ``ConfigError`` (one per line,
in file order). Line numbers come from ``key_lines``, a scan of the file's statements (tomllib
keeps no positions); a key the file does not hold (a default, a model-level rule) is placed at
the nearest table or key the message names that the file does hold.

``default_policy_text`` renders ``Policy()`` itself with a one-line comment for each key, so
the written default cannot drift from the model's.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from ar_sync.collect.policy import Policy
from ar_sync.errors import ConfigError

Key = tuple[str, ...]

# -- reading ----------------------------------------------------------------------------------


def load_policy(path: Path) -> Policy:
    """The policy in the TOML file at ``path``; ``ConfigError`` naming the file, line and key
    of every error (several: one per line), or the file when it cannot be read."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{name}: no such policy file") from None
    except IsADirectoryError:
        raise ConfigError(f"{name}: is a directory, not a policy file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return parse_policy(text, name)


def parse_policy(text: str, name: str) -> Policy:
    """The policy ``text`` holds; ``name`` is the file's name for error lines."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_syntax_error(str(exc), text, name)) from None
    merged = _overlay(Policy().model_dump(mode="json"), data)
    try:
        return Policy.model_validate(merged)
    except ValidationError as exc:
        lines = key_lines(text)
        errors = sorted(
            {_error_line(error, lines, name) for error in _relevant(exc.errors())},
            key=lambda pair: (pair[0] or 0, pair[1]),
        )
        raise ConfigError("\n".join(line for _, line in errors)) from None


_AT = re.compile(
    r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def _syntax_error(message: str, text: str, name: str) -> str:
    """tomllib's ``Invalid value (at line 3, column 8)`` as ``FILE line 3: not valid TOML:
    invalid value (column 8)``; "end of document" is the file's last line."""
    found = _AT.match(message)
    if found is None:
        return f"{name}: not valid TOML: {message}"
    what = found["msg"][:1].lower() + found["msg"][1:]
    if found["line"] is None:
        last = max(len(text.splitlines()), 1)
        return f"{name} line {last}: not valid TOML: {what} (at the end of the file)"
    return f"{name} line {found['line']}: not valid TOML: {what} (column {found['col']})"


def _overlay(defaults: Any, given: Any) -> Any:
    """``given`` laid over ``defaults``: tables merge key by key (recursively), anything else
    in ``given`` replaces the default."""
    if isinstance(defaults, Mapping) and isinstance(given, Mapping):
        merged = dict(defaults)
        for key, value in given.items():
            merged[key] = _overlay(defaults[key], value) if key in defaults else value
        return merged
    return given


def _relevant(errors: Sequence[Any]) -> list[Any]:
    """Pydantic's errors without the noise under a table whose own name is wrong (an unknown
    stage's name is the error, not the keys it lacks)."""
    bad_keys = {tuple(e["loc"][:-1]) for e in errors if e["loc"] and e["loc"][-1] == "[key]"}
    return [
        e for e in errors
        if e["loc"][-1:] == ("[key]",)
        or not any(tuple(e["loc"][: len(bad)]) == bad for bad in bad_keys)
    ]


# A dotted key at the start of a model-level message: "stages.firm.days (3) must be ...".
_LEADING_KEY = re.compile(r"^(?P<key>[a-z_]+(?:\.[a-z_]+)*)(?: \([^)]*\))?:? (?P<rest>.*)$")
_DOTTED = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b")
_SCALARS = (str, int, Decimal, date, time)


def _error_line(
    error: Mapping[str, Any], lines: Mapping[Key, int], name: str
) -> tuple[int | None, str]:
    """One pydantic error as ``(line, "FILE line N: key: message")``."""
    loc = tuple(part for part in error["loc"] if part != "[key]")
    message = _message(error)
    candidates: list[Key] = []
    if not loc and (found := _LEADING_KEY.match(message)):  # a model-level rule
        loc = tuple(found["key"].split("."))
        message = found["rest"]
        candidates = [tuple(k.split(".")) for k in _DOTTED.findall(message)]
    key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
    line = _line_of(tuple(p for p in loc if isinstance(p, str)), candidates, lines)
    where = f"{name} line {line}" if line is not None else name
    return line, f"{where}: {key or 'policy'}: {message}"


def _message(error: Mapping[str, Any]) -> str:
    kind, message, given = error["type"], error["msg"], error.get("input")
    if kind == "extra_forbidden":
        known = _known_keys(tuple(p for p in error["loc"] if isinstance(p, str))[:-1])
        return "unknown key" + (f" (known here: {', '.join(known)})" if known else "")
    if kind == "missing":
        return "missing"
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    message = message.replace("Input should be", "expected", 1)
    message = message[:1].lower() + message[1:]
    if error["loc"][-1:] == ("[key]",):
        return f"not a stage name: {message}, got {given!r}"
    scalar = isinstance(given, _SCALARS) and not isinstance(given, bool)
    if kind != "value_error" and scalar and "got " not in message:
        message += f", got {_shown(given)}"
    return message


def _shown(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


def _known_keys(path: Key) -> list[str]:
    """The keys the model allows in the table at ``path`` (a stage's table by any name)."""
    model: Any = Policy
    parts = iter(path)
    for part in parts:
        field = model.model_fields.get(part) if _is_model(model) else None
        if field is None:
            return []
        model = field.annotation
        if getattr(model, "__origin__", None) is dict:  # stages.<name>: skip the name
            model = get_args(model)[1]
            next(parts, None)
    return list(model.model_fields) if _is_model(model) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _line_of(key: Key, candidates: Sequence[Key], lines: Mapping[Key, int]) -> int | None:
    """The line of ``key``, else of a key the message names, else of ``key``'s nearest table."""
    for wanted in (key, *candidates):
        if wanted in lines:
            return lines[wanted]
    for end in range(len(key) - 1, 0, -1):
        if key[:end] in lines:
            return lines[key[:end]]
    return None


# -- where each key is ------------------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def key_lines(text: str) -> dict[Key, int]:
    """Each dotted key (and table) a valid TOML ``text`` sets, with the 1-based line where it
    is first set. Keys inside inline tables and array items are not listed (their parent's
    line stands for them). Multi-line strings and arrays are skipped, comments ignored."""
    lines: dict[Key, int] = {}
    table: Key = ()
    state = _ScanState()
    for number, raw in enumerate(text.splitlines(), start=1):
        if state.busy():
            state.scan(raw)
            continue
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            double = stripped.startswith("[[")
            parts, _ = _split_key(stripped[2 if double else 1 :])
            table = tuple(parts)
            _record(lines, table, number)
            continue
        parts, rest = _split_key(stripped)
        _record(lines, table + tuple(parts), number)
        state.scan(rest.lstrip().removeprefix("="))
    return lines


def _record(lines: dict[Key, int], key: Key, number: int) -> None:
    for end in range(1, len(key) + 1):
        lines.setdefault(key[:end], number)


def _split_key(text: str) -> tuple[list[str], str]:
    """A (dotted, maybe quoted) key at the start of ``text`` and what follows it."""
    parts: list[str] = []
    rest = text.lstrip()
    while rest:
        if rest[0] in "\"'":
            end = _string_end(rest, 1, rest[0])
            quoted = rest[:end]
            parts.append(tomllib.loads(f"k = {quoted}")["k"] if quoted[0] == '"' else quoted[1:-1])
            rest = rest[end:]
        else:
            found = _BARE.match(rest)
            if found is None:
                break
            parts.append(found.group())
            rest = rest[found.end():]
        rest = rest.lstrip()
        if not rest.startswith("."):
            break
        rest = rest[1:].lstrip()
    return parts, rest


def _string_end(text: str, start: int, quote: str) -> int:
    """The index after the closing ``quote`` of a one-line string opened before ``start``."""
    index = start
    while index < len(text):
        if quote == '"' and text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index + 1
        index += 1
    return len(text)


class _ScanState:
    """Where a value scan stands across lines: inside a multi-line string, or nested arrays."""

    def __init__(self) -> None:
        self.depth = 0
        self.open_string: str | None = None  # '"""' or "'''" while inside one

    def busy(self) -> bool:
        return self.depth > 0 or self.open_string is not None

    def scan(self, text: str) -> None:
        index = 0
        while index < len(text):
            if self.open_string is not None:
                close = text.find(self.open_string, index)
                while close > 0 and self.open_string == '"""' and _escaped(text, close):
                    close = text.find(self.open_string, close + 1)
                if close < 0:
                    return
                index = close + 3
                while text[index:index + 1] == self.open_string[0]:  # """"" ends a string in "
                    index += 1
                self.open_string = None
                continue
            char = text[index]
            if char == "#":
                return
            if text.startswith(('"""', "'''"), index):
                self.open_string = text[index:index + 3]
                index += 3
            elif char in "\"'":
                index = _string_end(text, index + 1, char)
            else:
                self.depth += (char in "[{") - (char in "]}")
                index += 1


def _escaped(text: str, index: int) -> bool:
    backslashes = len(text[:index]) - len(text[:index].rstrip("\\"))
    return backslashes % 2 == 1


# -- the commented default --------------------------------------------------------------------

_HEADER = """\
# ar-sync collections policy. Check it with: ar-sync policy check FILE
#
# Days are calendar days past an invoice's due date (negative: before it). Amounts are in the
# org's base currency unless a comment says otherwise; times are the org's local time (HH:MM:SS).
# A key left out keeps the default written here.
"""

# One line per key, by the model class that holds it (shown at its first table only).
_COMMENTS: dict[str, str] = {
    "Policy.name": "a name for this policy, shown in plans",
    "StageRule.days": "days past due when the stage is reached (negative: before the due date)",
    "StageRule.enabled": "false: the ladder skips this stage",
    "StageRule.tone": "gentle, friendly, firm or formal (a segment may shift it one step)",
    "StageRule.channels": "how: any of the channels listed above",
    "StageRule.template": "email template <name>.txt in the templates folder; unset: email_<tone>",
    "Segments.reliable_min_paid": "reliable: at least this many invoices paid in 12 months",
    "Segments.reliable_max_days_late": "reliable: paid on average under this many days late",
    "Segments.new_within_days": "new: first invoice within this many days",
    "Segments.large_balance": "large: balance over this amount (base currency)",
    "SegmentRule.offset_days": "every stage comes this many days later (negative: earlier)",
    "SegmentRule.tone": "softer, same or firmer: the stage's tone shifted one step",
    "Limits.cap_per_30_days": "most contacts per customer in any 30 days, every channel",
    "Limits.minimum_overdue": "skip a customer owing less overdue than this (net of credits)",
    "Limits.quiet_weekends": "true: nothing goes out on Saturdays and Sundays",
    "Limits.country": "ISO 3166 country for public holidays; unset: from the org's timezone",
    "Limits.subdivision": "a state or region of the country for its holidays",
    "Limits.quiet_dates": "extra quiet days, e.g. [2026-12-24, 2026-12-31]",
    "Limits.exclude": "customer names or ids never chased",
    "SendWindow.start": "contacts go out from this time of day",
    "SendWindow.end": "until this time of day (excluded)",
    "Interest.scheme": "none, simple, uk_statutory or eu_directive (quoted, never charged)",
    "Interest.annual_rate": "percent a year, for scheme simple",
    "Interest.base_rate": "percent, Bank of England reference rate, for scheme uk_statutory",
    "Interest.reference_rate": "percent, ECB reference rate, for scheme eu_directive",
    "Templates.folder": "a folder of <name>.txt Jinja2 templates, relative to this file",
    "Statements.email": "true: also email each statement over SMTP to a customer with an address",
}

# What an unset key would look like when set (written commented out).
_EXAMPLES: dict[str, str] = {
    "StageRule.template": '"my_email"',
    "Limits.country": '"GB"',
    "Limits.subdivision": '"ENG"',
    "Templates.folder": '"templates"',
}

_TABLE_COMMENTS: dict[str, str] = {
    "stages": (
        "# The ladder: each stage once per invoice and due date, in this order. With nothing\n"
        "# sent yet a customer gets the stage of their most overdue invoice; afterwards the\n"
        "# highest stage due that was not yet sent. Channels: ledger_note (a note on each\n"
        "# invoice and the customer in the ledger), ledger_email (the ledger's own invoice\n"
        "# email), email (ours, over SMTP), call_task, letter (to post), handover (an agency\n"
        "# or court)."
    ),
    "stages.courtesy": "# A courtesy note before the due date (off by default).",
    "stages.final": "# The final notice: a demand letter with a payment deadline 7 days out.",
    "stages.call": "# A call task for a person.",
    "stages.escalation": "# Marked for an agency or court and listed in the hand-over report.",
    "segments": (
        "# Segments from each customer's payment record, first match wins: new, large,\n"
        "# reliable, else standard. Each moves the ladder and shifts its tone."
    ),
    "limits": "# At most one contact per customer per day, always; these limit the rest.",
    "interest": (
        "# Late-payment interest and fixed compensation, quoted in reminders per invoice.\n"
        "# UK statutory (Late Payment of Commercial Debts (Interest) Act 1998): 8% over the\n"
        "# Bank of England base rate on the 30 June or 31 December before the debt became\n"
        "# late, plus GBP 40 / 70 / 100 per invoice under 1,000 / under 10,000 / above:\n"
        "#   scheme = \"uk_statutory\"\n"
        "#   base_rate = 4.0\n"
        "# EU late payment directive 2011/7/EU: 8 points over the ECB reference rate, plus\n"
        "# EUR 40 per invoice:\n"
        "#   scheme = \"eu_directive\"\n"
        "#   reference_rate = 2.15"
    ),
    "templates": (
        "# Templates: files in the folder named like the built-in ones (email_gentle.txt,\n"
        "# email_friendly.txt, email_firm.txt, email_formal.txt, note.txt, letter_final.txt,\n"
        "# task_call.txt, task_handover.txt) replace them."
    ),
    "statements": (
        "# Statements (ar-sync statements --apply, and the scheduled statements job): each is\n"
        "# attached to the customer in the ledger, noted and journaled, once a month. Payment\n"
        "# instructions stay in config.toml [statements], the mail server in its [smtp]."
    ),
}


def default_policy_text() -> str:
    """The default policy as commented TOML: ``parse_policy`` of it equals ``Policy()``."""
    out = [_HEADER]
    _emit_table(out, (), Policy(), set())
    return "\n".join(out).rstrip("\n") + "\n"


def _emit_table(out: list[str], path: Key, model: BaseModel, seen: set[str]) -> None:
    """``model``'s keys at ``path``: its plain keys, then a ``[path.key]`` table for each
    model, or each item of a mapping of models (the mapping's comment before its first)."""
    tables: list[tuple[Key, BaseModel, str | None]] = []  # (path, model, a comment before)
    for field in type(model).model_fields:
        value = getattr(model, field)
        if isinstance(value, BaseModel):
            tables.append(((*path, field), value, None))
        elif isinstance(value, Mapping):
            mapping = ".".join((*path, field))
            tables.extend(
                ((*path, field, str(k)), v, _TABLE_COMMENTS.get(mapping) if i == 0 else None)
                for i, (k, v) in enumerate(value.items())
            )
        else:
            out.append(_key_line(field, value, f"{type(model).__name__}.{field}", seen))
    for sub_path, sub_model, before in tables:
        if before:
            out.extend(["", before])
        out.append("")
        dotted = ".".join(sub_path)
        if dotted in _TABLE_COMMENTS:
            out.append(_TABLE_COMMENTS[dotted])
        out.append(f"[{dotted}]")
        _emit_table(out, sub_path, sub_model, seen)


def _key_line(field: str, value: Any, comment_key: str, seen: set[str]) -> str:
    comment = _COMMENTS[comment_key] if comment_key not in seen else ""
    seen.add(comment_key)
    if value is None:
        line = f"# {field} = {_EXAMPLES[comment_key]}"
    else:
        line = f"{field} = {_toml_value(value)}"
    return f"{line}  # {comment}" if comment else line


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):  # enums too: their value
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")  # a new field type: extend this function
