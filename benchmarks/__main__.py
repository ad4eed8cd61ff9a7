"""``python -m benchmarks [--quick] [--rows 1,3] [--output PATH]``: run and write the table.

Only a full run of every row writes the committed table (docs/benchmarks.md) by
default; a ``--quick`` or partial run prints its table and writes a file only
when ``--output`` names one, so a smoke run can never replace the real numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    client_overhead,
    cold_start,
    consumer_tests,
    marshalling,
    pagination,
    transfers,
    worker_loop,
)
from benchmarks._harness import (
    FULL,
    QUICK,
    Comparison,
    RowResult,
    Sizes,
    render_document,
    use_fake_aws_env,
)

ROWS: dict[int, tuple[str, Callable[[Sizes], RowResult]]] = {
    1: ("marshalling", marshalling.run),
    2: ("client overhead", client_overhead.run),
    3: ("pagination", pagination.run),
    4: ("transfers", transfers.run),
    5: ("cold start", cold_start.run),
    6: ("consumer unit tests", consumer_tests.run),
    7: ("worker loop", worker_loop.run),
}
DEFAULT_OUTPUT = Path("docs/benchmarks.md")


def _row_numbers(text: str) -> list[int]:
    try:
        rows = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rows takes numbers like 1,3, got {text!r}") from None
    unknown = [row for row in rows if row not in ROWS]
    if unknown or not rows:
        raise argparse.ArgumentTypeError(f"--rows must name rows among {sorted(ROWS)}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument(
        "--rows", type=_row_numbers, default=sorted(ROWS), help="e.g. 1,3 (default: all)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"Markdown file (default: {DEFAULT_OUTPUT} for a full run of every row; "
        "a --quick or partial run writes nothing unless this is given)",
    )
    args = parser.parse_args(argv)

    use_fake_aws_env()
    sizes = QUICK if args.quick else FULL
    comparisons: list[Comparison] = []
    notes: list[str] = []
    started = time.perf_counter()
    for row in args.rows:
        name, run = ROWS[row]
        row_started = time.perf_counter()
        print(f"row {row} ({name}) ...", file=sys.stderr, flush=True)
        result = run(sizes)
        print(f"row {row} done in {time.perf_counter() - row_started:.1f} s", file=sys.stderr)
        comparisons += result.comparisons
        notes += result.notes
    elapsed = time.perf_counter() - started
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    notes.append(f"Total run time: {elapsed:.0f} s.")
    document = render_document(comparisons, quick=args.quick, command=command, notes=notes)
    output = args.output
    if output is None and not args.quick and args.rows == sorted(ROWS):
        output = DEFAULT_OUTPUT
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(document, encoding="utf-8")
    print(document)
    if output is None:
        print(f"(not written to {DEFAULT_OUTPUT}: only a full run replaces it)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
