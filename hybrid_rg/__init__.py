"""hybrid-rg: learned renormalization-group simulation (OLRG, MLRG, CORA) with a runtime for quantum hardware.

Importing the package is cheap on purpose: subpackages (operators, exact, ...) are imported when used, and device
SDKs (Braket, Qiskit IBM, PennyLane, qiskit-dynamics) only inside the adapters that need them.
"""

__version__ = "0.1.0"
