"""A local QuickBooks Online for tests, demos and rehearsals: OAuth, Accounting API, control.

python-quickbooks and intuit-oauth run against it unmodified except for their base URLs
(``QuickBooksSandbox.api_url``, ``.discovery_url``). Companies come from files in QBO's own
JSON shapes (``load_company``) or from a seeded generator (``generate_company``). See
``server.py`` for the server, ``app.py`` for the request pipeline, ``control.py`` for
``/_sandbox/``.
"""

from ar_sync_quickbooks.sandbox.company import Company, load_company
from ar_sync_quickbooks.sandbox.errors import CompanyFileError
from ar_sync_quickbooks.sandbox.generate import generate_company
from ar_sync_quickbooks.sandbox.limits import SandboxLimits
from ar_sync_quickbooks.sandbox.server import QuickBooksSandbox

__all__ = [
    "Company",
    "CompanyFileError",
    "QuickBooksSandbox",
    "SandboxLimits",
    "generate_company",
    "load_company",
]
