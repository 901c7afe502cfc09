"""One `hybrid-rg cora fit` run: data → model → fit → evaluation → run dir (all or nothing).

The run dir holds everything needed to reload and check the model:
    model.pt         torch state_dict + model config (rebuilt by `load_model`)
    spec.toml        the spec exactly as given;  summary.json  seeds, timings, headline numbers
    correlations.csv ⟨σ_0 σ_r⟩ vs r: model (exact marginals), train data, test data, exact (1D chain)
    metrics.csv      energy, held-out KL, sampling speed, one row per quantity
    training.csv     loss per step for every optimisation stage;   correlations.png   the comparison plot
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np

from ..errors import UnusableFile
from .spec import CoraSpec


def build_model(spec: CoraSpec):
    from .geometry import Geometry
    from .model import Cora

    geo = Geometry(spec.data.dim, spec.data.side, spec.model.n_layers)
    return Cora(geo, n_states=2, chi=spec.model.chi, top=spec.model.top, seed=spec.model.seed, init=spec.model.init)


def load_model(run_dir):
    from ..utils.checkpoints import load_checkpoint
    from .model import Cora

    path = Path(run_dir) / "model.pt"
    if not path.is_file():
        raise UnusableFile(f"{run_dir} has no model.pt: give a run dir written by `hybrid-rg cora fit`")
    blob = load_checkpoint(path)
    model = Cora.from_config(blob["config"])
    model.load_state_dict(blob["state"])
    return model


def evaluate(model, spec: CoraSpec, data: dict) -> tuple[dict, dict]:
    from .ising import binned_mean, chain_correlation
    from .ising_exact import energy_onsager, energy_torus, row_correlation_infinite
    from .marginals import ConeMarginals
    from .observables import correlation_curve, data_correlation, model_energy, sample_correlation_curve, site_subset
    from .patches import histogram, mean_kl
    from .sampling import sample

    d, geo = spec.data, model.geometry
    r = np.arange(1, spec.eval.r_max + 1)
    sites = site_subset(model, spec.eval.n_sites, spec.eval.seed)
    # 1D: exact two-site marginals at every distance. 2D: the joint cone of two distant sites is a long strip
    # (exponential in its area), so the curve comes from exact, independent CORA samples, with its error bar.
    n_corr = spec.eval.n_correlation
    sampled, sampled_err = sample_correlation_curve(
        sample(model, n_corr, seed=spec.eval.seed + 1), d.side, d.dim, spec.eval.r_max
    )
    curves = {
        "r": r,
        "model": correlation_curve(model, spec.eval.r_max, sites) if d.dim == 1 else sampled,
        "model_sampled": sampled,
        "model_sampled_err": sampled_err,
    }
    for part in ("train", "test"):
        curves[part] = np.array(
            [np.mean([data_correlation(data[part], d.side, d.dim, int(x), a) for a in range(d.dim)]) for x in r]
        )
    if d.dim == 1:
        curves["exact"] = chain_correlation(d.side, d.coupling, r)
    else:
        curves["infinite_lattice"] = row_correlation_infinite(d.coupling, spec.eval.r_max)
    metrics = {
        "energy_model": model_energy(model, sites),
        "model_sites_averaged": float(len(sites)),
        "energy_test_data": -d.dim * float(curves["test"][0]),
        "energy_train_data": -d.dim * float(curves["train"][0]),
    }
    per_sample = -sum(
        (lambda s: (s * np.roll(s, -1, axis=1 + a)).reshape(len(s), -1).mean(1))(
            2.0 * data["test"].reshape((-1,) + (d.side,) * d.dim).astype(float) - 1.0
        )
        for a in range(d.dim)
    )
    metrics["energy_test_data_err"] = binned_mean(per_sample, n_bins=20)[1]  # binned: MC samples are correlated
    if d.dim == 1:
        metrics["energy_exact"] = -float(chain_correlation(d.side, d.coupling, 1))
    else:
        metrics["energy_exact_torus_kaufman"] = energy_torus(d.side, d.side, d.coupling)
        metrics["energy_exact_infinite_onsager"] = energy_onsager(d.coupling)
    shape = spec.fit.window
    hist = histogram(data["test"], geo, 0, shape, 2)
    metrics["heldout_kl_nats"] = mean_kl(ConeMarginals(model), 0, shape, hist, [geo.coords(0, s) for s in sites])
    # a second held-out reference: the KL of the training data's own window histogram (finite-sample noise floor)
    h_train = histogram(data["train"], geo, 0, shape, 2)
    metrics["train_vs_test_window_kl_nats"] = float(
        np.sum(hist[hist > 0] * np.log(hist[hist > 0] / np.maximum(h_train[hist > 0], 1e-300)))
    )
    t0 = time.perf_counter()
    sample(model, spec.eval.n_speed, seed=spec.eval.seed)
    metrics["cora_seconds_per_sample"] = (time.perf_counter() - t0) / spec.eval.n_speed
    metrics["data_seconds_per_sample"] = data["seconds_per_sample"]
    metrics["data_tau_int_energy"] = data["tau_int"]
    metrics["data_seconds_per_independent_sample"] = data["seconds_per_sample"] * 2 * data["tau_int"]
    return curves, metrics


def write_run(
    tmp: Path, model, spec: CoraSpec, spec_text: str, traces: dict, curves: dict, metrics: dict, info: dict
) -> None:
    import torch

    torch.save({"config": model.config(), "state": model.state_dict()}, tmp / "model.pt")
    (tmp / "spec.toml").write_text(spec_text)
    # spec_digest: the result fields' digest (utils.specs), the same record every other run folder carries
    summary = {"spec": spec.model_dump(mode="json"), "spec_digest": spec.result_digest(), "metrics": metrics, **info}
    (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    with open(tmp / "correlations.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(curves))
        for i in range(len(curves["r"])):
            w.writerow([f"{curves[c][i]:.10g}" for c in curves])
    with open(tmp / "metrics.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["quantity", "value"])
        for k, v in metrics.items():
            w.writerow([k, f"{v:.10g}"])
    with open(tmp / "training.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["stage", "step", "loss"])
        for stage, vals in traces.items():
            for i, v in enumerate(vals):
                w.writerow([stage, i, f"{v:.12g}"])
    _plot(tmp / "correlations.png", spec, curves, metrics)


def _plot(path: Path, spec: CoraSpec, curves: dict, metrics: dict) -> None:
    from ..utils.plotting import figure, legend, save

    fig, ax = figure(size=(6.4, 4.4))
    r = curves["r"]
    if "exact" in curves:
        ax.plot(r, curves["exact"], "k-", linewidth=2.5, label="exact (chain)")
    if "infinite_lattice" in curves:
        ax.plot(r, curves["infinite_lattice"], "k:", label="exact, infinite lattice")
    ax.plot(r, curves["train"], "C0o", label="train data")
    ax.plot(r, curves["test"], "C2x", label="test data")
    if spec.data.dim == 1:
        ax.plot(r, curves["model"], "C3--", linewidth=2, label="CORA (exact marginals)")
    if "model_sampled" in curves:
        ax.errorbar(
            r,
            curves["model_sampled"],
            yerr=curves["model_sampled_err"],
            fmt="C3s",
            ms=3,
            capsize=2,
            mfc="none",
            label="CORA (exact samples, ±1σ)",
        )
    ax.set_xlabel("distance $r$ (lattice spacings)")
    ax.set_ylabel(r"$\langle \sigma_0 \sigma_r \rangle$ (dimensionless)")
    lowest = min(float(np.min(v)) for k, v in curves.items() if k not in ("r", "model_sampled_err"))
    ax.set_yscale("log" if lowest > 0 else "symlog", **({} if lowest > 0 else {"linthresh": 1e-2}))
    ax.grid(alpha=0.3, which="both")
    legend(ax)
    d = spec.data
    ax.set_title(
        f"{d.model}, side {d.side}, $T/J$ = {1 / d.coupling:.4f}, {spec.fit.method}; energy per site (J): model "
        f"{metrics['energy_model']:.4f}, data {metrics['energy_test_data']:.4f}",
        fontsize=8.5,
    )
    save(fig, path)


def replot(run_dir) -> None:
    """Redraw correlations.png of a finished run from its CSV and summary (no refit)."""
    from .spec import parse_spec

    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    spec = parse_spec(summary["spec"], run_dir / "summary.json")
    with open(run_dir / "correlations.csv") as fh:
        rows = list(csv.DictReader(fh))
    curves = {k: np.array([float(row[k]) for row in rows]) for k in rows[0]}
    tmp = run_dir / "correlations.tmp.png"
    _plot(tmp, spec, curves, summary["metrics"])
    tmp.replace(run_dir / "correlations.png")


def fit_run(spec: CoraSpec, spec_text: str, out: str) -> dict:
    """Run everything in memory first; the run dir is written only at the end, atomically. A checkpoint beside
    it (resume.py) lets the same command resume a killed fit; it is removed once the run dir is written."""
    import torch

    from ..utils.results import atomic_dir
    from .data import make_data
    from .gibbs import EMOptions
    from .learning import FitOptions, fit
    from .resume import FitCheckpoint, checkpoint_path, fingerprint

    torch.manual_seed(spec.fit.seed)
    model = build_model(spec)  # raises ValueError before any work for bad sizes
    f = spec.fit
    ck = FitCheckpoint(checkpoint_path(out), fingerprint(spec.model_dump(mode="json")), f.checkpoint_every)
    if ck.data:  # resuming: the data of the interrupted run (regenerating them would cost the Monte Carlo again)
        data = {k: (v.numpy() if isinstance(v, torch.Tensor) else v) for k, v in ck.data.items()}
    else:
        data = make_data(spec.data)
        ck.data = {k: (torch.as_tensor(v) if isinstance(v, np.ndarray) else v) for k, v in data.items()}
    t0 = time.perf_counter()
    traces = fit(
        model,
        data["train"],
        f.method,
        FitOptions(f.window, f.steps, f.lr, f.origins_per_step, f.seed),
        further_passes=f.further_passes,
        em=EMOptions(f.em_iterations, f.em_sweeps, f.em_burn_in, f.em_damping, f.em_pseudo_count, f.seed + 7),
        ck=ck,
        polish=FitOptions(f.window, f.polish_steps, f.polish_lr, f.origins_per_step, f.seed + 13),
        polish_layers=f.polish_layers,
    )
    fit_seconds = time.perf_counter() - t0
    curves, metrics = evaluate(model, spec, data)
    metrics["fit_seconds"] = fit_seconds  # this call only, when it resumed a checkpoint
    info = {
        "seeds": {
            "data_train": spec.data.seed,
            "data_test": spec.data.seed + 1,
            "model_init": spec.model.seed,
            "fit": spec.fit.seed,
            "eval_sampling": spec.eval.seed,
        },
        "data_generator": data["generator"],
        "torch": torch.__version__,
        "resumed_from": ck.resumed_from,
    }
    with atomic_dir(out) as tmp:
        write_run(tmp, model, spec, spec_text, traces, curves, metrics, info)
    ck.remove()
    return metrics
