"""The runtime: dry runs, a durable submission ledger, budgets, status/collect from any process, provenance.

    from hybrid_rg.runtime import Ledger, SubmitRequest, submit, collect, dry_run

`ledger` (SQLite file) is the single source of truth; `submit` writes intents before submitting and records task ids
after; `collect` polls with bounds and stores results; `dry_run` does everything except paying. The devices layer is
used through its public modules (spec, validation, registry). Docs: docs/runtime.md.
"""

import importlib

# Lazy (PEP 562): `hybrid-rg --help` imports this package to register its subcommands, and the eager imports
# (dryrun -> pulse -> operators -> torch) cost seconds. Each name is imported on first use.
_WHERE = {
    "BudgetExceeded": "budget",
    "collect": "collect",
    "dry_run": "dryrun",
    "Ledger": "ledger",
    "LedgerError": "ledger",
    "SubmitRequest": "submit",
    "submit": "submit",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BudgetExceeded", "Ledger", "LedgerError", "SubmitRequest", "collect", "dry_run", "submit"]
