"""Budget caps, checked inside the same write transaction that records the intents they pay for.

Three caps, in US dollars of estimated cost (the device snapshot's per-task and per-shot prices):

    campaign            all entries of one campaign, ever              (submit --budget-usd)
    device_daily        one device, one UTC day                        (submit --device-daily-usd)
    daily               every device, one UTC day                      (submit --daily-usd)

An entry's estimate counts from the moment its intent is written (a crash cannot free money that may have been
spent) until it is REJECTED by the device. A paid submission with no campaign cap is refused: overspending by
omission is the failure users report most. Caps are stored in the ledger, so every later process obeys them.
"""

from __future__ import annotations

from ..errors import BadInput, BudgetRefused
from .records import utc_now

# The runtime's name for errors.BudgetRefused (exit 3): a submission would pass a cap; nothing was written.
BudgetExceeded = BudgetRefused


COUNTED = "state != 'REJECTED'"


def lock(conn) -> None:
    """Serialise budget-checked writes: call first in the transaction that checks caps and writes intents.

    SQLite's BEGIN IMMEDIATE already holds the whole file. On PostgreSQL (READ COMMITTED) two workers could both
    sum the committed spend and both pass, so the transaction first locks the ledger's one `budget_lock` row: the
    second worker waits there until the first commits, and its sums (each statement reads what is committed when
    it starts) then include the first one's intents. One row for every cap, because caps span campaigns (daily,
    device_daily) and a lock per cap row could deadlock two workers taking them in different orders."""
    if getattr(conn, "dialect", "sqlite") == "postgresql":
        conn.execute("SELECT value FROM meta WHERE key = 'budget_lock' FOR UPDATE").fetchone()


def set_cap(conn, scope: str, key: str, cap_usd: float) -> None:
    if not (cap_usd >= 0):
        raise BadInput(f"a budget cap must be a number >= 0 (got {cap_usd})")
    conn.execute(
        "INSERT INTO budgets VALUES (?, ?, ?, ?) ON CONFLICT(scope, key) DO UPDATE SET cap_usd = "
        "excluded.cap_usd, set_utc = excluded.set_utc",
        (scope, key, float(cap_usd), utc_now()),
    )


def cap(conn, scope: str, key: str) -> float | None:
    row = conn.execute("SELECT cap_usd FROM budgets WHERE scope = ? AND key = ?", (scope, key)).fetchone()
    return None if row is None else float(row[0])


def spent(conn, campaign: str | None = None, device: str | None = None, day: str | None = None) -> float:
    where, args = [COUNTED], []
    for col, val in (("campaign", campaign), ("device", device), ("day_utc", day)):
        if val is not None:
            where.append(f"{col} = ?")
            args.append(val)
    return float(
        conn.execute(
            f"SELECT COALESCE(SUM(cost_estimate_usd), 0) FROM entries WHERE {' AND '.join(where)}", args
        ).fetchone()[0]
    )


def precheck(campaign: str, device: str, new_usd: float, caps: dict) -> None:
    """Before the ledger is opened: a cap given with the request that this batch alone passes (nothing spent can
    make it fit) is refused at once, so a refusal leaves no ledger behind. `check` does the full test later."""
    for flag, limit in caps.items():
        if limit is not None and new_usd > limit + 1e-9:
            scope = {"--budget-usd": f"campaign {campaign!r}", "--device-daily-usd": f"device {device!r} per day"}
            raise BudgetExceeded(
                f"refused: the budget for {scope.get(flag, 'all devices per day')} is ${limit:.2f} and this batch "
                f"alone needs ${new_usd:.2f}. Nothing was submitted. Raise the cap with {flag}, or submit fewer "
                f"tasks or shots"
            )


def check(conn, campaign: str, device: str, day: str, new_usd: float) -> None:
    """Raise BudgetExceeded if adding `new_usd` passes any cap; call inside the intent's write transaction."""
    if new_usd <= 0:
        return
    lock(conn)  # held already when the caller followed the rule; re-locking is free
    checks = [
        ("campaign", campaign, f"campaign {campaign!r}", spent(conn, campaign=campaign), "--budget-usd"),
        (
            "device_daily",
            device,
            f"device {device!r} on {day}",
            spent(conn, device=device, day=day),
            "--device-daily-usd",
        ),
        ("daily", "*", f"all devices on {day}", spent(conn, day=day), "--daily-usd"),
    ]
    if cap(conn, "campaign", campaign) is None:
        raise BudgetExceeded(
            f"refused: this batch costs an estimated ${new_usd:.2f} and campaign {campaign!r} has "
            f"no budget; pass --budget-usd X (a cap for the whole campaign). Nothing was submitted"
        )
    for scope, key, label, used, flag in checks:
        limit = cap(conn, scope, key)
        if limit is not None and used + new_usd > limit + 1e-9:
            raise BudgetExceeded(
                f"refused: the budget for {label} is ${limit:.2f}; ${used:.2f} is already committed "
                f"and this batch needs ${new_usd:.2f} more (total ${used + new_usd:.2f}). Nothing "
                f"was submitted. Raise the cap with {flag}, or submit fewer tasks or shots"
            )
