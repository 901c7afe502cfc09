"""Small campaign specs for the tests: the HEM smoke experiment on the emulator or on the runtime's fake paid
device (fake_aquila served by FakeRemoteDevice, which records every task it is asked to create)."""

from __future__ import annotations

from pathlib import Path

EXPERIMENT = Path(__file__).resolve().parents[2] / "experiments" / "olrg" / "hem_smoke.toml"


def write_spec(
    folder: Path,
    name: str = "c",
    *,
    device: str = "emulator",
    options: dict | None = None,
    extra: str = "",
    n_trials: int = 4,
    batch_size: int = 2,
    bound: str = "none",
    warm: bool = False,
    storage: str = "",
    budget_usd: float | None = None,
) -> Path:
    opts = ", ".join(f'{k} = "{v}"' for k, v in (options or {}).items())
    budget = "" if budget_usd is None else f"budget_usd = {budget_usd}"
    text = f"""
name = "{name}"
experiment = "{EXPERIMENT}"
T = 1.0
[device]
name = "{device}"
shots = 200
options = {{ {opts} }}
[search]
omega = {{ low = 0.5, high = 4.0 }}
delta = {{ low = -2.0, high = 3.0 }}
[objective]
bound = "{bound}"
bound_max = 1.0
[budget]
n_trials = {n_trials}
batch_size = {batch_size}
collect_timeout_s = 20
poll_interval_s = 0.01
{budget}
[sampler]
seed = 3
n_startup_trials = 2
[warm_start]
enabled = {str(warm).lower()}
n_candidates = 8
n_enqueue = 2
narrow_top = 3
{storage}
{extra}
"""
    path = Path(folder) / f"{name}.toml"
    path.write_text(text)
    return path


def fake_options(provider: Path, delay_s: float = 0.02, accept_delay_s: float = 0.03) -> dict:
    return {"dir": str(provider), "delay_s": str(delay_s), "accept_delay_s": str(accept_delay_s)}


# what a campaign worker imports, loaded once in the fork server (the PostgreSQL harness adds its drivers)
CAMPAIGN_MODULES = [
    "optuna",
    "optuna.storages.journal",
    "hybrid_rg.calibration.build",
    "hybrid_rg.calibration.campaign",
    "hybrid_rg.calibration.warm",
    "hybrid_rg.olrg.experiment",
    "hybrid_rg.olrg.predict",
    "hybrid_rg.olrg.trainer",
    "hybrid_rg.pulse.experiment_programs",
    "hybrid_rg.runtime.collect",
    "hybrid_rg.testing.fake_provider",
    "hybrid_rg.devices.emulator",
    "hybrid_rg.runtime.submit",
    "hybrid_rg.utils.provenance",
]
