"""The one spec layer: every shipped spec loads, and a bad field becomes one line naming the file, the field, the
value and the fix."""

from pathlib import Path

import pytest

from hybrid_rg.errors import BadInput, SpecError

ROOT = Path(__file__).resolve().parents[1]


def _loader(path: Path):
    """The loader of each kind of shipped spec, by the folder it lives in."""
    if path.parts[-2] == "calibration":
        from hybrid_rg.calibration.spec import load_campaign

        return load_campaign
    kind = path.parts[-2]
    if kind == "olrg":
        from hybrid_rg.olrg.spec import load_spec

        return load_spec
    if kind == "cora":
        from hybrid_rg.cora.spec import load_spec

        return load_spec
    if kind == "mlrg":  # mlrg moves to the spec layer on its own branch; either name loads
        from hybrid_rg.mlrg import experiments

        return getattr(experiments, "load_spec", None) or experiments.load_experiment
    raise AssertionError(f"no loader for {path}")


SHIPPED = sorted([*ROOT.glob("experiments/*/*.toml"), *ROOT.glob("calibration/*.toml")])


def test_specs_are_shipped():
    kinds = {p.parts[-2] for p in SHIPPED}
    assert {"olrg", "cora", "mlrg", "calibration"} <= kinds, kinds


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parts[-2]}/{p.name}")
def test_every_shipped_spec_loads(path):
    assert _loader(path)(path) is not None


def test_olrg_spec_reads_as_attributes_with_defaults_filled():
    from hybrid_rg.olrg.spec import load_spec

    spec = load_spec(ROOT / "experiments" / "olrg" / "hem_vdw_aquila.toml")
    assert spec.name == "hem_vdw_aquila" and spec.target.N == 6
    assert spec.target.couplings == {"J": -1.0, "h": 1.0, "g": 0.0}
    assert spec.map.kind == "hem" and spec.map.width == 4 and spec.map.chi == 2**5
    assert spec.device.spacing_um == 13.0 and len(spec.times.T) == 10 and spec.times.T[0] == 0.2
    assert spec.training.orders == (2,) and spec.bound.n_grid == 21 and spec.reference.method == "auto"


@pytest.mark.parametrize(
    "text, needle",
    [
        ("[map]\nchi = 0\n", "map.chi = 0"),  # a range: the value and the bound
        ("[map]\nkind = 'omm'\n", "map.kind = 'omm'"),  # a choice: the value and the choices
        ("[map]\nchii = 4\n", "unknown field 'map.chii'"),  # a typo: the allowed names
        ("[training]\nlr = true\n", "training.lr = True"),  # a bool is not a number
        ("[times]\nT = 'inf'\n", "times.T"),
    ],
)
def test_bad_field_is_one_line_with_file_field_value(tmp_path, text, needle):
    from hybrid_rg.olrg.spec import load_spec

    path = tmp_path / "bad.toml"
    path.write_text("[target]\nN = 6\n" + text)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and needle in message and "\n" not in message
    assert isinstance(err.value, BadInput) and err.value.exit_code == 2


def test_choice_errors_say_what_each_choice_means():
    from hybrid_rg.olrg.spec import parse_spec

    with pytest.raises(SpecError, match="vdw = C6/r"):
        parse_spec({"target": {"N": 4, "J": -1.0}, "map": {"kind": "hem", "interaction": "dipolar"}})


def test_missing_and_non_toml_files_are_spec_errors(tmp_path):
    from hybrid_rg.calibration.spec import CampaignSpecError, load_campaign
    from hybrid_rg.cora.spec import load_spec as load_cora

    with pytest.raises(CampaignSpecError, match="not found"):
        load_campaign(tmp_path / "none.toml")
    (tmp_path / "x.toml").write_text("a = [")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_cora(tmp_path / "x.toml")


def test_campaign_with_changes_is_checked_again():
    from hybrid_rg.calibration.spec import CampaignSpecError, load_campaign

    spec = load_campaign(ROOT / "calibration" / "hem_emulator.toml")
    changed = spec.with_changes(budget={"n_trials": 3}, name="other")
    assert changed.budget.n_trials == 3 and changed.budget.batch_size == spec.budget.batch_size
    assert changed.name == "other" and changed.source == spec.source and changed.digest() == spec.digest()
    with pytest.raises(CampaignSpecError, match="budget.n_trials = 0"):
        spec.with_changes(budget={"n_trials": 0})


def test_exact_request_errors_are_request_errors():
    from hybrid_rg.exact.runner import ExactRequest, RequestError

    with pytest.raises(RequestError, match="n = 1"):
        ExactRequest(model="tfim", n=1, times=(0.0,), observables=("zz:0,1",))
    with pytest.raises(RequestError, match="--n = 40 sites needs .* GiB of memory"):
        ExactRequest(model="xxz", n=40, times=(0.0,), observables=("zz:0,1",))
    assert issubclass(RequestError, BadInput)
