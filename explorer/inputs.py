"""What the user types, checked where it comes in: numeric flags, the
argparse quirk that turns `--flag=--` into an empty list, and the number of
worker processes. Each check fails with one sentence (exit status 2).

Numbers are ASCII (int() and float() also take '٣', '1_0', 'nan' and
'inf'), finite, and bounded, so that a typo never reaches the search.
"""

import argparse
import math
import os
import re

MAX_COUNT = 10**12  # --max-states, --max-nodes: far beyond any state space that fits in memory
MAX_AMOUNT = 1e9  # --max-seconds (31 years), --max-memory (a petabyte in MB)
MAX_WORKERS = 256  # even with --force-workers
_WHOLE = re.compile(r"[0-9]{1,13}")
_DECIMAL = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,3})?")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 20 else text[:20] + "...")


def positive_int(text: str) -> int:
    """argparse type: a whole number from 1 to MAX_COUNT in ASCII digits."""
    if not _WHOLE.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a whole number")
    value = int(text)
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{value} must be from 1 to {MAX_COUNT:,}")
    return value


def count(text: str) -> int:
    """argparse type: a whole number from 0 to MAX_COUNT in ASCII digits."""
    if not _WHOLE.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a whole number")
    value = int(text)
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{value} must be from 0 to {MAX_COUNT:,}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number more than 0 and at most MAX_AMOUNT
    (no 'nan', no 'inf')."""
    if not _DECIMAL.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a number")
    value = float(text)
    if not (math.isfinite(value) and 0 < value <= MAX_AMOUNT):
        raise argparse.ArgumentTypeError(f"{_shown(text)} must be more than 0 and at most {MAX_AMOUNT:g}")
    return value


def worker_count(text: str) -> int:
    """argparse type for --workers: a whole number from 1 to MAX_WORKERS."""
    value = positive_int(text)
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{value} workers is more than the {MAX_WORKERS} allowed")
    return value


def available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def capped_workers(requested: int, force: bool) -> int:
    """--workers, capped at the CPUs this process may run on unless forced:
    more processes than CPUs only add memory (each holds a copy of the model)."""
    return requested if force else min(requested, available_cpus())


def empty_value_flag(argv: list[str]) -> str | None:
    """The first `--flag=--` (or `-o--`) in argv, or None. argparse strips a
    value of '--' and hands the command an empty list instead of an error."""
    for token in argv:
        if token == "--":
            return None  # what follows is not options
        if token.startswith("--") and "=" in token and token.split("=", 1)[1] == "--":
            return token.split("=", 1)[0]
        if len(token) > 2 and token[0] == "-" and token[1] != "-" and token[2:] == "--":
            return token[:2]
    return None
