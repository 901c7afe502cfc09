"""Devices: the `Device` protocol, capability snapshots (`DeviceSpec`), validation, and adapters.

Adapters for SDKs (Braket, IBM, PennyLane, qiskit-dynamics) live in their own modules and import their SDK
inside; importing this package imports none of them.
"""

from .protocol import Device, Task, TaskResult, TaskState

__all__ = ["Device", "Task", "TaskResult", "TaskState"]
