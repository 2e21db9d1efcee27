"""A local Xero for tests, demos and rehearsals: identity, Accounting API and control endpoints.

The official ``xero-python`` SDK runs against it unmodified except for its base URLs. Companies
come from files in Xero's own response shapes (``load_company``) or from a seeded generator
(``generate_company``). The request pipeline, server, control endpoints, OAuth bookkeeping and
company-file reading are ``ar_sync.sandbox``'s; this package holds Xero's rules and shapes:
``rules.py`` (what the pipeline asks of Xero), ``api.py`` (the Accounting API), ``identity.py``
(OAuth), ``control.py`` (Xero's own ``/_sandbox/`` endpoints), ``limits.py``, ``responses.py``,
``models.py`` and ``company.py`` (company files), ``state.py`` (the live books), ``listing.py``
and ``where.py`` (queries), ``reports.py``, ``trial_balance.py``, ``generate.py``; ``server.py``
is ``XeroSandbox`` and ``plugin.py`` the ``SandboxPlugin``.

Every behaviour a connector relies on cites its source next to it; these have none yet
(UNCONFIRMED), so they are assumptions to test against a real Xero organisation:

=====================  ============================================================================
where                  assumption
=====================  ============================================================================
``resources.py``       ``IDs=`` does not bring back an archived contact without
                       ``includeArchived=true``; a single ``GET Contacts/{id}`` does
``state.py``           ``IsCustomer`` is set by a sales invoice only, not by a credit note,
                       overpayment or prepayment alone
``responses.py``       the ``HighVolumeException`` body has no ``Elements``; the 429 problem names
                       ``concurrent`` and ``appminute`` (``minute`` and ``day`` are sourced)
``trial_balance.py``   receivables converted at each document's own rate, rounded per document
                       (Xero revalues open foreign amounts at the report date); only the
                       receivables account listed; none on a cash basis (``paymentsOnly=true``)
``reports.py``         AgedReceivablesByContact leaves prepayments out (3P only: a guide to the
                       UI's Aged Receivables Detail report, poolwerx.freshdesk.com/support/
                       solutions/articles/13000108203; consistent with Xero keeping them out of
                       receivables until applied, help.xero.com/nz/CustomerStatements-Prepayments;
                       Xero's older Accounts Receivable Invoices report does list them,
                       help.xero.com/us/Report_AgedreceivableInvoices)
``chart.py``           the default chart's account ids and the accounts beyond 200, 610 and 800
``api.py``             history notes are refused past 250 characters (Xero's pages say 250 and
                       2,500), with the sandbox's own text
``state.py``           emailing an invoice whose contact (and its persons) has no email address
                       is a 400 ValidationException; the texts of the email refusals
``models.py``          the largest amount, 9,999,999,999,999.99 either way (Xero documents none;
                       the OpenAPI ``format: double`` keeps 15 significant digits); ``company.py``
                       applies it to derived line amounts and totals too
=====================  ============================================================================
"""

from ar_sync.sandbox.errors import CompanyFileError
from ar_sync_xero.sandbox.company import Company, load_company
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
