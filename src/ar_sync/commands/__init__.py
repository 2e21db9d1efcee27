"""The collections commands, one module per group, each adding its commands to ``ar_sync.cli.app``.

``ar_sync.cli`` imports this package last, once its ``app``, ``state`` and helpers exist. Keep
module level light (``tests/test_startup.py``): import stores, SDKs and renderers inside the
commands.
"""

from ar_sync.commands import journal, plan, policy, rehearse, remind  # noqa: F401  (registers)
from ar_sync.commands import statements  # noqa: F401  (registers)
from ar_sync.commands import report  # noqa: F401  (registers)
from ar_sync.commands import schedule  # noqa: F401  (registers)
