"""Generative map (exactness at full χ, isometries), checkpoint/resume, and the experiment spec checks."""

import subprocess
import sys

import pytest
import torch

from hybrid_rg.exact import evolve, product_state
from hybrid_rg.olrg import LinearIsometryMap, LossConfig, SiteModel, exact_block, run_flow
from hybrid_rg.olrg.generative import GenerativeMap
from hybrid_rg.olrg.spec import SpecError, parse_spec
from hybrid_rg.olrg.trainer import train
from hybrid_rg.operators import PauliExpr

SITE = SiteModel.tfim(1.0, 0.9, 0.3)
O = PauliExpr.term(2, "ZZ", (0, 1), 0.25)


def _exact(N, T):
    return evolve(SITE.chain(N), product_state(N), [T], {"o": PauliExpr(N, O.terms)})["o"][0].real


@pytest.mark.parametrize("per_operator", [False, True], ids=["shared", "per_operator"])
def test_generative_map_at_full_chi_is_exact(per_operator):
    N, T = 6, 1.2
    opmap = GenerativeMap(2**N, depth=2, width=8, per_operator=per_operator, seed=4)
    pred = float(run_flow(exact_block(SITE, 2, O), SITE, N, opmap).prediction(T).detach())
    assert abs(pred - _exact(N, T)) < 1e-10


def test_per_operator_unitaries_would_break_exactness():
    # why the per-operator map passes blocks through at χ = D: a different unitary per operator is not a change
    # of basis (notes/olrg.md §7.5), so it changes the physics even without truncation.
    N, T = 5, 1.2
    opmap = GenerativeMap(4, depth=1, width=8, per_operator=True, seed=1)
    b = exact_block(SITE, 2, O)
    scrambled = b.apply(lambda X: (lambda V: V.conj().T @ X @ V)(opmap.isometry(X, 4)))
    pred = float(run_flow(scrambled, SITE, N, lambda blk, n: blk).prediction(T).detach())
    assert abs(pred - _exact(N, T)) > 1e-3


def test_generative_training_lowers_the_loss_and_keeps_isometries():
    first = exact_block(SITE, 3, O)
    opmap = GenerativeMap(4, depth=1, width=16, seed=0)
    cfg = LossConfig(T=0.5, K=1, n_steps=5, n_samples=8)
    res = train(first, SITE, 5, opmap, cfg, iterations=30, lr=1e-2, ensemble=2)
    assert min(res.losses[-5:]) < 0.5 * res.losses[0]
    V = opmap.isometry(first.H, 4).detach()
    assert float((V.conj().T @ V - torch.eye(4, dtype=V.dtype)).abs().max()) < 1e-12


def test_resume_from_a_checkpoint_continues_exactly(tmp_path):
    first = exact_block(SITE, 3, O)
    cfg = LossConfig(T=0.6, K=2, n_steps=6, n_samples=5)
    kw = dict(iterations=8, lr=2e-2, seed=3)
    straight = LinearIsometryMap(4, init="rdm", site=SITE, T=0.6)
    full = train(first, SITE, 6, straight, cfg, **kw)

    ck = tmp_path / "train.pt"
    interrupted = LinearIsometryMap(4, init="rdm", site=SITE, T=0.6)
    train(first, SITE, 6, interrupted, cfg, **{**kw, "iterations": 5}, checkpoint=ck, checkpoint_every=5)
    resumed_map = LinearIsometryMap(4, init="rdm", site=SITE, T=0.6)
    resumed = train(first, SITE, 6, resumed_map, cfg, **kw, checkpoint=ck, checkpoint_every=5)
    assert resumed.resumed_at == 5
    assert resumed.losses == pytest.approx(full.losses, rel=1e-12, abs=0)
    for key in straight.W:
        assert float((straight.W[key] - resumed_map.W[key]).detach().abs().max()) < 1e-12


GOOD = {
    "target": {"model": "tfim", "N": 5, "observable": "zz:0,1", "observable_scale": 0.25},
    "times": {"T": [0.2, 0.4]},
    "map": {"kind": "linear", "n0": 2, "chi": 2},
    "training": {"orders": [0, 1], "iterations": 3, "n_samples": 4, "n_steps": 5},
    "bound": {"n_grid": 11},
}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"target": {**GOOD["target"], "spin": 1}}, "target.spin"),
        ({"map": {**GOOD["map"], "chi": 64}}, "map.chi"),
        ({"map": {**GOOD["map"], "n0": 5}}, "map.n0"),
        ({"times": {"T": [-0.1, 0.2]}}, "times.T"),
        ({"target": {**GOOD["target"], "observable": "zz:0,3"}}, "target.observable"),
        ({"training": {**GOOD["training"], "orders": [7]}}, "training.orders"),
        ({"tags": 1}, "tags"),
    ],
)
def test_malformed_spec_names_the_field(change, field):
    ok = parse_spec(GOOD)
    assert ok.training.warm_start is False  # opt-in: it must not leak into untrained runs
    assert ok.times.T == (0.2, 0.4) and ok.map.chi == 2
    with pytest.raises(SpecError, match=field.replace(".", r"\.")):
        parse_spec({**GOOD, **change})


def _toml(d):
    import tomli_w

    return tomli_w.dumps(d)


def test_cli_run_writes_results_and_refuses_bad_specs(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(_toml(GOOD))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "hybrid_rg.cli", "run", str(spec), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env={"HYBRID_RG_PROGRESS": "0", "PATH": ""})
    assert done.returncode == 0, done.stderr
    rows = (out / "result.csv").read_text().splitlines()
    assert rows[0].startswith("order,T,prediction,exact") and len(rows) == 1 + 4
    for row in rows[1:]:
        cols = dict(zip(rows[0].split(","), row.split(",")))
        assert float(cols["bound"]) >= float(cols["abs_error"])
    assert (out / "result.png").stat().st_size > 10_000 and (out / "provenance.json").exists()
    # rerun resumes: every point is already done, the numbers are identical
    again = subprocess.run(cmd, capture_output=True, text=True, env={"HYBRID_RG_PROGRESS": "0", "PATH": ""})
    assert again.returncode == 0 and (out / "result.csv").read_text().splitlines() == rows

    bad = tmp_path / "bad.toml"
    bad.write_text(_toml({**GOOD, "map": {**GOOD["map"], "chi": 64}}))
    out2 = tmp_path / "never"
    refused = subprocess.run(
        [sys.executable, "-m", "hybrid_rg.cli", "run", str(bad), "--out", str(out2)], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "map.chi" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert not out2.exists()


def test_lbfgs_polish_lowers_the_full_grid_loss_deterministically():
    from dataclasses import replace

    from hybrid_rg.olrg.trainer import flow_loss

    first = exact_block(SITE, 3, O)
    cfg = LossConfig(T=0.8, K=2, n_steps=4, n_samples=5)
    full = replace(cfg, full_grid=True)
    maps = []
    for polish in (0, 2, 2):
        opmap = LinearIsometryMap(4, init="rdm", site=SITE, T=0.8)
        train(first, SITE, 5, opmap, cfg, iterations=3, lr=1e-2, seed=1, polish_iterations=polish)
        with torch.no_grad():
            maps.append((float(flow_loss(first, SITE, 5, opmap, full)), opmap))
    assert maps[1][0] < 0.5 * maps[0][0]
    assert maps[1][0] == maps[2][0]  # deterministic: the same map twice
    with pytest.raises(ValueError, match="deterministic"):
        train(first, SITE, 5, GenerativeMap(4, depth=1, width=4), cfg, iterations=1, ensemble=2, polish_iterations=1)
