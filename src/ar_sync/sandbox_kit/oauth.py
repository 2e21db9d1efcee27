"""The two failures of a sandbox's OAuth side, turned into platform replies by its app.

- ``OAuthFailure``: an OAuth endpoint's error answer (``{"error", "error_description"?}``);
- ``AuthFailure``: an API call without a usable access token (the platform's 401).
"""

from __future__ import annotations


class OAuthFailure(Exception):
    """An OAuth error answer: ``{"error": error, "error_description"?: description}`` with
    HTTP ``status`` (400 unless told)."""

    def __init__(self, error: str, description: str | None = None, status: int = 400) -> None:
        super().__init__(error)
        self.error, self.description, self.status = error, description, status


class AuthFailure(Exception):
    """An API call without a usable access token; ``detail`` goes into the platform's 401."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
