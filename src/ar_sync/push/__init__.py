"""Push: the outbox (an action written before any call), its channels (ledger note, ledger
email, SMTP, tasks) and settling writes whose outcome a crash left unknown."""
