"""Which production checks run on a described app, against the ones the bundled Express app runs (issue 16).

    .venv/bin/python benchmarks/production_coverage.py REPORT_OF_BUNDLED_RUN REPORT_OF_DESCRIBED_RUN

Each argument is a run's report folder (``reports/<run id>``, holding ``results.jsonl``), e.g. of
``sentry-gate run --profile pre-release --target bundled:express-vue`` and of the same profile on
``--target targets/foreign_shop/sentry-gate.toml``. A check id *runs* when at least one of its results in
that run is not ``skipped``. Prints the ids the bundled run judged, those the described run judged too, the
share, and each id either side judged alone, so the figure can be checked by eye.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def judged_production_ids(report: Path) -> set[str]:
    """Production check ids with at least one result that is not skipped."""
    judged = set()
    for line in (report / "results.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["check_id"].startswith("production.") and row["verdict"] != "skipped":
            judged.add(row["check_id"])
    return judged


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    bundled, described = (judged_production_ids(Path(a)) for a in argv)
    both = bundled & described
    share = len(both) / len(bundled) if bundled else 0.0
    print(f"bundled run judged {len(bundled)} production ids; the described run judged {len(both)} of them")
    print(f"share: {share:.1%}")
    for label, ids in (("bundled only", bundled - described), ("described only", described - bundled)):
        print(f"{label} ({len(ids)}): {', '.join(sorted(ids)) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
