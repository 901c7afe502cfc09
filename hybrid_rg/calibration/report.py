"""What a campaign has found, read from its storage and the ledger without changing either.

    status(cspec, root)                    counts by state, best trial, storage, how to open the dashboard
    write_report(cspec, root, out)         history.csv, history.png (loss per trial, best so far, error bars),
                                           importances.png (optuna's PED-ANOVA), best_program.png, report.md
    export_best(cspec, root, ledger, path) the best feasible trial's program as it was validated and run
                                           (the ledger's copy, on the device's grids), written atomically

The best trial is the lowest loss among COMPLETE trials whose bound constraint holds (or, with the bound as a second
objective, the lowest loss on the Pareto front).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..utils.results import atomic_file
from .floor import Z, indistinguishable, loss_sd, verdict
from .floor import floor as noise_floor
from .spec import CampaignSpec, CampaignSpecError
from .study import open_campaign


def _feasible(t) -> bool:
    return all(v <= 0 for k, v in t.system_attrs.items() if k.startswith("constraints:"))


def _complete_feasible(study) -> list:
    from optuna.trial import TrialState

    return [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if _feasible(t)]


def best_trial(study):
    """The lowest measured loss among complete, feasible trials (floor.indistinguishable says which others shot
    noise cannot tell apart from it)."""
    done = _complete_feasible(study)
    return min(done, key=lambda t: t.values[0]) if done else None


def status(cspec: CampaignSpec, root) -> dict:
    camp = open_campaign(cspec, root, readonly=True)
    study = camp.study
    states: dict[str, int] = {}
    for t in study.get_trials(deepcopy=False):
        states[t.state.name] = states.get(t.state.name, 0) + 1
    best = best_trial(study)
    url = camp.url
    feasible = _complete_feasible(study)
    floor_value = noise_floor(feasible)
    ties = indistinguishable(feasible, best) if best is not None else []
    return {
        "campaign": cspec.name,
        "storage": url,
        "n_trials_target": cspec.budget.n_trials,
        "states": states,
        "target": study.user_attrs.get("target"),
        "target_method": study.user_attrs.get("target_method"),
        "best": None
        if best is None
        else {
            "trial": best.number,
            "loss": best.values[0],
            "params": best.params,
            "estimate": best.user_attrs.get("estimate"),
            "stderr": best.user_attrs.get("stderr"),
            "bound": best.user_attrs.get("bound"),
        },
        "shot_noise_floor": floor_value,
        "indistinguishable_from_best": ties,
        "verdict": verdict(best, ties, floor_value),
        "dashboard": dashboard_hint(url),
    }


def dashboard_hint(url: str) -> str:
    """A command that opens the study in optuna-dashboard (http://127.0.0.1:8080), as it works on this install:
    the dashboard's own path when it is not on PATH (a venv that is not activated), and a copy of a SQLite
    study (a dashboard holding the live SQLite file open can stall the campaign's writes, a known optuna-dashboard
    limitation) made with Python's sqlite3 backup, which needs no sqlite3 program."""
    import shlex
    import shutil
    import sys

    exe = shutil.which("optuna-dashboard")
    beside = Path(sys.executable).parent / "optuna-dashboard"
    if exe is None and beside.exists():
        exe = str(beside)
    if exe is None:
        return (
            "optuna-dashboard is not installed: pip install 'hybrid-rg[calibration]' (it brings it), then run "
            "'hybrid-rg calibrate status' again"
        )
    dash = shlex.quote(exe)
    if url.startswith("journal:"):
        return f"{dash} {shlex.quote(url[len('journal:') :])}"
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        copy = f"/tmp/{Path(path).stem}-{Path(path).parent.name}-copy.db"
        backup = f"import sqlite3; sqlite3.connect({json.dumps(path)}).backup(sqlite3.connect({json.dumps(copy)}))"
        return f"{shlex.quote(sys.executable)} -c {shlex.quote(backup)} && {dash} sqlite:///{copy}"
    return f"{dash} {shlex.quote(url)}"


def history(study) -> list[dict]:
    rows = []
    best = float("inf")
    for t in study.get_trials(deepcopy=False):
        loss = t.values[0] if t.values else None
        if loss is not None and _feasible(t):
            best = min(best, loss)
        ua = t.user_attrs
        sd = loss_sd(ua["loss0"], ua["stderr"]) if ua.get("stderr") is not None and "loss0" in ua else None
        rows.append(
            {
                "trial": t.number,
                "loss_sd": sd,
                "floor": None if ua.get("stderr") is None else ua["stderr"] ** 2,
                "state": t.state.name,
                "loss": loss,
                "best_so_far": None if best == float("inf") else best,
                "feasible": _feasible(t),
                "estimate": t.user_attrs.get("estimate"),
                "stderr": t.user_attrs.get("stderr"),
                "bound": t.user_attrs.get("bound"),
                "surrogate": t.user_attrs.get("surrogate_value"),
                "warm_start": "warm_start_surrogate_loss" in t.user_attrs,
                **t.params,
            }
        )
    return rows


def write_report(cspec: CampaignSpec, root, out: Path, ledger_path=None) -> dict:
    from ..utils.plotting import figure, save

    camp = open_campaign(cspec, root, readonly=True)
    study, out = camp.study, Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = history(study)
    cols = sorted({k for r in rows for k in r}, key=lambda k: (k not in ("trial", "state", "loss"), k))
    (out / "history.csv").write_text(
        ",".join(cols)
        + "\n"
        + "\n".join(",".join("" if r.get(c) is None else str(r.get(c)) for c in cols) for r in rows)
        + "\n"
    )
    st = status(cspec, root)
    _plot_history(out / "history.png", cspec, rows, st)
    importances, evaluator = {}, None
    done = [r for r in rows if r["loss"] is not None]
    if len(done) >= 3 and study.best_trials and len(camp.space) > 1:
        import optuna

        # named explicitly, so that the plot and report.md say what computed the numbers (optuna 5's default; the
        # fANOVA evaluator would need scikit-learn, which the calibration extra does not bring)
        evaluator = optuna.importance.PedAnovaImportanceEvaluator()
        importances = optuna.importance.get_param_importances(study, evaluator=evaluator, target=lambda t: t.values[0])
        fig, ax = figure(size=(5.2, 0.5 + 0.45 * len(importances) + 1.0))
        names = list(importances)[::-1]
        ax.barh(names, [importances[n] for n in names])
        ax.set_xlabel("importance for the loss (normalised to sum 1, dimensionless)")
        ax.set_xlim(0, 1)
        ax.set_title(f"evaluator: optuna {type(evaluator).__name__}, {len(done)} trials", fontsize=8)
        save(fig, out / "importances.png", dpi=110)
    from ..runtime.ledger import is_url

    best_prog = None
    if st["best"] is not None and ledger_path is not None and (is_url(ledger_path) or Path(ledger_path).exists()):
        from ..pulse.plot import plot_programs

        best_prog = _best_program(study, ledger_path)
        plot_programs(out / "best_program.png", [(f"trial {st['best']['trial']}", best_prog)])
    evaluator_name = None if evaluator is None else f"optuna {type(evaluator).__name__}"
    summary = {**st, "importances": importances, "importance_evaluator": evaluator_name, "n_rows": len(rows)}
    md = [
        f"# calibration campaign {cspec.name}",
        "",
        f"storage: `{st['storage']}`",
        "",
        f"target ⟨O(T={cspec.T})⟩ = {st['target']} ({st['target_method']})",
        "",
        f"trials by state: {st['states']}",
        "",
        f"best: {json.dumps(st['best'])}",
        "",
        f"shot-noise floor of the loss (median σ² of the estimates): {st['shot_noise_floor']}",
        "",
        f"indistinguishable from the best within shot noise ({Z:g}σ): trials {st['indistinguishable_from_best']}",
        "",
        f"verdict: {st['verdict']}",
        "",
        f"importances ({evaluator_name}): {json.dumps(importances)}",
        "",
        "![history](history.png)",
        "![importances](importances.png)" if importances else "",
        "![best](best_program.png)" if best_prog else "",
        "",
        f"dashboard: `{st['dashboard']}`",
    ]
    (out / "report.md").write_text("\n".join(md) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    return summary


def _plot_history(path: Path, cspec: CampaignSpec, rows: list[dict], st: dict) -> None:
    """Loss per trial with its shot-noise error bar, the best so far, the shot-noise floor, and the trials that
    noise cannot tell apart from the best (floor.py)."""
    import numpy as np

    from ..utils.plotting import figure, legend, save

    done = [r for r in rows if r["loss"] is not None]
    fig, ax = figure(size=(7.0, 4.0))
    if not done:
        ax.text(0.5, 0.5, "no trial has a loss yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel("trial number")
        ax.set_ylabel("loss (dimensionless)")
        save(fig, path, dpi=110)
        return
    ties = set(st.get("indistinguishable_from_best") or [])
    x = np.array([r["trial"] for r in done], dtype=float)
    y = np.array([r["loss"] for r in done], dtype=float)
    sd = np.array([r.get("loss_sd") or 0.0 for r in done], dtype=float)
    lower = np.minimum(sd, 0.9 * y)  # a log axis cannot show a bar below zero: the bar stops at y/10
    tie = np.array([r["trial"] in ties for r in done])
    ax.errorbar(
        x[~tie],
        y[~tie],
        yerr=[lower[~tie], sd[~tie]],
        fmt="o",
        ms=4,
        capsize=2,
        color="C0",
        label="trial loss ± 1σ (shots)",
    )
    if tie.any():
        ax.errorbar(
            x[tie],
            y[tie],
            yerr=[lower[tie], sd[tie]],
            fmt="D",
            ms=5,
            capsize=2,
            color="C3",
            label=f"indistinguishable from the best ({len(ties)})",
        )
    ax.step(x, [r["best_so_far"] or np.nan for r in done], where="post", color="k", lw=1, label="lowest so far")
    ax.set_yscale("log")
    floor_value = st.get("shot_noise_floor")
    if floor_value:
        lo, hi = ax.get_ylim()
        lo = min(lo, floor_value / 10)
        ax.axhline(floor_value, color="C2", ls="--", lw=1.2, label=f"shot-noise floor σ² = {floor_value:.1e}")
        ax.axhspan(lo, floor_value, color="C2", alpha=0.08)  # below the floor: indistinguishable from the target
        ax.set_ylim(lo, hi)
    ax.set_xlabel("trial number")
    ax.set_ylabel(r"loss $(\hat{O}(T) - O_\mathrm{exact})^2$ (+ consistency), dimensionless")
    ties_text = f"trials {sorted(ties)} indistinguishable from the best" if len(ties) > 1 else "best beyond shot noise"
    ax.set_title(f"campaign {cspec.name}: {ties_text} (report.md says why)", fontsize=9)
    legend(ax)
    save(fig, path, dpi=110)


def _best_program(study, ledger_path):
    from ..pulse.program import RydbergProgram
    from ..runtime import records
    from ..runtime.ledger import Ledger

    best = best_trial(study)
    if best is None:
        raise CampaignSpecError("no complete, feasible trial yet; run the campaign first")
    with Ledger(ledger_path, readonly=True) as led:
        entries = records.select(led.conn, batch=best.user_attrs["batch"])
    if not entries:
        raise CampaignSpecError(
            f"the ledger {ledger_path} has no entries for trial {best.number} (batch "
            f"{best.user_attrs['batch']}); pass the ledger the campaign ran with (--ledger)"
        )
    return RydbergProgram.from_json(entries[0].program_json)


def export_best(cspec: CampaignSpec, root, ledger_path, path) -> dict:
    camp = open_campaign(cspec, root, readonly=True)
    program = _best_program(camp.study, ledger_path)
    best = best_trial(camp.study)
    meta = dict(program.metadata) | {"calibration_trial": str(best.number), "calibration_loss": repr(best.values[0])}
    d = {**program.to_dict(), "metadata": meta}
    path = Path(path)
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(d, indent=2))
    return {
        "trial": best.number,
        "loss": best.values[0],
        "params": best.params,
        "digest": program.digest(),
        "path": str(path),
    }
