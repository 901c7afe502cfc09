"""Bring your own program: Amazon Braket AHS programs (IR JSON, or in Python an `AnalogHamiltonianSimulation` /
`braket.ir.ahs.Program`) accepted wherever a `RydbergProgram` is, converted exactly by braket_ir.py.

    program = as_program(ahs)                        # an AnalogHamiltonianSimulation, an IR Program, a dict, JSON
    programs = programs_from_json_data(data, where)  # a file's parsed JSON: one program or a list, either format
    text = to_braket_ir_json(program)                # back to Braket's IR

Why this exists: neither the Braket SDK nor bloqade-analog nor Pulser validates a program against Aquila's limits
offline; users bring programs written with those SDKs to hybrid-rg's validator. bloqade-analog programs reach it
through their Braket IR (bloqade's own `quera_aquila().braket...` path writes it), so no bloqade import is needed.

Exactness: IR -> program -> IR gives back every number with up to 15 significant digits to the digit, which covers
every value on Aquila's grids (400 rad/s, 0.2 rad/s, 1 ns steps); a 17-digit SI value (a raw float such as 2π·x)
comes back within one unit in its last place, because a RydbergProgram holds floats in µs units.

A Braket IR document is recognised by its `setup` and `hamiltonian` keys (and, when present, the schema header
name `braket.ir.ahs.program`). Units: Braket's SI (m, s, rad/s) become µm, µs, rad/µs through Decimal, exactly.
A program with vacant sites, more than one driving field, or more than one local detuning is refused with the
reason (a RydbergProgram fills every site). C6 is not part of Braket's IR; Aquila's is assumed (see braket_ir).
"""

from __future__ import annotations

import json

from ..pulse.program import ProgramError, RydbergProgram

BRAKET_IR_NAME = "braket.ir.ahs.program"


def is_braket_ir(data) -> bool:
    """True for a parsed Braket AHS IR document (a dict with `setup` and `hamiltonian`)."""
    if not isinstance(data, dict) or not {"setup", "hamiltonian"} <= set(data):
        return False
    header = data.get("braketSchemaHeader")
    return header is None or (isinstance(header, dict) and header.get("name") == BRAKET_IR_NAME)


def _from_ir_dict(data: dict) -> RydbergProgram:
    from .braket_ir import program_from_ir_json

    try:
        return program_from_ir_json(json.dumps(data))
    except ProgramError:
        raise
    except ImportError:
        raise
    except Exception as err:  # pydantic's ValidationError and the SDK's ValueErrors
        raise ProgramError(
            f"not a valid Braket AHS program: {str(err).splitlines()[0]} ({type(err).__name__})"
        ) from err


def as_program(obj) -> RydbergProgram:
    """A RydbergProgram from a RydbergProgram, an AnalogHamiltonianSimulation, a braket.ir.ahs.Program, a Braket IR
    dict or its JSON text; anything else is a ProgramError naming what was given."""
    if isinstance(obj, RydbergProgram):
        return obj
    if isinstance(obj, str):
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError as err:
            raise ProgramError(f"not JSON ({err}); expected a RydbergProgram or a Braket AHS program") from err
    if isinstance(obj, dict):
        return _from_ir_dict(obj) if is_braket_ir(obj) else RydbergProgram.from_dict(obj)
    module = type(obj).__module__
    if module.startswith("braket.ahs"):
        from .braket_ir import from_ahs

        return from_ahs(obj)
    if module.startswith("braket.ir.ahs"):
        return _from_ir_dict(json.loads(obj.json()))
    raise ProgramError(
        f"cannot use a {type(obj).__module__}.{type(obj).__name__} as a program; pass a "
        f"RydbergProgram, a Braket AnalogHamiltonianSimulation or its IR (JSON)"
    )


def as_programs(objs) -> tuple[RydbergProgram, ...]:
    return tuple(as_program(o) for o in objs)


def programs_from_json_data(data, where: str = "<json>") -> list[RydbergProgram]:
    """Programs from a parsed JSON file: one program or a list; each a RydbergProgram or a Braket AHS IR document."""
    items = data if isinstance(data, list) else [data]
    out = []
    for k, item in enumerate(items):
        try:
            out.append(as_program(item))
        except (ProgramError, AttributeError, KeyError, TypeError) as err:
            raise ProgramError(f"{where}: program {k}: {err}") from err
    return out


def to_braket_ir_json(program, indent: int | None = 2) -> str:
    """Braket's IR for a program (numbers as Braket writes them), e.g. to submit it with the Braket SDK."""
    from .braket_ir import program_to_ir_json

    return program_to_ir_json(as_program(program), indent)


__all__ = ["is_braket_ir", "as_program", "as_programs", "programs_from_json_data", "to_braket_ir_json"]
