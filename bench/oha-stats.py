#!/usr/bin/env python3
"""Exact figures over one or more oha runs that ran side by side.

oha writes every finished request to SQLite with `--db-url FILE` (table `oha`: start, end,
duration in seconds, status, ...). M1 runs several oha processes at once, one per
municipality, so percentiles cannot be averaged: this reads every request of every file
and takes nearest-rank percentiles over all of them.

Usage: oha-stats.py SECONDS FILE.db [FILE.db ...]
Prints one line: requests req_per_s p50_ms p99_ms non_200
"""

import math
import sqlite3
import sys


def durations_and_statuses(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT duration, status FROM oha").fetchall()


def percentile(sorted_values, fraction):
    """Nearest rank: the smallest value with at least `fraction` of the values at or below."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def main():
    seconds = float(sys.argv[1])
    rows = [row for path in sys.argv[2:] for row in durations_and_statuses(path)]
    if not rows:
        print("0 0 0 0 0")
        return
    durations = sorted(duration for duration, _ in rows)
    non_200 = sum(1 for _, status in rows if status != 200)
    print(
        f"{len(rows)} {len(rows) / seconds:.0f} "
        f"{percentile(durations, 0.50) * 1000:.2f} {percentile(durations, 0.99) * 1000:.2f} "
        f"{non_200}"
    )


if __name__ == "__main__":
    main()
