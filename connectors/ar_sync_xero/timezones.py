"""Xero's ``Organisation.Timezone`` values and the IANA zones they stand for.

Xero names time zones after Windows zone ids, upper-cased with spaces, dots and hyphens removed
(``"New Zealand Standard Time"`` -> ``NEWZEALANDSTANDARDTIME``, ``"UTC-02"`` -> ``UTC02``).
CLDR's Windows-to-IANA table (shipped with Babel) resolves all but two of them; those two are
Windows ids CLDR has since dropped. Used by the connector (an org's "today") and the sandbox.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel.core import get_global
from xero_python.accounting.models.time_zone import TimeZone

_RETIRED_WINDOWS_IDS = {
    "KAMCHATKASTANDARDTIME": "Asia/Kamchatka",
    "MIDATLANTICSTANDARDTIME": "Etc/GMT+2",
}


@cache
def xero_to_iana() -> dict[str, str]:
    """Every value of the SDK's ``TimeZone`` enum mapped to an IANA zone name."""
    by_windows_id = {
        windows.upper().translate({ord(c): None for c in " .-"}): iana
        for windows, iana in get_global("windows_zone_mapping").items()
    }
    by_windows_id.update(_RETIRED_WINDOWS_IDS)
    return {zone.value: by_windows_id[zone.value] for zone in TimeZone}


def iana_timezone(xero_timezone: str | None) -> str | None:
    """The IANA zone for a Xero timezone value, or None when it is unknown or missing."""
    return xero_to_iana().get(xero_timezone or "")


def zone_for(xero_timezone: str) -> ZoneInfo:
    """The ``ZoneInfo`` of a Xero timezone value; ``KeyError`` if Xero has no such value."""
    return ZoneInfo(xero_to_iana()[xero_timezone])


def today_in(xero_timezone: str, now: datetime) -> date:
    """The calendar day it is in the organisation's timezone at the instant ``now``."""
    return now.astimezone(zone_for(xero_timezone)).date()
