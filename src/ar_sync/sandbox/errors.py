"""The two ways sandbox data can be wrong: a bad company file, and one bad record."""

from __future__ import annotations

from ar_sync.errors import ConfigError


class CompanyFileError(ConfigError):
    """A company file the sandbox refuses; one line: ``"<path>: <record/field>: <problem>"``."""


class RecordError(ValueError):
    """One record breaks a rule; ``field`` is its path (Xero ``"Invoices[3].DueDate"``,
    QBO ``"Invoice[3] (Id 12).DueDate"``) and ``problem`` says what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
