"""argparse `type=` helpers: the one place where command-line numbers, ids and labels are checked.

    p.add_argument("--budget-usd", type=usd)            finite and >= 0 (inf would lift the rule that paid devices
                                                         need a cap; nan compares false with every cap)
    p.add_argument("ids", nargs="*", type=entry_id)     1 … 2^63 − 1 (a SQLite integer)
    p.add_argument("--tag", type=label)                 printable text without control or bidi characters
    p.add_argument("--seed", type=seed)                 0 … 2^63 − 1

A rejected value becomes argparse's one-line error, exit status 2, before the command runs (hybrid_rg.cli._Parser).
"""

from __future__ import annotations

import argparse
import math
import unicodedata

MAX_ID = 2**63 - 1  # SQLite INTEGER


def _number(text: str, kind, what: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number; give {what}")
    return value


def finite_float(text: str) -> float:
    return _number(text, float, "a finite number")


def nonneg_float(text: str) -> float:
    value = _number(text, float, "a finite number >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative; give a finite number >= 0")
    return value


def positive_float(text: str) -> float:
    value = _number(text, float, "a finite number > 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not > 0; give a finite number > 0")
    return value


usd = nonneg_float  # a budget cap in US dollars


def positive_int(text: str) -> int:
    value = _number(text, int, "a whole number >= 1")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not >= 1; give a whole number >= 1")
    return value


def nonneg_int(text: str) -> int:
    value = _number(text, int, "a whole number >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative; give a whole number >= 0")
    return value


def entry_id(text: str) -> int:
    """A ledger entry id: 1 … 2^63 − 1."""
    value = _number(text, int, "an entry id (see 'hybrid-rg ls')")
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{text} is not an entry id (1 … {MAX_ID}); see 'hybrid-rg ls'")
    return value


def seed(text: str) -> int:
    """A seed: 0 … 2^63 − 1 (it is stored in the ledger, a SQLite integer, and fed to numpy and torch)."""
    value = _number(text, int, "a whole number >= 0")
    if not 0 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{text} is not a seed; give a whole number from 0 to {MAX_ID}")
    return value


def check_label(text: str, what: str = "label") -> str:
    """`text` if it is printable (no control, format or bidi characters: they would rewrite a terminal or reorder a
    listing); ValueError otherwise."""
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")]
    if not text or bad:
        shown = text.encode("unicode_escape").decode("ascii")
        why = "is empty" if not text else f"holds control or bidi characters {sorted({f'U+{ord(c):04X}' for c in bad})}"
        raise ValueError(f"{what} '{shown}' {why}; use printable text")
    return text


def label(text: str) -> str:
    """A tag, campaign or batch name (argparse type)."""
    try:
        return check_label(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
