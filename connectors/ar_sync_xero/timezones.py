"""Xero's ``Organisation.Timezone`` (Windows zone names, upper-cased, spaces dropped) to IANA.

Xero writes e.g. ``NEWZEALANDSTANDARDTIME`` for Windows' "New Zealand Standard Time". The Unicode
CLDR mapping from Windows names to IANA zones ships with ``tzlocal``; we normalise both spellings
the same way and add the few names Xero spells differently from CLDR.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tzlocal.windows_tz import win_tz

# Xero spellings with no CLDR twin after normalisation. Windows' "UTC-02" appears in Xero's enum
# as "UTC02"; Etc/GMT+2 is UTC-2 (POSIX signs are inverted).
_XERO_ONLY = {
    "KAMCHATKASTANDARDTIME": "Asia/Kamchatka",
    "MIDATLANTICSTANDARDTIME": "Etc/GMT+2",
    "UTC02": "Etc/GMT+2",
    "UTC08": "Etc/GMT+8",
    "UTC09": "Etc/GMT+9",
    "UTC11": "Etc/GMT+11",
}


def _normalise(name: str) -> str:
    return re.sub(r"[^A-Z0-9+-]", "", name.upper())


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table = {_normalise(windows): iana for windows, iana in win_tz.items()}
    table.update(_XERO_ONLY)
    return table


def iana_timezone(xero_timezone: str | None) -> str | None:
    """The IANA zone for a Xero timezone value, or None when it is unknown or missing."""
    if not xero_timezone:
        return None
    return _table().get(_normalise(xero_timezone))
