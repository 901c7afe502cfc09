"""The figures a physicist shows: every axis of the main plots is labelled with a unit (or says it is
dimensionless), observables are typeset, titles carry no literal backticks, waveform axes hold zero instead of
blowing a flat waveform up to full height, and a 1D chain is drawn as 1D."""

import re

import numpy as np
import pytest

from hybrid_rg.olrg.experiment import Point
from hybrid_rg.olrg.report import plot_points
from hybrid_rg.pulse.plot import plot_programs
from hybrid_rg.pulse.program import RydbergProgram, Waveform
from hybrid_rg.utils import plotting
from hybrid_rg.utils.results import plot_time_series

# a unit in parentheses, "dimensionless", a typeset expectation value (of Pauli or spin operators: dimensionless),
# a ratio, or an index (site, atom, trial)
UNIT = re.compile(
    r"\((1/J|µs|rad/µs|rad|µm|dimensionless|[^()]*spacings?)\)|dimensionless|\\langle|^relative |^(site|atom) \$i\$$"
)


def _check(labels: dict, n_axes: int) -> list[dict]:
    axes = labels["axes"]
    assert len(axes) >= n_axes, labels
    for ax in axes:
        for key in ("xlabel", "ylabel"):
            if key == "ylabel" and ax["xlabel"].endswith("a 1D chain"):
                continue  # a chain has no y axis
            assert ax[key].strip(), (key, labels)
            assert UNIT.search(ax[key]), f"{key} {ax[key]!r} names no unit"
        assert "`" not in ax["title"]
    assert "`" not in labels["suptitle"]
    return axes


def test_olrg_result_axes_have_units_and_a_typeset_observable(tmp_path):
    pts = [Point(K, T, 0.1 + 0.01 * T, 0.1, 1e-3, 0.1, None, 0, 1.0) for K in (0, 2) for T in (0.5, 1.0)]
    ylabel = plotting.observable_label("zz:0,1", 0.25, "T")
    assert ylabel == r"$\langle S^z_{0}\,S^z_{1} \rangle(T)$"
    plot_points(tmp_path / "r.png", pts, "demo: ⟨S^z_1 S^z_2⟩ of `x`", ylabel=ylabel)
    axes = _check(plotting.last_figure_labels(), 2)
    assert axes[0]["xlabel"] == "$T$ (1/J)" and axes[0]["ylabel"] == ylabel
    assert "$S^z_{1}$" in plotting.last_figure_labels()["suptitle"]


def test_time_series_label_the_observable_and_time_unit(tmp_path):
    t = np.linspace(0, 2, 11)
    plot_time_series(tmp_path / "a.png", t, {"zz:0,1": np.cos(t)}, title="x")
    (ax,) = _check(plotting.last_figure_labels(), 1)
    assert ax["xlabel"] == "$t$ (1/J)" and ax["ylabel"] == r"$\langle Z_{0}\,Z_{1} \rangle$"
    plot_time_series(tmp_path / "b.png", t, {f"x:{i}": np.cos(t + i) for i in range(12)}, title="map")
    (ax,) = _check(plotting.last_figure_labels(), 1)
    assert ax["ylabel"] == "site $i$" and ax["title"] == r"$\langle X_{i} \rangle$"


def _program(detuning_values, positions):
    d = 0.5
    amp = Waveform((0.0, 0.05, 0.45, d), (0.0, 6.0, 6.0, 0.0))
    det = Waveform(tuple(np.linspace(0, d, len(detuning_values))), tuple(detuning_values))
    return RydbergProgram(tuple(positions), amp, det, Waveform.constant(0.0, d, "constant"))


def test_waveforms_hold_zero_skip_a_zero_phase_and_draw_a_chain_as_1d(tmp_path, monkeypatch):
    chain = [(0.0, 0.0), (11.0, 0.0), (22.0, 0.0)]
    flat = _program([2.0, 2.0 + 6e-4, 2.0 - 6e-4, 2.0], chain)  # a 6e-4 wiggle on a flat 2 rad/µs
    seen = {}
    real_save = plotting.save

    def keep(fig, path, dpi=120):
        seen["ylim"] = [ax.get_ylim() for ax in fig.axes]
        real_save(fig, path, dpi)

    monkeypatch.setattr("hybrid_rg.pulse.plot.save", keep)
    plot_programs(tmp_path / "w.png", [("one", flat)], device_limits={"amplitude": 15.8, "detuning": 125.0})
    axes = _check(plotting.last_figure_labels(), 3)
    assert [a["ylabel"] for a in axes[:2]] == [r"$\Omega(t)$ (rad/µs)", r"$\Delta(t)$ (rad/µs)"]  # no φ panel
    assert "φ ≡ 0" in axes[0]["title"]
    assert axes[2]["xlabel"] == "$x$ (µm), a 1D chain" and axes[2]["ylabel"] == ""
    (a_lo, a_hi), (d_lo, d_hi) = seen["ylim"][:2]
    assert a_lo <= 0 and a_hi >= 15.8  # zero and Aquila's Ω limit in range
    assert d_lo <= 0 and d_hi >= 2.0 and d_hi - d_lo > 1.0  # the wiggle is not blown up to full height
    square = _program([1.0, 1.0], [(0.0, 0.0), (5.0, 0.0), (0.0, 5.0), (5.0, 5.0)])
    plot_programs(tmp_path / "s.png", [("sq", square)])
    axes = plotting.last_figure_labels()["axes"]
    assert axes[-1]["xlabel"] == "$x$ (µm)" and axes[-1]["ylabel"] == "$y$ (µm)"


@pytest.mark.parametrize(
    "name, scale, want",
    [
        ("x:3", 1.0, r"$\langle X_{3} \rangle$"),
        ("x:3", 0.5, r"$\langle S^x_{3} \rangle$"),
        ("zz:0,1", 2.0, r"$2\,\langle Z_{0}\,Z_{1} \rangle$"),
        ("tt:zz:2,7", 1.0, r"$\langle Z_{2}(t)\,Z_{7}(0) \rangle$"),
        ("energy", 1.0, "⟨energy⟩"),
    ],
)
def test_observable_labels(name, scale, want):
    assert plotting.observable_label(name, scale) == want


def test_tex_removes_backticks_and_typesets_spin_operators():
    assert plotting.tex("run `abc`: ⟨S^z_1 S^z_2⟩") == "run abc: ⟨$S^z_{1}$ $S^z_{2}$⟩"
