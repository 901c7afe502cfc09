"""The fake provider is an ordinary Device: registered like every adapter, an ordinary snapshot, the real
validation, the real emulator's physics; nothing in the product branches on it."""

import math
import re
from pathlib import Path

import pytest

from hybrid_rg.devices.protocol import Device
from hybrid_rg.devices.registry import DEVICE_NAMES, default_adapter, get_device
from hybrid_rg.devices.spec import list_device_specs, load_device_spec
from hybrid_rg.devices.validation import ValidationError
from hybrid_rg.pulse.program import RydbergProgram, Waveform, chain_positions
from hybrid_rg.testing.fake_provider import FakeLocalDevice, FakeRemoteDevice

ROOT = Path(__file__).resolve().parents[2] / "hybrid_rg"


def _pi_pulse(n=2, rabi=math.pi, spacing_um=60.0):
    return RydbergProgram(
        chain_positions(n, spacing_um),
        Waveform.constant(rabi, 1.0),
        Waveform.constant(0.0, 1.0),
        Waveform.constant(0.0, 1.0, "constant"),
    )


def test_built_by_the_registry_as_an_ordinary_device(tmp_path):
    dev = get_device("fake_remote", dir=str(tmp_path), delay_s="0")
    assert isinstance(dev, FakeRemoteDevice) and isinstance(dev, Device)  # not wrapped: it validates itself
    assert dev.spec == load_device_spec("fake_aquila") and dev.spec.kind == "rydberg"
    assert default_adapter(dev.spec) == "fake_remote"
    assert default_adapter(load_device_spec("fake_local")) == "fake_local"
    assert isinstance(get_device("fake_local", dir=str(tmp_path / "l")), FakeLocalDevice)
    assert "fake_remote" not in DEVICE_NAMES and "fake_aquila" not in {s.name for s in list_device_specs()}


def test_runs_the_emulator_and_validates_with_the_real_validation(tmp_path):
    dev = FakeRemoteDevice(tmp_path, delay_s=0.0)
    task = dev.run([_pi_pulse()], shots=50, seed=1)[0]
    assert dev.task(task.id).result().counts == {"11": 50}  # an exact π pulse on far-apart atoms
    with pytest.raises(ValidationError, match="amplitude"):
        dev.run([_pi_pulse(rabi=50.0)], shots=10)
    assert len(dev.tasks()) == 1  # the invalid batch created nothing


def test_finish_now_ends_held_tasks_and_only_those(tmp_path):
    from hybrid_rg.devices.protocol import TaskState

    dev = FakeRemoteDevice(tmp_path, delay_s=3600)
    held = dev.run([_pi_pulse()], shots=20, seed=1)[0]
    assert held.state() == TaskState.QUEUED
    assert dev.finish_now() == 1 and dev.finish_now() == 0  # a finished task is not touched again
    assert held.state() == TaskState.COMPLETED and held.result(timeout_s=0).counts == {"11": 20}


def test_no_product_module_branches_on_a_test_double():
    hits = [
        str(p.relative_to(ROOT.parent))
        for p in ROOT.rglob("*.py")
        if "testing" not in p.parts and re.search(r"FakeSpec|fake_spec|fake_physics|startswith\(\"fake_", p.read_text())
    ]
    assert hits == []
