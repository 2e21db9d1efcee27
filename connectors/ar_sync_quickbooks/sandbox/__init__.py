"""A local QuickBooks Online for tests, demos and rehearsals: OAuth, Accounting API, control.

python-quickbooks and intuit-oauth run against it unmodified except for their base URLs
(``QuickBooksSandbox.api_url``, ``.discovery_url``). Companies come from files in QBO's own
JSON shapes (``load_company``) or from a seeded generator (``generate_company``). The request
pipeline, server, control endpoints, OAuth bookkeeping and company-file reading are
``ar_sync.sandbox``'s; this package holds QBO's rules and shapes: ``rules.py`` (what the
pipeline asks of QBO), ``api.py`` (the Accounting API), ``identity.py`` (Intuit's OAuth),
``control.py`` (QBO's own ``/_sandbox/`` endpoints), ``limits.py``, ``responses.py``,
``entities.py``, ``models.py`` (pydantic), ``checks.py`` and ``company.py`` (company files),
``books.py`` and ``ledger.py`` (the live books), ``query.py``, ``queryable.py`` and ``cdc.py``,
``reports.py``, ``generate.py``; ``server.py`` is ``QuickBooksSandbox`` and ``plugin.py`` the
``SandboxPlugin``.

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
``company.py``         a job is in its parent's currency; a negative total is refused; so is a
                       total past the 10.5 format of line amounts (``entities.py``), which
                       TotalAmt, Balance, TotalTax and Deposit are held to as well
``books.py``           code 6000 of the refusal to make a customer with a balance inactive; the
                       6000 business validation fault for a write with an amount past the 10.5
                       format (QBO documents no body of its own for it); the 6000 refusal (and
                       its text) to send an invoice with no ``BillEmail``
``ledger.py``          a void of a note at the 4,000-character limit cuts "Voided - <note>"; the
                       sub-total line is the sales lines' sum before the discount
``reports.py``         the AgedReceivables shapes (documented, never recorded), inactive
                       customers included, ``num_periods``/``aging_period`` honoured; a payment's
                       line to an invoice dated after the payment applies from that invoice's date
``responses.py``       the 403 body; ``Retry-After`` on a 429 (also ``limits.py``)
``server.py``          how long a ``requestid`` is remembered (``rules.py``)
=====================  ============================================================================
"""

from ar_sync.sandbox.errors import CompanyFileError
from ar_sync_quickbooks.sandbox.company import Company, load_company
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
