"""The one memory check (hybrid_rg.utils.memory): the limit follows the machine, the environment can lower it,
and a refusal names the size, the need, the limit and the fix."""

import pytest

from hybrid_rg.errors import BadInput
from hybrid_rg.utils import memory


def test_the_limit_follows_the_machine(monkeypatch):
    monkeypatch.delenv(memory.ENV, raising=False)
    monkeypatch.setattr(memory, "available_bytes", lambda: 3 * memory.GIB)
    memory.require_memory(2.9 * memory.GIB, "x", "fix")
    with pytest.raises(memory.TooLarge, match=r"--n 9 needs 3\.1 GiB of memory, more than the 3 GiB available"):
        memory.require_memory(3.1 * memory.GIB, "--n 9", "lower --n")
    monkeypatch.setattr(memory, "available_bytes", lambda: 64 * memory.GIB)
    memory.require_memory(3.1 * memory.GIB, "--n 9", "lower --n")  # a larger machine takes it


def test_the_environment_can_only_lower_it(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 8 * memory.GIB)
    monkeypatch.setenv(memory.ENV, "2")
    assert memory.memory_limit()[0] == 2 * memory.GIB
    monkeypatch.setenv(memory.ENV, "100")
    assert memory.memory_limit()[0] == 8 * memory.GIB
    for bad in ("nan", "-1", "lots"):
        monkeypatch.setenv(memory.ENV, bad)
        with pytest.raises(BadInput, match=memory.ENV):
            memory.memory_limit()


def test_the_machine_reports_some_memory():
    avail = memory.available_bytes()
    assert avail is not None and avail > 1 << 26


def test_sizes_beyond_a_float_are_still_one_line(monkeypatch):
    monkeypatch.setenv(memory.ENV, "1")
    with pytest.raises(memory.TooLarge, match="more than 1e300 GiB"):
        memory.require_memory(2**20000, "2^20000 states", "lower it")
