"""hybrid_rg.limits: the one RydbergLimits, read from a shipped snapshot, and its dimensionless form."""

import math

import pytest

from hybrid_rg.devices.spec import load_device_spec
from hybrid_rg.limits import DeviceSpecError, RydbergLimits, energy_scale, snapshot_names


def test_the_snapshot_limits_are_the_device_specs_limits():
    assert RydbergLimits.from_snapshot("quera_aquila") == load_device_spec("quera_aquila").rydberg
    assert "quera_aquila" in snapshot_names() and "emulator" in snapshot_names()


@pytest.mark.parametrize("spacing_um", [4.0, 7.0, 11.0])
def test_scale_units_divides_by_the_energy_scale(spacing_um):
    lim = RydbergLimits.from_snapshot("quera_aquila")
    E = 5.42e6 / spacing_um**6  # Aquila's C6 in rad/µs·µm^6
    s = lim.scale_units(spacing_um)
    assert math.isclose(s.energy_scale, E, rel_tol=1e-15) and math.isclose(energy_scale(spacing_um), E, rel_tol=1e-15)
    for got, want in (
        (s.rabi_max, 25.0 / E),
        (s.rabi_slew_max, 250.0 / E**2),
        (s.detuning_min, -125.0 / E),
        (s.detuning_max, 125.0 / E),
        (s.detuning_slew_max, 2500.0 / E**2),
        (s.local_detuning_max, 125.0 / E),
        (s.time_delta_min, 0.01 * E),
        (s.duration_max, 4.0 * E),
    ):
        assert math.isclose(got, want, rel_tol=1e-14), (got, want)


def test_absent_limits_scale_to_no_limit():
    s = RydbergLimits(local_detuning=False).scale_units(5.0)
    assert s.rabi_max == math.inf and s.detuning_min == -math.inf and s.local_detuning_max == 0.0


def test_a_simulator_snapshot_has_no_rydberg_limits():
    with pytest.raises(DeviceSpecError, match="quera_aquila"):
        RydbergLimits.from_snapshot("emulator")
    with pytest.raises(DeviceSpecError, match="known devices"):
        RydbergLimits.from_snapshot("no_such_device")
