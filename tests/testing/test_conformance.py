"""Every adapter runs the conformance kit: same program, same observables within shot noise; validation before
execution; tasks rebuilt from their id; seeded runs repeat. Slow adapters (PennyLane's jax compile) run the
observable check by default and the rest under `slow`."""

import importlib

import pytest

from hybrid_rg.testing import conformance as kit


def _factory(name):
    def make(**options):
        from hybrid_rg.devices.registry import get_device

        return get_device(name, **options)

    return make


# name -> (module that must import, options, model error on the observables)
ADAPTERS = {
    "emulator": ("hybrid_rg.devices.emulator", {}, 0.01),
    "braket_local": ("braket.devices", {}, 0.01),
    "dynamics": ("qiskit_dynamics", {}, 0.0),
    "pennylane": ("pennylane", {}, 0.0),
    "ibm_aer": ("qiskit_aer", {"max_dt_us": 0.01}, 0.02),
}
SLOW = {"pennylane"}


def _device(name):
    module, options, _ = ADAPTERS[name]
    try:
        importlib.import_module(module)
        return _factory(name)(**options)
    except ImportError as err:  # an optional SDK missing (make test installs every extra, so none skips in CI)
        pytest.skip(f"{name} not available: {err}")


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_observables_match_the_exact_solution(name):
    device = _device(name)
    kit.check_observables(device, shots=1000, seed=11, model_error=ADAPTERS[name][2])


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in sorted(ADAPTERS)]
)
def test_validation_happens_before_execution(name):
    kit.check_validation_first(_device(name))


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in sorted(ADAPTERS)]
)
def test_tasks_rebuild_from_their_id_and_seeds_repeat(name):
    device = _device(name)
    options = ADAPTERS[name][1]
    kit.check_rebuild(lambda **kw: _factory(name)(**options, **kw))
    kit.check_seeded(device)


def test_unknown_task_id_is_a_clear_error():
    device = _device("dynamics")
    with pytest.raises(KeyError, match="directory"):
        device.task("dynamics-000000000000")
