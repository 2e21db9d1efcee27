"""``python -m ar_sync_xero.sandbox``: run the sandbox until interrupted."""

import sys

from ar_sync_xero.sandbox.server import main

sys.exit(main())
