"""``python -m ar_sync`` runs the CLI."""

import sys

from ar_sync.cli import main

sys.exit(main())
