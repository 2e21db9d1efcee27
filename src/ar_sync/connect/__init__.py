"""connect: authorizing ar-sync on a ledger and keeping what that needs.

- ``oauth``: the platform-neutral OAuth2 authorization-code flow every plugin shares (PKCE,
  ``state``, the loopback listener, the pasted redirect, app credentials, ``connect`` checks);
- ``vaults``: where tokens and client secrets live (system keyring, the encrypted database
  vault, the sandbox file), and ``vault_keys``: the database vault's keys;
- ``orgs``: choosing the orgs a command is about, the vault an org's tokens are in, and opening
  an org's connector.

The ``connect`` job (``ar_sync.jobs``) runs a plugin's flow and saves the orgs it granted.
"""
