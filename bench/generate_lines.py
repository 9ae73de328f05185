"""Write a benchmark invoice-line file and say how big it is and how long it took.

    python bench/generate_lines.py --lines 1000000 --format csv --out /tmp/lines_1m.csv [--seed 1]

Prints the path, its size and the seconds taken, then the totals a load of the file must reproduce.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, required=True, help="number of invoice lines")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv", dest="fmt")
    parser.add_argument("--out", type=Path, required=True, help="file to write")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.lines < 1:
        parser.error("--lines must be at least 1")

    if str(ROOT) not in sys.path:  # run as a script from anywhere: make the project importable
        sys.path.insert(0, str(ROOT))
    from ingestion.sample_exports.invoice_lines import write_invoice_lines

    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        totals = write_invoice_lines(args.out, lines=args.lines, fmt=args.fmt, seed=args.seed)
    except ValueError as error:
        parser.error(str(error))
    seconds = time.perf_counter() - started
    size = args.out.stat().st_size
    print(f"{args.out}  {size:,} bytes ({size / 2**20:.1f} MiB)  {seconds:.2f} s")
    print(
        f"lines={totals.lines:,} invoices={totals.invoices:,} (cancelled {totals.cancelled_invoices:,}) "
        f"revenue={totals.revenue} gross={totals.gross} customers={totals.customers:,} products={totals.products:,}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
