"""``python -m harness.cli``: the same command as the ``sentry-gate`` script, for a checkout without it on PATH."""

import sys

from harness.cli import main

sys.exit(main())
