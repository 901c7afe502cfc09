"""Pulse-calibration campaigns with optuna: tune an HEM experiment's pulse hyperparameters on a device.

    from hybrid_rg.calibration import load_campaign, run_campaign
    outcome = run_campaign(load_campaign("calibration/hem_emulator.toml"), root="out/calibration",
                           ledger_path="out/ledger.sqlite")

spec (campaign TOML) → study (durable optuna storage, warm start, ownership) → campaign (ask → build → submit
through the runtime ledger → collect → tell) → report (status, history, importances, best program). Docs:
docs/calibration.md.
"""

from __future__ import annotations

import importlib

# Loaded on first use, so that `hybrid-rg --help` (which imports calibration.cli) does not load torch and optuna.
_HOME = {
    "Outcome": "campaign",
    "run_campaign": "campaign",
    "CampaignSpec": "spec",
    "CampaignSpecError": "spec",
    "load_campaign": "spec",
    "StorageRefused": "storage",
}

__all__ = ["CampaignSpec", "CampaignSpecError", "Outcome", "StorageRefused", "load_campaign", "run_campaign"]


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
