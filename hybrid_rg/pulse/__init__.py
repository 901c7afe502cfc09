"""Device-agnostic pulse programs (physical units) and the conversion from dimensionless device Hamiltonians."""

from .program import LocalDetuning, ProgramError, RydbergProgram, Waveform

__all__ = ["LocalDetuning", "ProgramError", "RydbergProgram", "Waveform"]
