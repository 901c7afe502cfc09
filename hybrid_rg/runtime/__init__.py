"""The runtime: dry runs, a durable submission ledger, budgets, status/collect from any process, provenance.

    from hybrid_rg.runtime import Ledger, SubmitRequest, submit, collect, dry_run

`ledger` (SQLite file) is the single source of truth; `submit` writes intents before submitting and records task ids
after; `collect` polls with bounds and stores results; `dry_run` does everything except paying. The devices layer is
used through its public modules (spec, validation, registry). Docs: docs/runtime.md.
"""

from .budget import BudgetExceeded
from .collect import collect
from .dryrun import dry_run
from .ledger import Ledger, LedgerError
from .submit import SubmitRequest, submit

__all__ = ["BudgetExceeded", "Ledger", "LedgerError", "SubmitRequest", "collect", "dry_run", "submit"]
