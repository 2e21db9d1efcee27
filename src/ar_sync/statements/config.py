"""The ``[statements]`` table of ``config.toml`` (``ar_sync.push.mail.config_file`` finds it)::

    [statements]
    payment_instructions = "Pay by bank transfer to 12-3456-7890123-00, reference your name."

A missing file or table is the default (no instructions). A bad value or an unknown key is a
``ConfigError`` naming the file and the key. Whether statements are also emailed is the
policy's ``[statements] email`` (``ar_sync.collect.policy.Statements``), not this file's: an
``email`` key left here is refused with a line saying so, never silently ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ar_sync.errors import ConfigError

_KEYS = frozenset({"payment_instructions"})


@dataclass(frozen=True, slots=True)
class StatementsConfig:
    payment_instructions: str = ""


def statements_config(table: dict[str, Any], *, where: str) -> StatementsConfig:
    """``StatementsConfig`` from a ``[statements]`` table read from ``where`` (pure)."""
    if "email" in table:
        raise ConfigError(
            f"{where}: statements.email: moved to the policy: remove it here and set email = "
            "true under [statements] in a policy file (`ar-sync policy init` writes one), "
            "given with --policy or `schedule set --policy`"
        )
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: statements.{unknown[0]}: unknown key")
    instructions = table.get("payment_instructions", "")
    if not isinstance(instructions, str):
        raise ConfigError(f"{where}: statements.payment_instructions: expected a string")
    return StatementsConfig(payment_instructions=instructions.strip())


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
