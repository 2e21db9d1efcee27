"""ar-sync: chase unpaid invoices on top of the ledgers small firms already use."""

__version__ = "0.1.0"
