"""ar-sync rehearse commands (filled in by the collections work)."""

from __future__ import annotations
