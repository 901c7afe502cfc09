"""Observable specifications as users type them: "zz:0,5", "x:3", "x:all", "tt:zz:2,7".

- "LETTERS:i,j,..."  equal-time Pauli string, e.g. "zz:0,5" = ⟨Z_0 Z_5⟩(t), "xzx:1,2,3".
- "LETTERS:all"      one single-site observable per site, e.g. "x:all" = ⟨X_0⟩, …, ⟨X_{n−1}⟩.
- "tt:AB:i,j"        two-time correlator ⟨A_i(t) B_j(0)⟩ (complex), e.g. "tt:zz:4,4".

Parsing validates against the chain length so a typo fails before any work starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BadInput
from .expression import PauliExpr


@dataclass(frozen=True)
class ObservableSpec:
    paulis: str  # upper-case letters, one per site
    sites: tuple[int, ...]
    two_time: bool = False

    @property
    def label(self) -> str:
        core = f"{self.paulis.lower()}:{','.join(map(str, self.sites))}"
        return f"tt:{core}" if self.two_time else core

    def operator(self, n: int) -> PauliExpr:
        """The equal-time operator (for two-time specs: use `parts`)."""
        if self.two_time:
            raise ValueError(f"{self.label} is a two-time correlator; use .parts(n)")
        return PauliExpr.term(n, self.paulis, self.sites)

    def parts(self, n: int) -> tuple[PauliExpr, PauliExpr]:
        """(A at time t, B at time 0) of a two-time correlator ⟨A(t) B(0)⟩."""
        return (PauliExpr.term(n, self.paulis[0], self.sites[:1]), PauliExpr.term(n, self.paulis[1], self.sites[1:]))


class ObservableError(BadInput):
    """An observable label cannot be read (e.g. `zz:0,5`, `x:all`, `tt:zz:2,7`) or names a site outside the
    chain; the message shows the accepted forms."""


def parse_observables(spec: str, n: int) -> list[ObservableSpec]:
    """Parse one user spec into one or more ObservableSpecs (several for ':all')."""
    text = spec.strip().lower()
    two_time = text.startswith("tt:")
    if two_time:
        text = text[3:]
    letters, sep, sites_text = text.partition(":")
    hint = "write e.g. 'zz:0,5', 'x:3', 'x:all' or 'tt:zz:2,7'"
    if not sep or not letters or not sites_text:
        raise ObservableError(f"observable '{spec}' is not LETTERS:SITES; {hint}")
    if set(letters) - set("xyz"):
        raise ObservableError(f"observable '{spec}': letters must be x, y or z; {hint}")
    if sites_text == "all":
        if len(letters) != 1 or two_time:
            raise ObservableError(f"observable '{spec}': ':all' works for one letter, e.g. 'x:all'")
        return [ObservableSpec(letters.upper(), (i,)) for i in range(n)]
    try:
        sites = tuple(int(s) for s in sites_text.split(","))
    except ValueError:
        raise ObservableError(f"observable '{spec}': sites must be integers separated by commas; {hint}") from None
    if len(sites) != len(letters):
        raise ObservableError(f"observable '{spec}' has {len(letters)} letters but {len(sites)} sites")
    bad = [s for s in sites if not 0 <= s < n]
    if bad:
        raise ObservableError(f"observable '{spec}': site {bad[0]} is out of range; sites run from 0 to {n - 1}")
    if two_time and len(sites) != 2:
        raise ObservableError(
            f"observable '{spec}': a two-time correlator takes two letters and two sites, e.g. 'tt:zz:2,7'"
        )
    if not two_time and len(set(sites)) != len(sites):
        raise ObservableError(f"observable '{spec}' repeats a site; give each site once")
    return [ObservableSpec(letters.upper(), sites, two_time)]
