"""Shared helpers for the runtime tests: small programs, program files, a CLI runner."""

from __future__ import annotations

import json

from hybrid_rg.pulse.program import RydbergProgram, Waveform, chain_positions


def program(
    n: int = 2, rabi: float = 5.0, duration_us: float = 1.0, spacing_um: float = 6.0, detuning: float = 0.0, metadata=()
) -> RydbergProgram:
    d = duration_us
    return RydbergProgram(
        chain_positions(n, spacing_um),
        Waveform((0.0, 0.1 * d, 0.9 * d, d), (0, rabi, rabi, 0)),
        Waveform.constant(detuning, d),
        Waveform.constant(0.0, d, "constant"),
        metadata=tuple(metadata),
    )


def write_programs(path, programs) -> str:
    path.write_text(json.dumps([p.to_dict() for p in programs]))
    return str(path)


def cli(argv) -> int:
    """`hybrid-rg ARGV` in this process, through the real entry point (its one error handler included)."""
    from hybrid_rg.cli import main

    return main(argv)
