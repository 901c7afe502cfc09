"""Pulse-calibration campaigns with optuna: tune an HEM experiment's pulse hyperparameters on a device.

    from hybrid_rg.calibration import load_campaign, run_campaign
    outcome = run_campaign(load_campaign("calibration/hem_emulator.toml"), root="out/calibration",
                           ledger_path="out/ledger.sqlite")

spec (campaign TOML) → study (durable optuna storage, warm start, ownership) → campaign (ask → build → submit
through the runtime ledger → collect → tell) → report (status, history, importances, best program). Docs:
docs/calibration.md.
"""

from .campaign import Outcome, run_campaign
from .spec import CampaignSpec, CampaignSpecError, load_campaign
from .storage import StorageRefused

__all__ = ["CampaignSpec", "CampaignSpecError", "Outcome", "StorageRefused", "load_campaign", "run_campaign"]
