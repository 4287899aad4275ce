"""``python -m harness.load --help``."""

from harness.load.cli import main

raise SystemExit(main())
