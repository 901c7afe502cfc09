"""The one progress-bar library of the package (tqdm), with one switch.

Bars go to stderr and switch themselves off when stderr is not a terminal (tqdm's `disable=None`), so logs and
CI output stay clean; HYBRID_RG_PROGRESS=1 forces them on, =0 forces them off.
"""

from __future__ import annotations

import os


def progress(iterable=None, *, desc: str = "", total: int | None = None, unit: str = "it"):
    from tqdm.auto import tqdm

    flag = os.environ.get("HYBRID_RG_PROGRESS")
    disable = None if flag is None else flag == "0"
    return tqdm(iterable, desc=desc, total=total, unit=unit, disable=disable, leave=False)
