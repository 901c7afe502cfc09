"""Pulse-calibration campaigns with optuna: tune an HEM experiment's pulse hyperparameters on a device.

    from hybrid_rg.calibration import load_campaign, run_campaign
    outcome = run_campaign(load_campaign("calibration/hem_emulator.toml"), root="out/calibration",
                           ledger_path="out/ledger.sqlite")

spec (campaign TOML) → study (durable optuna storage, warm start, ownership) → campaign (ask → build → submit
through the runtime ledger → collect → tell) → report (status, history, importances, best program). Docs:
docs/calibration.md.
"""

import importlib

# Lazy (PEP 562): `hybrid-rg --help` imports this package to register `calibrate`, and campaign -> build -> torch
# would cost seconds there. Each name is imported on first use.
_WHERE = {"Outcome": "campaign", "run_campaign": "campaign", "CampaignSpec": "spec", "CampaignSpecError": "spec",
          "load_campaign": "spec", "StorageRefused": "storage"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CampaignSpec", "CampaignSpecError", "Outcome", "StorageRefused", "load_campaign", "run_campaign"]
