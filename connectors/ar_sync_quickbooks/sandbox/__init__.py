"""A local QuickBooks Online for tests, demos and rehearsals: OAuth, Accounting API, control.

python-quickbooks and intuit-oauth run against it unmodified except for their base URLs
(``QuickBooksSandbox.api_url``, ``.discovery_url``). Companies come from files in QBO's own
JSON shapes (``load_company``) or from a seeded generator (``generate_company``). See
``server.py`` for the server, ``app.py`` for the request pipeline, ``control.py`` for
``/_sandbox/``.

Every behaviour a connector relies on cites its source next to it; these have none yet
(UNCONFIRMED), so they are assumptions to test against a real QBO company:

=====================  ============================================================================
where                  assumption
=====================  ============================================================================
``queryable.py``       ``CreditMemo.CustomerRef`` and ``Payment.TotalAmt`` may be filtered;
                       ``LIKE`` ignores case
``query.py``           the detail texts of parse errors, of ``ORDERBY`` on a property that is not
                       sortable, and of ``MAXRESULTS`` over 1000
``cdc.py``             CDC returns inactive customers; an unknown entity gets 4001 "invalid context
                       declaration"; a ``changedSince`` over 30 days gets 500 (HTTP 400)
``company.py``         a job is in its parent's currency; a negative total is refused
``books.py``           code 6000 of the refusal to make a customer with a balance inactive
``ledger.py``          a void of a note at the 4,000-character limit cuts "Voided - <note>"; the
                       sub-total line is the sales lines' sum before the discount
``reports.py``         the AgedReceivables shapes (documented, never recorded), inactive
                       customers included, ``num_periods``/``aging_period`` honoured
``responses.py``       the 403 body; ``Retry-After`` on a 429 (also ``limits.py``)
``server.py``          how long a ``requestid`` is remembered
=====================  ============================================================================
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
