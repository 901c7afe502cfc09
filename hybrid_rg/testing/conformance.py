"""The conformance kit: what every `Device` adapter must do, as plain functions a test suite parametrises.

    check_observables(device)            the standard small program gives ⟨Z0Z1⟩ and the densities of the exact
                                         solution within 4 standard errors (shot noise) plus the adapter's
                                         declared model error (Trotter steps, ODE tolerance)
    check_validation_first(device)       a batch with one invalid program raises ValidationError, runs nothing
    check_rebuild(device)                device.task(task.id) gives the same state and result
    check_seeded(device)                 the same seed gives the same counts (local simulators)
    check_missing_extra()                a missing SDK raises MissingExtra naming the pip extra

The standard program is on QuEra Aquila's grids and valid there (2 atoms 6.1 µm apart: blockaded, V ≈ 105 rad/µs),
so a cloud adapter can be checked with the same program. The exact truth is `_rydberg_ops.reference_state`.
"""

from __future__ import annotations

import tempfile

import numpy as np

from ..operators.counts import density, z_string
from ..pulse.program import RydbergProgram, Waveform, chain_positions


def standard_program(n_atoms: int = 2, spacing_um: float = 6.1, duration_us: float = 1.0) -> RydbergProgram:
    """Ramp Ω up to 15.8 rad/µs and down, sweep Δ from −8 to +12 rad/µs, phase 0; on Aquila's grids."""
    t = duration_us
    return RydbergProgram(
        chain_positions(n_atoms, spacing_um),
        Waveform((0.0, 0.1, t - 0.1, t), (0.0, 15.8, 15.8, 0.0)),
        Waveform((0.0, 0.2, t), (-8.0, -8.0, 12.0)),
        Waveform.constant(0.0, t, "constant"),
    )


def exact_observables(program: RydbergProgram) -> dict[str, float]:
    """⟨Z0Z1⟩ and the Rydberg densities n_i of the exact final state (Z = 1 − 2n)."""
    from ..devices.adapters._rydberg_ops import reference_state

    n = program.n_atoms
    p = np.abs(reference_state(program, max_dt_us=0.0005)) ** 2
    bits = np.array([[(k >> (n - 1 - i)) & 1 for i in range(n)] for k in range(2**n)])
    out = {f"n{i}": float(p @ bits[:, i]) for i in range(n)}
    out["zz01"] = float(p @ ((1 - 2 * bits[:, 0]) * (1 - 2 * bits[:, 1])))
    return out


def measured_observables(counts: dict[str, int]) -> dict[str, tuple[float, float]]:
    """(mean, standard error) of ⟨Z0Z1⟩ and each density from bitstring counts."""
    n = len(next(iter(counts)))
    return {"zz01": z_string(counts, (0, 1)), **{f"n{i}": density(counts, i) for i in range(n)}}


def check_observables(
    device, shots: int = 1000, seed: int = 11, model_error: float = 0.0, program: RydbergProgram | None = None
) -> dict:
    program = program or standard_program()
    exact = exact_observables(program)
    (task,) = device.run([program], shots=shots, seed=seed)
    result = task.result()
    assert result.shots == shots and sum(result.counts.values()) == shots, result
    got = measured_observables(result.counts)
    report = {}
    for key, truth in exact.items():
        mean, err = got[key]
        # a floor of 1/shots: when every shot agrees (a density of exactly 0 or 1) the sample error is 0, and a
        # zero tolerance would fail on any model error below the shot resolution
        tol = 4 * max(err, 1.0 / shots) + model_error
        report[key] = (mean, truth, tol)
        assert abs(mean - truth) < tol, f"{device.name}: {key} = {mean:.4f} ± {err:.4f}, exact {truth:.4f}"
    return report


def check_validation_first(device) -> None:
    from ..devices.validation import ValidationError

    good = standard_program()
    bad = RydbergProgram(chain_positions(2, 0.5), good.amplitude, good.detuning, good.phase)  # atoms too close
    if device.spec.max_atoms is not None:
        bad = RydbergProgram(chain_positions(device.spec.max_atoms + 1, 6.1), good.amplitude, good.detuning, good.phase)
    ran = []
    original = getattr(device, "_counts", None)
    if original is not None:
        device._counts = lambda *a, **k: ran.append(1) or original(*a, **k)
    try:
        device.run([good, bad], shots=10, seed=1)
    except ValidationError as err:
        assert err.reports and not err.reports[0].ok and "n_atoms" in str(err)
    else:
        raise AssertionError(f"{device.name} ran a batch holding an invalid program")
    finally:
        if original is not None:
            del device._counts
    assert not ran, f"{device.name} simulated {len(ran)} program(s) of an invalid batch"


def check_rebuild(device_factory, shots: int = 50) -> None:
    """A task rebuilt by id from a *new* device object (same directory) has the same state and result."""
    with tempfile.TemporaryDirectory() as d:
        first = device_factory(directory=d)
        (task,) = first.run([standard_program()], shots=shots, seed=5)
        again = device_factory(directory=d).task(task.id)
        assert again.id == task.id and again.state() == task.state()
        assert again.result().counts == task.result().counts


def check_seeded(device, shots: int = 200) -> None:
    p = standard_program()
    a = device.run([p], shots=shots, seed=3)[0].result().counts
    b = device.run([p], shots=shots, seed=3)[0].result().counts
    assert a == b, f"{device.name}: same seed, different counts"


def check_missing_extra() -> None:
    from ..devices.adapters import MissingExtra, import_extra

    try:
        import_extra("hybrid_rg_no_such_sdk", "braket")
    except MissingExtra as err:
        assert "pip install 'hybrid-rg[braket]'" in str(err)
    else:
        raise AssertionError("a missing SDK did not raise MissingExtra")


__all__ = [
    "standard_program",
    "exact_observables",
    "measured_observables",
    "check_observables",
    "check_validation_first",
    "check_rebuild",
    "check_seeded",
    "check_missing_extra",
]
