"""A local Xero for tests, demos and rehearsals: identity, Accounting API and control endpoints.

The official ``xero-python`` SDK runs against it unmodified except for its base URLs. Companies
come from files in Xero's own response shapes (``load_company``) or from a seeded generator
(``generate_company``). See ``server.py`` for the server, ``control.py`` for ``/_sandbox/``.
"""

from ar_sync_xero.sandbox.company import Company, load_company
from ar_sync_xero.sandbox.errors import CompanyFileError
from ar_sync_xero.sandbox.generate import generate_company
from ar_sync_xero.sandbox.limits import SandboxLimits
from ar_sync_xero.sandbox.server import XeroSandbox

__all__ = [
    "Company",
    "CompanyFileError",
    "SandboxLimits",
    "XeroSandbox",
    "generate_company",
    "load_company",
]
