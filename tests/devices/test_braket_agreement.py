"""Our verdict vs Braket's own offline validation of the same AHS program (hypothesis, random programs).

Braket (amazon-braket-sdk 1.127.5) has no offline validator for QuEra's device limits: AwsDevice validation
happens server-side, and `braket.emulation` emulates gate-model devices only. What it does have offline:
  1. the IR pydantic models (`braket.ir.ahs.Program`),
  2. the local simulator's validators (`analog_hamiltonian_simulator.rydberg.validators.ir_validator.
     validate_program`) with a `CapabilitiesConstants`; we give it Aquila's values, and count its warnings
     ("outside the typical range", "too close", "bigger than the typical scale") as violations,
  3. `AnalogHamiltonianSimulation.discretize(device)` with Aquila's paradigm: a program is on the grids iff
     discretize leaves every number unchanged.
So the comparison covers the rules Braket checks: area, minimum spacing, duration, amplitude / detuning /
local-detuning ranges, local pattern range, and every grid (positions, times, values). Braket has no check
for slew rates, minimum time step, row spacing, Ω = 0 at the ends, phase range, addressed-site spacing: those
of our rules are left out of the comparison (listed in BRAKET_BLIND).
"""

import warnings
from decimal import Decimal
from types import SimpleNamespace

import pytest

hypothesis = pytest.importorskip("hypothesis")
pytest.importorskip("braket.ahs")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hybrid_rg.devices.spec import load_device_spec  # noqa: E402
from hybrid_rg.devices.validation import validate  # noqa: E402
from hybrid_rg.pulse.program import LocalDetuning, RydbergProgram, Waveform  # noqa: E402

AQUILA = load_device_spec("quera_aquila")
BRAKET_BLIND = (
    "slew_rate",
    "min_step",
    "row_spacing",
    "amplitude.ends",
    "phase.values",
    "local_detuning.spacing",
    "local_detuning.sites",
    "interpolation",
    "c6",
    "n_atoms",
    "shots",
)
STATS = {"n": 0, "agree": 0, "valid": 0, "disagreements": [], "rules": {}}


def _braket_constants():
    from braket.analog_hamiltonian_simulator.rydberg.validators.capabilities_constants import CapabilitiesConstants

    L = AQUILA.rydberg
    si = lambda x, f: str(Decimal(x) * Decimal(f))  # noqa: E731
    return CapabilitiesConstants(
        BOUNDING_BOX_SIZE_X=si(L.area_width_um, "1e-6"),
        BOUNDING_BOX_SIZE_Y=si(L.area_height_um, "1e-6"),
        MAX_TIME=si(L.duration_max_us, "1e-6"),
        MIN_DISTANCE=si(L.spacing_radial_min_um, "1e-6"),
        GLOBAL_AMPLITUDE_VALUE_MIN=si(L.rabi_min_rad_per_us, "1e6"),
        GLOBAL_AMPLITUDE_VALUE_MAX=si(L.rabi_max_rad_per_us, "1e6"),
        GLOBAL_DETUNING_VALUE_MIN=si(L.detuning_min_rad_per_us, "1e6"),
        GLOBAL_DETUNING_VALUE_MAX=si(L.detuning_max_rad_per_us, "1e6"),
        LOCAL_MAGNITUDE_SEQUENCE_VALUE_MIN=si(L.local_detuning_min_rad_per_us, "1e6"),
        LOCAL_MAGNITUDE_SEQUENCE_VALUE_MAX=si(L.local_detuning_max_rad_per_us, "1e6"),
        MAGNITUDE_PATTERN_VALUE_MIN=str(L.local_pattern_min),
        MAGNITUDE_PATTERN_VALUE_MAX=str(L.local_pattern_max),
        MAX_NET_DETUNING="1e12",
    )  # a simulator-stability warning, not a device limit: out of the comparison


def _fake_aquila():
    """An object with what `AnalogHamiltonianSimulation.discretize` reads from an AwsDevice: Aquila's properties."""
    from braket.device_schema import DeviceActionType
    from braket.device_schema.quera import QueraAhsParadigmProperties

    from tests.devices.test_spec import QUERA_SI, _performance

    paradigm = QueraAhsParadigmProperties.parse_obj(QUERA_SI | {"performance": _performance()})
    action = {DeviceActionType.AHS: SimpleNamespace(actionType=DeviceActionType.AHS)}
    return SimpleNamespace(properties=SimpleNamespace(action=action, paradigm=paradigm))


CONSTANTS, DEVICE = None, None


def braket_verdict(program) -> tuple[bool, list[str]]:
    global CONSTANTS, DEVICE
    from braket.analog_hamiltonian_simulator.rydberg.validators.ir_validator import validate_program

    from hybrid_rg.devices.braket_ir import to_ahs

    CONSTANTS = CONSTANTS or _braket_constants()
    DEVICE = DEVICE or _fake_aquila()
    ahs = to_ahs(program)
    ir = ahs.to_ir()
    problems = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            validate_program(ir, CONSTANTS)
        except Exception as err:  # noqa: BLE001
            problems.append(f"error: {err}")
    problems += [f"warning: {w.message}" for w in caught]
    snapped = ahs.discretize(DEVICE).to_ir()
    if _numbers(snapped.dict()) != _numbers(ir.dict()):
        problems.append("discretize changed the program (off a device grid)")
    return not problems, problems


def _numbers(tree):
    if isinstance(tree, dict):
        return {k: _numbers(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_numbers(v) for v in tree]
    return Decimal(str(tree)) if isinstance(tree, (int, float, Decimal)) else tree


def our_verdict(program) -> tuple[bool, list[str]]:
    rep = validate(program, AQUILA)
    kept = [str(v) for v in rep.violations if not any(b in v.field for b in BRAKET_BLIND)]
    return not kept, kept


# Values drawn around the limits: on-grid most of the time, sometimes off-grid or beyond a limit.
def _grid(res, lo, hi, off_grid_prob=0.15):
    on = st.integers(int(lo / res), int(hi / res)).map(lambda k: float(Decimal(k) * Decimal(str(res))))
    off = st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, 6))
    return st.one_of(on, on, on, on, on, off) if off_grid_prob else on


@st.composite
def programs(draw):
    n = draw(st.integers(1, 4))
    xs = sorted(draw(st.lists(_grid(0.1, 0.0, 110.0), min_size=n, max_size=n, unique=True)))
    ys = draw(st.lists(st.sampled_from([0.0, 0.0, 4.0, 10.0, 3.95, 50.0, 101.0]), min_size=n, max_size=n))
    pos = tuple(zip(xs, ys))
    if len(set(pos)) != len(pos):
        pos = tuple((x, 0.0) for x in xs)
    t_end = draw(st.sampled_from([1.0, 2.0, 3.999, 4.0, 4.001, 3.9995]))
    k = draw(st.integers(0, 3))
    inner = sorted(set(draw(st.lists(_grid(0.001, 0.001, 3.9), min_size=k, max_size=k))))
    times = tuple([0.0] + [t for t in inner if t < t_end - 1e-9] + [t_end])
    amp = tuple(draw(st.lists(_grid(0.0004, -0.1, 26.0), min_size=len(times), max_size=len(times))))
    det = tuple(draw(st.lists(_grid(0.5, -130.0, 130.0), min_size=2, max_size=2)))
    phase = tuple(draw(st.lists(_grid(0.5, -3.0, 3.0), min_size=2, max_size=2)))
    local = None
    if draw(st.booleans()):
        pattern = tuple(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.2, -0.1]), min_size=n, max_size=n)))
        local = LocalDetuning(
            pattern, Waveform((0.0, t_end), tuple(draw(st.lists(_grid(0.5, -2.0, 130.0), min_size=2, max_size=2))))
        )
    return RydbergProgram(
        pos, Waveform(times, amp), Waveform((0.0, t_end), det), Waveform((0.0, t_end), phase, "constant"), local
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(programs())
def test_our_verdict_equals_braket_verdict(program):
    ours, why_ours = our_verdict(program)
    theirs, why_theirs = braket_verdict(program)
    STATS["n"] += 1
    STATS["valid"] += theirs
    for v in why_ours:
        rule = v.split(":")[0]
        STATS["rules"][rule] = STATS["rules"].get(rule, 0) + 1
    if ours == theirs:
        STATS["agree"] += 1
    else:
        STATS["disagreements"].append((program.to_json(indent=None), why_ours, why_theirs))
    assert ours == theirs, f"ours {ours} {why_ours}\nbraket {theirs} {why_theirs}\n{program.to_json(indent=None)}"


def test_zz_report_agreement_rate():
    """Runs after the property test (alphabetical order within the module); prints the measured rate."""
    if STATS["n"]:
        print(
            f"\nagreement with Braket: {STATS['agree']}/{STATS['n']} = {STATS['agree'] / STATS['n']:.3f}; "
            f"valid by Braket {STATS['valid']}; our violations by rule {dict(sorted(STATS['rules'].items()))}"
        )


def test_the_comparison_can_disagree():
    """Both sides flag what they should (so agreement is not two checks that never fire)."""
    base = RydbergProgram(
        ((0.0, 0.0), (6.1, 0.0)),
        Waveform((0.0, 0.1, 0.9, 1.0), (0.0, 15.8, 15.8, 0.0)),
        Waveform((0.0, 1.0), (-8.0, 12.0)),
        Waveform((0.0, 1.0), (0.0, 0.0), "constant"),
    )
    assert braket_verdict(base)[0] and our_verdict(base)[0]
    for bad in (
        RydbergProgram(((0.0, 0.0), (6.15, 0.0)), base.amplitude, base.detuning, base.phase),
        RydbergProgram(((0.0, 0.0), (3.0, 0.0)), base.amplitude, base.detuning, base.phase),
        RydbergProgram(
            base.positions_um, Waveform((0.0, 0.1, 0.9, 1.0), (0.0, 26.0, 26.0, 0.0)), base.detuning, base.phase
        ),
    ):
        assert not braket_verdict(bad)[0] and not our_verdict(bad)[0]
