"""What a campaign has found, read from its storage and the ledger without changing either.

    status(cspec, root)                    counts by state, best trial, storage, how to open the dashboard
    write_report(cspec, root, out)         history.csv, history.png (loss per trial, best so far, error bars),
                                           importances.png (optuna's fANOVA), best_program.png, report.md
    export_best(cspec, root, ledger, path) the best feasible trial's program as it was validated and run
                                           (the ledger's copy, on the device's grids), written atomically

The best trial is the lowest loss among COMPLETE trials whose bound constraint holds (or, with the bound as a second
objective, the lowest loss on the Pareto front).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..utils.results import atomic_file
from .spec import CampaignSpec, CampaignSpecError
from .study import open_campaign


def _feasible(t) -> bool:
    return all(v <= 0 for k, v in t.system_attrs.items() if k.startswith("constraints:"))


def best_trial(study):
    from optuna.trial import TrialState

    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if _feasible(t)]
    return min(done, key=lambda t: t.values[0]) if done else None


def status(cspec: CampaignSpec, root) -> dict:
    camp = open_campaign(cspec, root, readonly=True)
    study = camp.study
    states: dict[str, int] = {}
    for t in study.get_trials(deepcopy=False):
        states[t.state.name] = states.get(t.state.name, 0) + 1
    best = best_trial(study)
    url = camp.url
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
        "dashboard": dashboard_hint(url),
    }


def dashboard_hint(url: str) -> str:
    if url.startswith("journal:"):
        return f"optuna-dashboard {url[len('journal:') :]}   (a journal file; open a copy while the campaign runs)"
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        return (
            f"sqlite3 {path} '.backup /tmp/{Path(path).stem}-copy.db' && optuna-dashboard "
            f"sqlite:////tmp/{Path(path).stem}-copy.db   (a copy: the dashboard on a live SQLite file can stall "
            f"the campaign, optuna-dashboard #545)"
        )
    return f"optuna-dashboard {url}"


def history(study) -> list[dict]:
    rows = []
    best = float("inf")
    for t in study.get_trials(deepcopy=False):
        loss = t.values[0] if t.values else None
        if loss is not None and _feasible(t):
            best = min(best, loss)
        rows.append(
            {
                "trial": t.number,
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    done = [r for r in rows if r["loss"] is not None]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.semilogy([r["trial"] for r in done], [r["loss"] for r in done], "o", ms=4, label="trial loss")
    ax.semilogy([r["trial"] for r in done], [r["best_so_far"] or float("nan") for r in done], "-", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("(⟨O(T)⟩_shots − target)² (+ consistency)")
    ax.set_title(cspec.name)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "history.png", dpi=110)
    plt.close(fig)
    importances = {}
    if len(done) >= 3 and study.best_trials and len(camp.space) > 1:
        import optuna

        importances = optuna.importance.get_param_importances(study, target=lambda t: t.values[0])
        fig, ax = plt.subplots(figsize=(5, 2.8))
        ax.barh(list(importances), list(importances.values()))
        ax.set_xlabel("importance (fANOVA)")
        fig.tight_layout()
        fig.savefig(out / "importances.png", dpi=110)
        plt.close(fig)
    from ..runtime.ledger import is_url

    st = status(cspec, root)
    best_prog = None
    if st["best"] is not None and ledger_path is not None and (is_url(ledger_path) or Path(ledger_path).exists()):
        from ..pulse.plot import plot_programs

        best_prog = _best_program(study, ledger_path)
        plot_programs(out / "best_program.png", [(f"trial {st['best']['trial']}", best_prog)])
    summary = {**st, "importances": importances, "n_rows": len(rows)}
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
        f"importances: {json.dumps(importances)}",
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
