"""Seeds derived from recorded ones: independent 32-bit streams named by their parts.

A batch's tasks and a campaign's trials each need their own seed, reproducible from what the ledger or the study
recorded (a batch seed and a position; a campaign's name, seed and a trial number). Hashing the parts gives
streams that do not overlap the way `seed + k` does, and the same parts always give the same seed, so a resumed
or retried run draws what the first one drew.
"""

from __future__ import annotations

import hashlib


def derive_seed(*parts: object) -> int:
    """A 32-bit seed from `parts` (joined by "/" and hashed with sha256): the same parts, the same seed."""
    blob = "/".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(blob).digest()[:4], "big")


__all__ = ["derive_seed"]
