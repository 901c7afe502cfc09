"""One exact calculation as a value: model, initial state, observables, times and method -> time series.

This is what `hybrid-rg exact` runs. An `ExactRequest` is a typed spec (hybrid_rg.utils.specs): building one checks
every field, and the physics cross-checks (a periodic chain's length, the observables' sites, what free fermions
can do, the Krylov size limit) run before any work, so bad input fails at once with one line that names the
value and the fix (RequestError). `validate()` returns the request with `method = "auto"` resolved.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, Strict, ValidationError, model_validator

from ..errors import BadInput
from ..operators import lattice
from ..operators.observables import ObservableSpec, parse_observables
from ..utils.memory import require_memory
from ..utils.specs import SpecModel, describe
from .free_fermions import GroundState, TFIMFreeFermions, ZeroState
from .krylov import evolve, ground_state, product_state, require_krylov_memory

MODELS = ("tfim", "xxz")
INITIAL_STATES = ("zero", "neel", "ground")
METHODS = ("auto", "krylov", "free-fermion")


class RequestError(BadInput):
    """Bad input to an exact calculation (an option of `hybrid-rg exact`, or an OLRG spec's reference); the
    message names the value and what to change."""


class ExactRequest(SpecModel):
    model: Literal["tfim", "xxz"]
    n: int = Field(ge=2, description="the number of sites")
    times: Annotated[tuple[float, ...], Strict(False)]
    observables: Annotated[tuple[str, ...], Strict(False)]
    J: float = 1.0
    h: float = 1.0
    g: float = 0.0
    delta: float = 1.0
    hz: float = 0.0
    boundary: Literal["open", "periodic"] = "open"
    initial: Literal["zero", "neel", "ground"] = "zero"
    h0: float | None = None  # TFIM field of the pre-quench Hamiltonian for --initial ground
    method: Literal["auto", "krylov", "free-fermion"] = "auto"

    def __init__(self, **data: Any) -> None:
        # built from Python (the CLI, olrg.experiment): the same one-line message as a spec file gets
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise RequestError(describe(err, ExactRequest)) from None

    @model_validator(mode="after")
    def _check(self) -> ExactRequest:
        if self.boundary == "periodic" and self.n < 3:
            raise ValueError("a periodic chain needs n >= 3 (--n 3 or more)")
        if not self.observables:
            raise ValueError("no observable given; add e.g. --observable zz:0,1")
        self.specs  # noqa: B018 (the property parses them): a bad label or site fails here
        method = self._choose_method()
        # sizes are refused from the memory they need, before anything is built (hybrid_rg.utils.memory)
        if method == "krylov":
            two_time = sum(s.two_time for s in self.specs)
            require_krylov_memory(self.n, self.n + 1, 1 + two_time, option="--n")
        else:  # free fermions: a few (2n)×(2n) float64 matrices (the Majorana correlation matrix and its propagator)
            require_memory(
                3 * (2 * self.n) ** 2 * 8,
                f"the free-fermion solver at --n {self.n}",
                "lower --n (it needs ~ n² memory)",
            )
        return self

    @cached_property
    def specs(self) -> tuple[ObservableSpec, ...]:
        return tuple(s for text in self.observables for s in parse_observables(text, self.n))

    def validate(self) -> ExactRequest:
        """The same request with method 'auto' replaced by the method that runs."""
        return self.model_copy(update={"method": self._choose_method()})

    def _choose_method(self) -> str:
        ff_ok = (
            self.model == "tfim"
            and self.boundary == "open"
            and self.g == 0.0
            and self.initial in ("zero", "ground")
            and all(TFIMFreeFermions.supports(s) for s in self.specs)
        )
        if self.method == "free-fermion" and not ff_ok:
            raise RequestError(
                "--method free-fermion needs the open TFIM with g = 0, initial zero or ground, and "
                "observables x:i, z:i, zz:i,j or tt:zz:i,j; use --method krylov"
            )
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
