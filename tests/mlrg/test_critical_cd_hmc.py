"""Basin bisection + guarded Newton on the exact map, guarded Newton on ∇C, CD-k training, replica-exchange HMC.

Independent truths: the notes' exact A1 fixed point (0.813920, their own numpy code), closed-form saddles of
quadratic functions, brute-force enumeration of the teacher marginal, and Gaussian moments of quadratic potentials.
"""

import numpy as np
import pytest
import torch

from hybrid_rg.mlrg.cd import gibbs_visible, train_student_cd
from hybrid_rg.mlrg.critical import FlowRule, bisect_phases, find_critical, guarded_fixed_point, phase_change
from hybrid_rg.mlrg.hmc import gradC_energy, sample_couplings
from hybrid_rg.mlrg.irreps import Rep
from hybrid_rg.mlrg.kl import Pair, optimal_student
from hybrid_rg.mlrg.monotone import Monotone, newton_saddle
from hybrid_rg.mlrg.rgmap import ExactRG, axis_point

J0C = 0.5 * np.arccosh(1 + np.sqrt(2))


class Quadratic(Monotone):
    """C(J) = ½ (J − m)ᵀ A (J − m): a stand-in monotone with a known saddle and known |∇C|² distribution."""

    def __init__(self, A, m):
        super().__init__(len(m), [2])
        self.A, self.m = torch.tensor(A, dtype=torch.float64), torch.tensor(m, dtype=torch.float64)

    def forward(self, J):
        d = J - self.m
        return 0.5 * ((d @ self.A) * d).sum(-1)


def test_default_search_finds_the_a1_critical_point():
    # notes: the exact KL-optimal A1 map has its (critical) fixed point at J0* = 0.813920, slope 1.3568 (their own
    # numpy code); for one coupling the critical coupling on the axis is the fixed point itself
    rg = ExactRG(Pair(Rep.parse("A1")))
    fp = find_critical(rg, scan=(0.05, 3.0, 8))
    assert fp["critical"] and fp["n_relevant"] == 1 and fp["J0_star_from"].startswith("projection")
    assert abs(fp["J0_star"] - 0.813920) < 5e-6 and abs(fp["J0_star"] - float(fp["J"][0])) < 1e-9
    assert abs(fp["lambda_t"] - 1.3568) < 5e-4
    assert abs(fp["nu"] - np.log(np.sqrt(2)) / np.log(fp["lambda_t"])) < 1e-12
    assert abs(fp["gsd"] - 1.854) < 1e-3 and abs(fp["Delta1"] - 0.0917) < 1e-4  # notes: 1.854, 0.0917


def test_compressed_design_keeps_the_a1e_critical_point_to_seven_digits():
    # issue 20 item 4: the same search before the design compression (fmt, commit 812a63e, dense einsum derivatives)
    # gave J0* 0.4014737014, λ_t 1.20718677, GSD 1.089745531 in the authors' geometry (10 printed digits)
    fp = find_critical(ExactRG(Pair(Rep.parse("A1+E"), "authors")))
    assert fp["critical"] and abs(fp["J0_star"] - 0.4014737014) < 1e-8
    assert abs(fp["lambda_t"] - 1.20718677) < 1e-7 and abs(fp["gsd"] - 1.089745531) < 1e-8


def test_phase_change_skips_undecided_points_and_counts_changes():
    scan = [
        (0.1, "disordered", 3),
        (0.2, "undecided", 400),
        (0.3, "ordered", 9),
        (0.5, "disordered", 30),
        (0.9, "ordered", 4),
    ]
    assert phase_change(scan) == (0.1, 0.3, 3)
    try:
        phase_change([(0.1, "disordered", 3), (0.2, "undecided", 400)])
    except ValueError as err:
        assert "no disordered → ordered change" in str(err)
    else:
        raise AssertionError("a scan without a phase change was accepted")


def test_bisection_refuses_a_bracket_inside_one_phase():
    rg = ExactRG(Pair(Rep.parse("A1")))
    try:
        bisect_phases(rg, 0.2, 0.4, FlowRule())
    except ValueError as err:
        assert "not (disordered, ordered)" in str(err)
    else:
        raise AssertionError("a bracket inside the disordered phase was accepted")


def test_guarded_newton_on_the_exact_map_stops_with_a_reason():
    rg = ExactRG(Pair(Rep.parse("A1")))
    out = guarded_fixed_point(rg, axis_point(1, 0.79), max_iter=1)  # one step cannot reach 1e-9
    assert not out["converged"] and out["message"] == "max_iter reached"
    assert abs(float(out["J"][0]) - 0.813920) < 0.03  # but it moved towards the fixed point, not away


def test_guarded_newton_on_grad_c_finds_a_known_saddle():
    A = [[1.0, 0.3], [0.3, -0.5]]  # one negative eigenvalue: a saddle with one relevant direction
    q = Quadratic(A, [0.8, -0.1])
    out = newton_saddle(q, torch.tensor([0.3, 0.4], dtype=torch.float64), max_step=0.25)
    assert out.converged
    assert float((out.J - q.m).abs().max()) < 1e-9
    assert sum(e < 0 for e in out.hessian_eigenvalues) == 1
    assert out.iterations > 2  # the 0.7-long Newton step was cut by the trust region (0.25)


def test_guarded_newton_on_an_untrained_monotone_reports_instead_of_diverging():
    m = Monotone(1, [6, 12, 8], seed=0)
    out = newton_saddle(m, torch.tensor([2.0], dtype=torch.float64), j_max=20.0, max_step=0.5)
    assert float(out.J.abs().max()) <= 20.5 + 1e-9  # j_max + one capped step; the old loop reached |J| ~ 1e12
    assert not out.converged and "exceeds" in out.message


def test_teacher_gibbs_samples_follow_the_exact_marginal():
    pair = Pair(Rep.parse("A1"))
    J = torch.tensor([J0C], dtype=torch.float64)
    x = gibbs_visible(pair.teacher, J, 20000, 30, torch.Generator().manual_seed(0))
    idx = (((1 - x) / 2).long() * torch.tensor([8, 4, 2, 1])).sum(-1)
    emp = torch.bincount(idx, minlength=16).double() / len(idx)
    exact = pair.teacher.log_prob(J).exp()
    assert 0.5 * float((emp - exact).abs().sum()) < 0.02  # total variation; ~0.01 expected from 20000 samples
    assert float(exact.max()) > 2 / 16  # not uniform, so the test can fail


def test_cd_student_agrees_with_the_exact_kl_optimum_within_its_spread():
    pair = Pair(Rep.parse("A1"))
    J = axis_point(1, J0C)
    exact, _ = optimal_student(pair, J)
    runs = np.array(
        [
            abs(
                float(
                    train_student_cd(
                        pair, J, samples=600, sweeps=20, k=5, iterations=100, lr=0.03, average_last=50, seed=s
                    )[0]
                )
            )
            for s in range(3)
        ]
    )
    sd = max(runs.std(ddof=1), 1e-3)
    assert abs(runs.mean() - abs(float(exact[0]))) < 4 * sd / np.sqrt(3) + 2e-3
    assert sd < 0.02
    assert abs(runs.mean() - J0C) > 0.01  # the optimum (0.748) is not the teacher's coupling (0.764)


def test_replica_exchange_hmc_samples_the_gaussian_of_a_quadratic_monotone():
    # C = ½ Jᵀ A J → |∇C|² = Jᵀ A² J → p ∝ exp(−β Jᵀ A² J) is Gaussian with covariance (2β A²)⁻¹
    A = np.array([[1.0, 0.4], [0.4, 0.7]])
    beta = 2.0
    q = Quadratic(A, [0.0, 0.0])
    r = sample_couplings(
        gradC_energy(q),
        2,
        beta=beta,
        beta_start=0.1,
        replicas=3,
        chains=200,
        sweeps=250,
        burn_in=100,
        dt=0.15,
        n_leap=10,
        seed=3,
    )
    X = r.trace.reshape(-1, 2).numpy()
    cov = np.linalg.inv(2 * beta * A @ A)
    assert np.abs(X.mean(0)).max() < 0.05
    assert np.abs(np.cov(X.T) - cov).max() < 0.08 * np.abs(cov).max()
    assert min(r.accept_rate) > 0.5 and min(r.swap_rate) > 0.1
    assert abs(r.betas[0] - beta) < 1e-12  # annealing ended at the target β


def test_fig10_and_fig7_runners_write_csv_with_paper_numbers_beside(tmp_path, capsys):
    from hybrid_rg.cli import main

    spec = tmp_path / "f10.toml"
    spec.write_text('figure = "fig10"\nreps = ["A1"]\nsteps = 3\nj0 = [0.5, 1.2]\n')
    assert main(["mlrg", "run", str(spec), "--out", str(tmp_path / "o10")]) == 0
    rows = (tmp_path / "o10" / "result.csv").read_text().splitlines()
    assert rows[0].split(",") == ["rep", "J0", "ell", "gsd", "J_norm", "kl"] and len(rows) == 1 + 2 * 4
    last = {float(r.split(",")[1]): float(r.split(",")[3]) for r in rows[1:]}
    assert last[0.5] < 1.2 and last[1.2] > 1.9  # disordered flow → GSD 1, ordered → 2
    assert (tmp_path / "o10" / "result.png").stat().st_size > 1000
    spec7 = tmp_path / "f7.toml"
    spec7.write_text('figure = "fig7"\niterations = 30\nbatch = 32\nsteps = 2\nj0 = [0.7, 0.9]\n')
    assert main(["mlrg", "run", str(spec7), "--out", str(tmp_path / "o7")]) == 0
    assert '"paper_J0_star": 0.8253' in (tmp_path / "o7" / "summary.json").read_text()


def test_bad_scan_exits_2(tmp_path, capsys):
    from hybrid_rg.cli import main

    spec = tmp_path / "c.toml"
    spec.write_text('figure = "critical"\nscan = [1.0, 0.3]\n')
    assert main(["mlrg", "run", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "scan" in err and "0 < lo < hi" in err and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_default_search_agrees_with_long_flow_bisection_in_the_authors_geometry():
    # issue 20: the default search (no settings) against plain basin bisection with flows up to 3000 steps, each run
    # until it has reached |J| < 0.05 (trivial) or |J| > 12 (frozen), bracket narrowed to 2e-6. The bisection uses
    # no fixed point and no eigenvector, so it checks the Newton + projection stage independently.
    for text in ("A1", "A1+E"):
        rg = ExactRG(Pair(Rep.parse(text), "authors"))
        fp = find_critical(rg)
        assert fp["critical"] and fp["n_relevant"] == 1 and fp["label_changes"] == 1
        # asymmetric, so that no midpoint falls within the map's noise floor (~1e-10) of J0*, where a flow stays
        # undecided for ever
        lo, hi = fp["J0_star"] - 2e-4, fp["J0_star"] + 3e-4
        b = bisect_phases(ExactRG(Pair(Rep.parse(text), "authors")), lo, hi, FlowRule(max_steps=3000), tol=2e-6)
        lo, hi = b["bracket"] if b["undecided"] is None else (b["undecided"], b["undecided"])
        assert lo - 1e-5 < fp["J0_star"] < hi + 1e-5, (text, fp["J0_star"], lo, hi)
