"""The emulator against its peers on the same Aquila-like program, 6–16 atoms, in one run: Braket's local AHS
simulator and bloqade-analog's emulator (each skipped, with one line on stderr, where it is not installed or above
its --max-*-atoms).

Prints one JSON line per atom count, then one JSON object with every row, then (on stderr) a table. For each atom
count: the emulator's wall time (tol as given, its stated error); Braket's integration wall time at `steps` (the
simulator's own integration path, without shot sampling, see hybrid_rg/devices/emulator/braket_reference.py);
bloqade-analog's wall time (`.bloqade.python().run_callback`, its default solver: dop853, atol 1e-7, rtol 1e-14,
the full Hilbert space, its Hamiltonian built and the final state returned, no shots); the ratios peer time /
emulator time; the max |Δp| over bitstrings (Braket) and the max |Δ⟨n_i⟩| between every pair of engines.

Braket runs without a blockade radius where affordable (its dense-solve path, used up to 1000 configurations, takes
minutes at 7–9 atoms: capped by --max-full-atoms) and with blockade_radius (configurations with two Rydberg atoms
closer than it are dropped, a truncation of the Hilbert space: the difference to the emulator then measures that
truncation too). Braket's local simulator uses the opposite phase sign (see braket_reference.py); the program has a
constant phase, where the sign is invisible.

One program for all three: bloqade-analog hard-codes C6 = 2π × 862690 rad µm⁶/µs, so the program carries that C6
(hybrid-rg's Aquila default, 5.42e6, differs by 8e-5 relative); each engine integrates the same Hamiltonian. Every
engine is called once on a 2-atom program first, so no timing includes an import or a JIT compilation (bloqade's
numba kernels). On a shared machine pass --repeats 3: each engine's best of that many runs (the same for all).

    .venv/bin/python benchmarks/emulator_vs_braket.py [--atoms 6 8 10 12] [--steps 1000] [--tol 1e-4]
                                                      [--repeats 3] [--no-blockade] [--max-bloqade-atoms 14]

Measured 2026-12-03 in /work/bench-venv on an idle 2-core machine (--atoms 6 8 10 12 14 --repeats 3; time peer /
hybrid-rg, PYTHONPATH=. so the checkout's hybrid_rg is the one timed): Braket 10.9, 8.5 (blockade radius; its full
space skipped at 8), 28.3, 21.3, 18.4×; bloqade-analog 1.5, 1.6, 2.1, 3.7, 5.8× (hybrid-rg 0.052 / 0.065 / 0.125 /
0.35 / 1.56 s); max |Δ⟨n_i⟩| hybrid-rg vs bloqade 4e-7–5.1e-6, vs Braket's full space 2.7e-6–2.9e-5 (Braket's
first-order time steps). An earlier run on a loaded machine had bloqade ahead at 6 atoms (0.20 against 0.28 s): load
noise at these sub-second times, so take the best of several repeats on a quiet machine.

bloqade-analog is not a hybrid-rg dependency and must not go into the project's .venv (it pins its own versions of
shared packages). Its own venv, with hybrid-rg and Braket at the project's pins (pip check passes):

    python3.11 -m venv /work/bench-venv
    /work/bench-venv/bin/pip install torch==2.13.0                 # the CPU wheel first, as the Makefile does
    /work/bench-venv/bin/pip install -c requirements/lock.txt -e '.[braket,test,bench]'
    /work/bench-venv/bin/pip install bloqade-analog==0.16.9
    nice -n 10 /work/bench-venv/bin/python benchmarks/emulator_vs_braket.py --atoms 6 8 10 12
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np

BLOQADE_C6 = 2 * math.pi * 862690  # rad µm⁶/µs: bloqade.analog.constants.RB_C6, fixed in its emulator


def aquila_program(n: int, c6: float = BLOQADE_C6):
    from hybrid_rg.pulse.program import RydbergProgram, Waveform, chain_positions

    return RydbergProgram(
        chain_positions(n, 6.5),
        Waveform((0.0, 0.25, 2.75, 3.0), (0.0, 15.8, 15.8, 0.0)),
        Waveform((0.0, 0.25, 2.75, 3.0), (-30.0, -30.0, 60.0, 60.0)),
        Waveform((0.0, 3.0), (0.0, 0.0), "constant"),
        c6_rad_per_us_um6=c6,
    )


def _best(run, repeats: int):
    """(shortest wall time of `repeats` calls, the last result)."""
    best, out = float("inf"), None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t0)
    return best, out


def densities(probs: np.ndarray) -> np.ndarray:
    """⟨n_i⟩ from the probabilities of all bitstrings (index = int of the bitstring, atom 0 first)."""
    import torch

    from hybrid_rg.devices.emulator.observables import z_expectation

    p = torch.as_tensor(np.asarray(probs, dtype=np.float64))
    n = int(round(math.log2(p.numel())))
    return np.array([(1.0 - z_expectation(p, i)) / 2.0 for i in range(n)])


def bloqade_densities(program) -> np.ndarray:
    """⟨n_i⟩ from bloqade-analog's final state for `program` (piecewise-linear Ω and Δ, zero phase, no local
    detuning: what aquila_program builds), its full Hilbert space and default solver."""
    from bloqade.analog import start

    if abs(program.c6_rad_per_us_um6 - BLOQADE_C6) > 1e-6 * BLOQADE_C6 or program.local_detuning is not None:
        raise ValueError("bloqade-analog runs only programs with its own C6 and without local detuning")
    if any(v != 0.0 for v in program.phase.values):
        raise ValueError("the bloqade path here builds no phase waveform; the program's phase must be zero")

    def linear(w):
        return list(np.diff(w.times_us)), list(w.values)

    built = (
        start.add_position(list(program.positions_um))
        .rydberg.rabi.amplitude.uniform.piecewise_linear(*linear(program.amplitude))
        .detuning.uniform.piecewise_linear(*linear(program.detuning))
    )

    def final_densities(state, metadata, hamiltonian, *args):
        p = np.abs(state.data) ** 2
        p /= p.sum()
        return np.array([p[state.space.is_rydberg_at(i)].sum() for i in range(program.n_atoms)])

    (out,) = built.bloqade.python().run_callback(final_densities)
    return out


def _bloqade_missing() -> str | None:
    try:
        import bloqade.analog  # noqa: F401
    except ImportError as err:
        return f"not installed ({err}); see this file's docstring for its own venv"
    return None


def _table(rows: list[dict]) -> str:
    """The rows as a Markdown table (Braket: the full space where it ran, else the blockade-radius case)."""
    head = (
        "| atoms | hybrid-rg s | Braket s | × | bloqade s | × | max Δn vs Braket | max Δn vs bloqade "
        "| bloqade vs Braket |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def f(x, fmt):
        return "–" if x is None else format(x, fmt)

    for r in rows:
        case = "full" if "braket_full_s" in r else "blockade"
        mark = "" if case == "full" else " (b)"
        lines.append(
            f"| {r['atoms']} | {r['emulator_s']:.3g} | {f(r.get(f'braket_{case}_s'), '.3g')}{mark} "
            f"| {f(r.get(f'ratio_braket_{case}'), '.1f')} | {f(r.get('bloqade_s'), '.3g')} "
            f"| {f(r.get('ratio_bloqade'), '.1f')} | {f(r.get(f'max_abs_dn_braket_{case}'), '.1e')} "
            f"| {f(r.get('max_abs_dn_bloqade'), '.1e')} | {f(r.get(f'max_abs_dn_bloqade_vs_braket_{case}'), '.1e')} |"
        )
    if any("braket_full_s" not in r and "braket_blockade_s" in r for r in rows):
        lines.append("(b): Braket with the blockade radius (its full space skipped at that size)")
    return "\n".join(lines)


def _skipped(peer: str, missing: str | None, n: int, limit: int, option: str) -> str | None:
    """Why `peer` is not run at `n` atoms (not installed, or above its size limit; said on stderr), else None."""
    if missing:
        return missing
    if n > limit:
        why = f"above {option} {limit}"
        print(f"skip {peer} at {n} atoms: {why}", file=sys.stderr)
        return why
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--atoms", type=int, nargs="+", default=[6, 8, 10, 12])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--blockade-um", type=float, default=8.0)
    ap.add_argument(
        "--max-full-atoms",
        type=int,
        default=6,
        help="skip Braket without blockade radius above this "
        "while it has <= 1000 configurations (7-9 atoms: its dense-solve path takes minutes); from 10 "
        "atoms it uses its sparse ODE path and runs",
    )
    ap.add_argument("--max-braket-atoms", type=int, default=14, help="skip Braket above this (too slow)")
    ap.add_argument("--max-bloqade-atoms", type=int, default=14, help="skip bloqade-analog above this (too slow)")
    ap.add_argument("--repeats", type=int, default=1, help="best of this many runs, for each engine alike")
    ap.add_argument("--no-blockade", action="store_true", help="skip Braket with a blockade radius")
    args = ap.parse_args()
    from hybrid_rg.utils.threads import limit_torch_threads

    limit_torch_threads()
    from hybrid_rg.devices.emulator import evolve, probabilities

    try:
        from hybrid_rg.devices.emulator.braket_reference import braket_probabilities

        braket_probabilities(aquila_program(2), 10)  # warm-up: imports, not timed
        braket_missing = None
    except ImportError as err:
        braket_missing = f"not installed ({err})"
        print(f"skip Braket: {braket_missing}", file=sys.stderr)
    bloqade_missing = _bloqade_missing()
    if bloqade_missing:
        print(f"skip bloqade-analog: {bloqade_missing}", file=sys.stderr)
    else:
        bloqade_densities(aquila_program(2))  # warm-up: imports and numba compilation, not timed
    evolve(aquila_program(2), tol=args.tol)

    rows = []
    for n in args.atoms:
        p = aquila_program(n)
        t_emu, ev = _best(lambda p=p: evolve(p, tol=args.tol), args.repeats)
        pe = probabilities(ev.state).numpy()
        ne = densities(pe)
        row = {
            "atoms": n,
            "emulator_s": round(t_emu, 4),
            "emulator_state_error": ev.error,
            "emulator_substeps": ev.substeps,
            "emulator_steps_finest": ev.steps,
            "braket_steps": args.steps,
        }
        n_braket = {}
        if skipped := _skipped("Braket", braket_missing, n, args.max_braket_atoms, "--max-braket-atoms"):
            row["braket_skipped"] = skipped
        else:
            cases = [] if args.no_blockade else [("blockade", args.blockade_um)]
            if n <= args.max_full_atoms or 2**n > 1000:
                cases.insert(0, ("full", 0.0))
            else:
                row["full_skipped"] = "Braket's dense path without blockade radius takes minutes at 7-9 atoms"
            for name, radius in cases:
                tb, pb = _best(lambda p=p, radius=radius: braket_probabilities(p, args.steps, radius), args.repeats)
                n_braket[name] = densities(pb)
                row[f"braket_{name}_s"] = round(tb, 3)
                row[f"ratio_braket_{name}"] = round(tb / t_emu, 1)
                row[f"max_abs_dp_braket_{name}"] = float(np.abs(pe - pb).max())
                row[f"max_abs_dn_braket_{name}"] = float(np.abs(ne - n_braket[name]).max())
        if skipped := _skipped("bloqade-analog", bloqade_missing, n, args.max_bloqade_atoms, "--max-bloqade-atoms"):
            row["bloqade_skipped"] = skipped
        else:
            tq, nq = _best(lambda p=p: bloqade_densities(p), args.repeats)
            row["bloqade_s"] = round(tq, 3)
            row["ratio_bloqade"] = round(tq / t_emu, 1)
            row["max_abs_dn_bloqade"] = float(np.abs(ne - nq).max())
            for name, nb in n_braket.items():
                row[f"max_abs_dn_bloqade_vs_braket_{name}"] = float(np.abs(nq - nb).max())
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(
        json.dumps(
            {
                "benchmark": "emulator_vs_peers",
                "tol": args.tol,
                "steps": args.steps,
                "c6_rad_per_us_um6": BLOQADE_C6,
                "blockade_um": None if args.no_blockade else args.blockade_um,
                "repeats": args.repeats,
                "rows": rows,
            },
            indent=1,
        )
    )
    print(_table(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
