"""The learned monotone (Euler vs neural-ODE step, Newton on ∇C) against the exact map, and the CLI's error paths."""

import subprocess
import sys

import pytest
import torch

from hybrid_rg.cli import main
from hybrid_rg.mlrg.irreps import Rep
from hybrid_rg.mlrg.kl import Pair
from hybrid_rg.mlrg.monotone import Monotone, critical_from_monotone
from hybrid_rg.mlrg.training import train_exact


def test_ode_step_of_a_quadratic_monotone_is_the_closed_form():
    # C = ½ a J² is not what the MLP computes, so build the check on the step functions with a stub gradient:
    m = Monotone(2, [4], seed=0)
    a = 0.3
    m.grad = lambda J, create_graph=True: a * J  # dJ/dℓ = −a J  →  J(1) = e^{−a} J(0)
    J = torch.tensor([[0.7, -0.2]], dtype=torch.float64)
    assert float((m.ode_step(J) - torch.exp(torch.tensor(-a)) * J).abs().max()) < 1e-7
    assert float((m.euler_step(J) - (1 - a) * J).abs().max()) < 1e-15


def test_exact_kl_trained_a1_monotone_lands_near_the_exact_map_fixed_point():
    # independent truth: the exact KL-optimal A1 map has J0* = 0.813920 (notes; tests/mlrg/test_exact.py)
    m = Monotone(1, [6, 12, 8], seed=0)
    losses = train_exact(Pair(Rep.parse("A1")), m, iterations=250, batch=128, seed=0)
    assert losses[-1] < losses[0]
    j0 = critical_from_monotone(m, torch.linspace(0.6, 1.0, 81, dtype=torch.float64), steps=8)
    assert abs(j0 - 0.81392) < 0.02
    assert abs(float(m.newton(torch.tensor([j0], dtype=torch.float64))[0]) - j0) < 0.01  # 1D: saddle = critical


def test_import_of_the_cli_does_not_pull_in_torch():
    code = "import sys, hybrid_rg.cli, hybrid_rg.mlrg.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "content,needle",
    [
        ('figure = "fig5"\nreps = ["A1+F"]\n', "unknown C4v irrep"),
        ('figure = "fig8"\nreps = ["3A1+E"]\n', "at most 16"),
        ('figure = "fig9"\n', "figure"),
        ('figure = "fig5"\nmodles = 3\n', "unknown field 'modles'"),
        ('figure = = "fig5"\n', "not valid TOML"),
        ('figure = "fig5"\ngeometry = "rotated"\n', "geometry"),
        ('figure = "critical"\nschemes = ["a1_only"]\n', "schemes"),
        ('figure = "fig10"\nschemes = ["a1_projection"]\n', "schemes is read by figure = 'critical' only"),
        ('figure = "critical"\nschemes = ["full", "full"]\n', "lists a scheme twice"),
    ],
)
def test_bad_specs_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, content, needle):
    spec = tmp_path / "s.toml"
    spec.write_text(content)
    out = tmp_path / "out"
    assert main(["mlrg", "run", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_fixed_point_command_rejects_unknown_irrep(capsys):
    with pytest.raises(SystemExit) as exc:  # argparse: --rep has choices
        main(["mlrg", "fixed-point", "--rep", "A1+Q"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_report_of_a_missing_run_exits_2(tmp_path, capsys):
    assert main(["mlrg", "report", str(tmp_path / "nope")]) == 2


def test_every_shipped_spec_loads_as_a_typed_model_and_geometries_are_critical_only(tmp_path):
    from pathlib import Path

    from hybrid_rg.errors import SpecError
    from hybrid_rg.mlrg.experiments import MLRGSpec, load_spec

    for path in sorted(Path("experiments/mlrg").glob("*.toml")):
        spec = load_spec(path)
        assert isinstance(spec, MLRGSpec) and spec.geometry_list
    crit = load_spec("experiments/mlrg/critical.toml")
    assert crit.geometry_list == ["authors", "consistent"] and crit.reps == ["A1", "A1+E", "2A1+E"]
    bad = tmp_path / "b.toml"
    bad.write_text('figure = "fig5"\ngeometries = ["authors"]\n')
    with pytest.raises(SpecError, match="geometries is read by figure = 'critical' only"):
        load_spec(bad)
