"""What ``ar-sync sandbox serve`` is asked to serve: ``--generate customers=40,invoices=400,seed=1``
parsed into a ``GenerateSpec``, and which ledger's sandbox the ``--company`` files are for
(``sandbox_platform``, by each sandbox's ``company_marker``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ar_sync.errors import ConfigError
from ar_sync.sandbox.company_file import read_company_file
from ar_sync.sandbox.errors import CompanyFileError
from ar_sync.sandbox.plugin import GenerateSpec, SandboxPlugin


class _GenerateOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customers: int = Field(default=40, ge=1, le=1_000_000)
    invoices: int = Field(default=400, ge=0, le=10_000_000)
    seed: int = 1
    history_months: int = Field(default=0, ge=0, le=600)


def parse_generate(text: str, *, today: date) -> GenerateSpec:
    """``key=value`` pairs separated by commas; keys: customers, invoices, seed, history_months
    (months of settled past documents before ``today``; 0, the default, for none).

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
        customers=options.customers, invoices=options.invoices, seed=options.seed, today=today,
        history_months=options.history_months,
    )


def company_file_platform(path: Path, plugins: Mapping[str, SandboxPlugin]) -> str | None:
    """The platform whose ``company_marker`` is a top-level key of the JSON file at ``path``;
    None when the file cannot be read as a JSON object or has no single platform's marker (the
    platform's own loader then says what is wrong with it)."""
    try:
        document = read_company_file(path)
    except CompanyFileError:
        return None
    if not isinstance(document, dict):
        return None
    found = [name for name, plugin in plugins.items() if plugin.company_marker in document]
    return found[0] if len(found) == 1 else None


def sandbox_platform(
    platform: str | None,
    company_files: list[Path],
    plugins: Mapping[str, SandboxPlugin],
    *,
    default: str,
) -> str:
    """The ledger a sandbox emulates: ``platform`` (``--platform``) if given, else the one the
    company files are for, else ``default``. ``ConfigError`` when a file is another ledger's
    than ``platform``, or the files are for different ledgers (one sandbox serves one)."""
    detected = {path: company_file_platform(path, plugins) for path in company_files}
    known = {path: found for path, found in detected.items() if found is not None}
    if platform is not None:
        for path, found in known.items():
            if found != platform:
                other = plugins[found]
                raise ConfigError(
                    f"{path} is a {other.display_name} company file (it has "
                    f"{other.company_marker!r}), not a {plugins[platform].display_name} one; "
                    f"serve it with --platform {found}"
                )
        return platform
    platforms = sorted(set(known.values()))
    if len(platforms) > 1:
        listed = ", ".join(f"{path} ({found})" for path, found in known.items())
        raise ConfigError(f"the company files are for different ledgers: {listed}; one sandbox "
                          "serves one ledger")
    return platforms[0] if platforms else default
