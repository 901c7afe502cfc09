"""Snapshots: they load, carry source/date/prices, and the Aquila limits equal Braket's SI values converted."""

from decimal import Decimal

import pytest

from hybrid_rg.devices.spec import (
    DeviceSpecError,
    list_device_specs,
    load_device_spec,
    snapshot_from_quera_paradigm,
    spec_from_dict,
)

# Braket's QuEra paradigm properties in SI (schema example / SDK fixture values, typed in here independently)
QUERA_SI = {
    "braketSchemaHeader": {"name": "braket.device_schema.quera.quera_ahs_paradigm_properties", "version": "1"},
    "qubitCount": 256,
    "lattice": {
        "area": {"width": 100.0e-6, "height": 100.0e-6},
        "geometry": {
            "spacingRadialMin": 4.0e-6,
            "spacingVerticalMin": 2.5e-6,
            "positionResolution": 1e-7,
            "numberSitesMax": 256,
        },
    },
    "rydberg": {
        "c6Coefficient": 5.42e-24,
        "rydbergGlobal": {
            "rabiFrequencyRange": [0, 25000000],
            "rabiFrequencyResolution": 400,
            "rabiFrequencySlewRateMax": 250000000000000,
            "detuningRange": [-125000000, 125000000],
            "detuningResolution": 0.2,
            "detuningSlewRateMax": 2500000000000000,
            "phaseRange": [-99, 99],
            "phaseResolution": 5e-7,
            "timeResolution": 1e-9,
            "timeDeltaMin": 1e-8,
            "timeMin": 0,
            "timeMax": 4e-6,
        },
        "rydbergLocal": {
            "detuningRange": [0, 125000000.0],
            "detuningSlewRateMax": 1256600000000000.0,
            "siteCoefficientRange": [0.0, 1.0],
            "numberLocalDetuningSitesMax": 200,
            "spacingRadialMin": 5e-6,
            "timeResolution": 1e-9,
            "timeDeltaMin": 1e-8,
        },
    },
}


def test_every_snapshot_has_source_date_and_kind():
    specs = list_device_specs()
    names = {s.name for s in specs}
    assert {"quera_aquila", "ibm_heron", "emulator", "braket_local", "pennylane", "dynamics"} <= names
    for s in specs:
        assert s.source and len(s.date) == 10 and s.kind in ("rydberg", "digital", "simulator")
        assert s.simulator in names, f"{s.name} stands in by {s.simulator}, which has no snapshot"
        if s.kind == "simulator":
            assert s.price_per_task_usd == 0 and s.price_per_shot_usd == 0


def test_aquila_limits_equal_braket_si_values_converted():
    braket_quera = pytest.importorskip("braket.device_schema.quera")
    parsed = braket_quera.QueraAhsParadigmProperties.parse_obj(QUERA_SI | {"performance": _performance()})
    ours = snapshot_from_quera_paradigm(parsed.dict())
    spec = load_device_spec("quera_aquila")
    for key, value in ours.items():
        assert getattr(spec.rydberg, key) == value, (key, getattr(spec.rydberg, key), value)
    assert spec.rydberg.time_resolution_us == Decimal("0.001")  # exact, not 0.0010000000000000002
    assert spec.rydberg.c6_rad_per_us_um6 == Decimal("5.42e6")
    assert abs(spec.price_per_task_usd - 0.30) < 1e-12 and abs(spec.price_per_shot_usd - 0.01) < 1e-12
    assert spec.simulator == "emulator" and spec.shots_max == 1000


def _performance():
    lat = {
        k: 0.01
        for k in (
            "positionErrorAbs",
            "sitePositionError",
            "atomPositionError",
            "fillingErrorTypical",
            "fillingErrorWorst",
            "vacancyErrorTypical",
            "vacancyErrorWorst",
            "atomLossProbabilityTypical",
            "atomLossProbabilityWorst",
            "atomCaptureProbabilityTypical",
            "atomCaptureProbabilityWorst",
            "atomDetectionErrorFalsePositiveTypical",
            "atomDetectionErrorFalsePositiveWorst",
            "atomDetectionErrorFalseNegativeTypical",
            "atomDetectionErrorFalseNegativeWorst",
        )
    }
    glob = {
        k: 0.01
        for k in (
            "rabiFrequencyErrorRel",
            "rabiFrequencyGlobalErrorRel",
            "rabiFrequencyInhomogeneityRel",
            "groundDetectionError",
            "rydbergDetectionError",
            "groundPrepError",
            "rydbergPrepErrorBest",
            "rydbergPrepErrorWorst",
            "T1Single",
            "T1Ensemble",
            "T2StarSingle",
            "T2StarEnsemble",
            "T2EchoSingle",
            "T2EchoEnsemble",
            "T2RabiSingle",
            "T2RabiEnsemble",
            "T2BlockadedRabiSingle",
            "T2BlockadedRabiEnsemble",
            "detuningError",
            "detuningInhomogeneity",
        )
    }
    glob["rabiAmplitudeRampCorrection"] = [{"rampTime": 5e-8, "rabiCorrection": 0.92}]
    return {"lattice": lat, "rydberg": {"rydbergGlobal": glob}}


def test_heron_snapshot_matches_the_fake_backend():
    pytest.importorskip("qiskit_ibm_runtime")
    from qiskit_ibm_runtime.fake_provider import FakeTorino

    fake = FakeTorino()
    spec = load_device_spec("ibm_heron")
    assert spec.kind == "digital" and spec.digital.n_qubits == fake.num_qubits == 133
    assert set(spec.digital.basis_gates) == set(fake.configuration().basis_gates)
    assert spec.digital.coupling_map_edges == len(fake.coupling_map.get_edges())
    assert spec.digital.fractional_rzz == ("rzz" in fake.target.operation_names)
    cz = sorted(p.error for p in fake.target["cz"].values() if p is not None)
    median = cz[len(cz) // 2] if len(cz) % 2 else 0.5 * (cz[len(cz) // 2 - 1] + cz[len(cz) // 2])
    assert abs(dict(spec.digital.errors)["cz_error_median"] - median) < 1e-5


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(DeviceSpecError, match="quera_aquila"):
        load_device_spec("quera_aquilla")


def test_digest_is_content_not_formatting(tmp_path):
    a = load_device_spec("emulator")
    text = (load_device_spec.__globals__["SNAPSHOT_DIR"] / "emulator.toml").read_text()
    (tmp_path / "e.toml").write_text("# a comment\n\n" + text.replace("\n", "\n\n"))
    assert load_device_spec(tmp_path / "e.toml").digest() == a.digest()
    (tmp_path / "f.toml").write_text(text.replace("max_atoms = 20", "max_atoms = 19"))
    assert load_device_spec(tmp_path / "f.toml").digest() != a.digest()


def test_malformed_snapshot_names_the_problem(tmp_path):
    with pytest.raises(DeviceSpecError, match="source"):
        spec_from_dict({"name": "x", "kind": "simulator", "date": "2026-01-01"})
    with pytest.raises(DeviceSpecError, match="unknown limit"):
        spec_from_dict({"name": "x", "kind": "simulator", "date": "d", "source": "s", "limits": {"rabi_max": 1}})
    (tmp_path / "bad.toml").write_text("name = ")
    with pytest.raises(DeviceSpecError, match="not valid TOML"):
        load_device_spec(tmp_path / "bad.toml")
