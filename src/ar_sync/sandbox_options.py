"""What a sandbox serves: ``--generate customers=40,invoices=400,seed=1`` parsed into a
``GenerateSpec``, and the list of companies a plugin's ``start_sandbox`` loads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ar_sync.connector import GenerateSpec
from ar_sync.errors import ConfigError

Company = TypeVar("Company")


class _GenerateOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customers: int = Field(default=40, ge=1, le=1_000_000)
    invoices: int = Field(default=400, ge=0, le=10_000_000)
    seed: int = 1


def parse_generate(text: str, *, today: date) -> GenerateSpec:
    """``key=value`` pairs separated by commas; keys: customers, invoices, seed.

    ``ConfigError`` names the offending key or pair.
    """
    values: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--generate: expected key=value, got {pair!r}")
        values[key.strip()] = value.strip()
    try:
        options = _GenerateOptions.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            known = ", ".join(_GenerateOptions.model_fields)
            raise ConfigError(f"--generate: unknown key {where!r} (known: {known})") from None
        raise ConfigError(f"--generate: {where}: {error['msg']}") from None
    return GenerateSpec(
        customers=options.customers, invoices=options.invoices, seed=options.seed, today=today
    )


def sandbox_companies(
    company_files: list[Path] | None,
    generate: GenerateSpec | None,
    *,
    load: Callable[[Path], Company],
    generate_company: Callable[..., Company],
    sample: Path,
) -> list[Company]:
    """The companies a sandbox serves, in order: each file, then a generated one (half as many
    paid invoices as open ones beside them); with neither, the plugin's ``sample`` file."""
    companies = [load(path) for path in company_files or ()]
    if generate is not None:
        companies.append(
            generate_company(
                customers=generate.customers,
                invoices=generate.invoices,
                paid=generate.invoices // 2,
                seed=generate.seed,
                today=generate.today,
            )
        )
    return companies or [load(sample)]
