"""One exact calculation as a value: model, initial state, observables, times and method -> time series.

This is what `hybrid-rg exact` runs. Everything is validated in `ExactRequest.validate()` before any work, so
bad input fails at once with a message that names the value and the fix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..operators import lattice
from ..operators.observables import ObservableSpec, parse_observables
from .free_fermions import GroundState, TFIMFreeFermions, ZeroState
from .krylov import MAX_KRYLOV_SITES, evolve, ground_state, product_state

MODELS = ("tfim", "xxz")
INITIAL_STATES = ("zero", "neel", "ground")
METHODS = ("auto", "krylov", "free-fermion")


class RequestError(ValueError):
    """Bad input to an exact calculation; the message says what to change."""


@dataclass(frozen=True)
class ExactRequest:
    model: str
    n: int
    times: tuple[float, ...]
    observables: tuple[str, ...]
    J: float = 1.0
    h: float = 1.0
    g: float = 0.0
    delta: float = 1.0
    hz: float = 0.0
    boundary: str = "open"
    initial: str = "zero"
    h0: float | None = None          # TFIM field of the pre-quench Hamiltonian for --initial ground
    method: str = "auto"
    specs: tuple[ObservableSpec, ...] = field(default=(), compare=False)

    def validate(self) -> "ExactRequest":
        if self.model not in MODELS:
            raise RequestError(f"unknown model '{self.model}'; choose one of {', '.join(MODELS)}")
        if not isinstance(self.n, int) or self.n < 2:
            raise RequestError(f"--n {self.n}: a chain needs at least 2 sites")
        for name in ("J", "h", "g", "delta", "hz", "h0"):
            v = getattr(self, name)
            if v is not None and not math.isfinite(v):
                raise RequestError(f"--{name} is {v}; couplings must be finite numbers")
        if self.boundary not in ("open", "periodic"):
            raise RequestError(f"--boundary {self.boundary}: choose open or periodic")
        if self.boundary == "periodic" and self.n < 3:
            raise RequestError("a periodic chain needs --n 3 or more")
        if self.initial not in INITIAL_STATES:
            raise RequestError(f"unknown initial state '{self.initial}'; choose one of {', '.join(INITIAL_STATES)}")
        if self.method not in METHODS:
            raise RequestError(f"unknown method '{self.method}'; choose one of {', '.join(METHODS)}")
        if not self.observables:
            raise RequestError("no observable given; add e.g. --observable zz:0,1")
        try:
            specs = tuple(s for text in self.observables for s in parse_observables(text, self.n))
        except ValueError as err:
            raise RequestError(str(err)) from None
        method = self._choose_method(specs)
        if method == "krylov" and self.n > MAX_KRYLOV_SITES:
            why = "" if self.method == "krylov" else " (free fermions cannot do this model/observable/state)"
            raise RequestError(f"exact state-vector evolution is limited to --n {MAX_KRYLOV_SITES} on this machine{why}")
        return ExactRequest(**{**self.__dict__, "method": method, "specs": specs})

    def _choose_method(self, specs) -> str:
        ff_ok = (self.model == "tfim" and self.boundary == "open" and self.g == 0.0
                 and self.initial in ("zero", "ground") and all(TFIMFreeFermions.supports(s) for s in specs))
        if self.method == "free-fermion" and not ff_ok:
            raise RequestError("--method free-fermion needs the open TFIM with g = 0, initial zero or ground, and "
                               "observables x:i, z:i, zz:i,j or tt:zz:i,j; use --method krylov")
        if self.method == "auto":
            return "free-fermion" if ff_ok else "krylov"
        return self.method

    def hamiltonian(self):
        if self.model == "tfim":
            return lattice.tfim(self.n, self.J, self.h, self.g, self.boundary)
        return lattice.xxz(self.n, self.J, self.delta, self.hz, self.boundary)

    def pre_quench_hamiltonian(self):
        if self.model == "tfim":
            h0 = self.h if self.h0 is None else self.h0
            return lattice.tfim(self.n, self.J, h0, self.g, self.boundary)
        return self.hamiltonian()


def run_exact(request: ExactRequest) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Validate and run; returns (times, {observable label: values})."""
    req = request.validate()
    times = np.asarray(req.times, dtype=float)
    if req.method == "free-fermion":
        if req.initial == "zero":
            state = ZeroState()
        else:
            h0 = req.h if req.h0 is None else req.h0
            state = GroundState((req.J,) * (req.n - 1), (h0,) * req.n)
        return times, TFIMFreeFermions(req.J, np.full(req.n, req.h)).evolve(times, state, req.specs)
    if req.initial == "zero":
        psi0 = product_state(req.n)
    elif req.initial == "neel":
        psi0 = product_state(req.n, "01" * (req.n // 2) + "0" * (req.n % 2))
    else:
        psi0 = ground_state(req.pre_quench_hamiltonian())[1]
    equal = {s.label: s.operator(req.n) for s in req.specs if not s.two_time}
    two = {s.label: s.parts(req.n) for s in req.specs if s.two_time}
    values = evolve(req.hamiltonian(), psi0, times, equal, two)
    return times, {s.label: values[s.label] for s in req.specs}
