"""The two ways sandbox data can be wrong; shared by both sandboxes (``ar_sync.sandbox_kit``)."""

from __future__ import annotations

from ar_sync.sandbox_kit.errors import CompanyFileError, RecordError

__all__ = ["CompanyFileError", "RecordError"]
