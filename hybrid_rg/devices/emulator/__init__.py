"""A state-vector emulator of Rydberg pulse programs (`RydbergProgram`), complex128, forward time order (numpy
inner loop, torch tensors in and out).

    evolve(program, tol)            -> Evolution (final state, stated error, steps)      integrator.py
    evolve_probabilities(program)   -> probabilities of all 2^n bitstrings               observables.py
    zz_expectation(probs, i, j)     -> exact ⟨Z_i Z_j⟩; sample(probs, shots, seed) -> counts
    EmulatorDevice(results_dir)     -> the `Device` protocol                             device.py

The Braket reference (`braket_reference.py`) is imported only on demand (it needs amazon-braket-sdk).
"""

from .device import EmulatorDevice, EmulatorTask
from .integrator import (
    MAX_ATOMS,
    EmulatorError,
    Evolution,
    available_memory_bytes,
    check_memory,
    evolve,
    memory_needed_bytes,
    propagate,
)
from .observables import (
    bitstring_probabilities,
    evolve_probabilities,
    final_state,
    probabilities,
    sample,
    z_expectation,
    zz_expectation,
)

__all__ = [
    "EmulatorDevice",
    "EmulatorTask",
    "EmulatorError",
    "Evolution",
    "MAX_ATOMS",
    "evolve",
    "propagate",
    "check_memory",
    "memory_needed_bytes",
    "available_memory_bytes",
    "evolve_probabilities",
    "final_state",
    "probabilities",
    "bitstring_probabilities",
    "sample",
    "z_expectation",
    "zz_expectation",
]
