"""The ``[statements]`` table of ``config.toml`` (``ar_sync.push.mail.config_file`` finds it)::

    [statements]
    payment_instructions = "Pay by bank transfer to 12-3456-7890123-00, reference your name."
    email = true     # also email each statement (needs [smtp]); default false

A missing file or table is the defaults (no instructions, no email). A bad value or an
unknown key is a ``ConfigError`` naming the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ar_sync.errors import ConfigError

_KEYS = frozenset({"payment_instructions", "email"})


@dataclass(frozen=True, slots=True)
class StatementsConfig:
    payment_instructions: str = ""
    email: bool = False


def statements_config(table: dict[str, Any], *, where: str) -> StatementsConfig:
    """``StatementsConfig`` from a ``[statements]`` table read from ``where`` (pure)."""
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: statements.{unknown[0]}: unknown key")
    instructions = table.get("payment_instructions", "")
    if not isinstance(instructions, str):
        raise ConfigError(f"{where}: statements.payment_instructions: expected a string")
    email = table.get("email", False)
    if not isinstance(email, bool):
        raise ConfigError(f"{where}: statements.email: expected true or false")
    return StatementsConfig(payment_instructions=instructions.strip(), email=email)


def load_statements_config(path: Path) -> StatementsConfig:
    """The ``[statements]`` table of ``path`` (the defaults when absent)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return StatementsConfig()
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    table = document.get("statements")
    if table is None:
        return StatementsConfig()
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: statements: expected a table")
    return statements_config(table, where=str(path))
