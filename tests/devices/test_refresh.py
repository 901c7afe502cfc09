"""`hybrid-rg devices refresh`: live properties (a fake Aquila whose capabilities come from the Braket schema's
example, behind real boto3 clients and the SDK's AwsDevice) -> a new dated snapshot and a diff; no credentials ->
one line, exit 2; implausible units -> nothing written."""

from __future__ import annotations

import pytest

pytest.importorskip("braket.aws")

from hybrid_rg.devices import refresh as refresh_mod  # noqa: E402
from hybrid_rg.devices.adapters.braket_aws import BraketAwsDevice  # noqa: E402
from hybrid_rg.devices.spec import load_device_spec  # noqa: E402
from hybrid_rg.testing.fake_braket import FakeBraket, aquila_capabilities  # noqa: E402


def _cli(argv) -> int:
    from hybrid_rg.cli import main

    return main(argv)


def test_refresh_against_the_schema_device_writes_a_dated_snapshot_and_its_diff(tmp_path):
    fake = FakeBraket(tmp_path / "braket")
    out = tmp_path / "quera_aquila.toml"
    r = refresh_mod.refresh(
        "quera_aquila", device=BraketAwsDevice(boto_session=fake.session()), out=out, today="2026-12-03"
    )
    spec = load_device_spec(out)
    assert spec.date == "2026-12-03" and spec.name == "quera_aquila" and spec.shots_max == 1000
    assert "limits.rabi_max_rad_per_us: 25 -> 25.132741228718344" in r.diff  # 2π·4 MHz in the schema
    assert "limits.local_detuning_max_rad_per_us: 125 -> 314.1592653589793" in r.diff
    assert not any("c6" in line for line in r.diff)  # 5.42e-24 rad·m^6/s = 5.42e6
    assert str(spec.rydberg.rabi_max_rad_per_us) == "25.132741228718344"
    assert spec.price_per_task_usd == 0.30 and "previous snapshot (dated 2026-11-22" in spec.source
    assert out.read_text().startswith("# quera_aquila: refreshed from the live device properties on 2026-12-03")


def test_the_cli_prints_the_diff(tmp_path, monkeypatch, capsys):
    fake = FakeBraket(tmp_path / "braket")
    monkeypatch.setattr(refresh_mod, "aws_device", lambda name: BraketAwsDevice(boto_session=fake.session()))
    assert _cli(["devices", "refresh", "quera_aquila", "--out", str(tmp_path / "new.toml")]) == 0
    text = capsys.readouterr().out
    assert "wrote" in text and "limits.rabi_max_rad_per_us: 25 -> 25.132741228718344" in text


def test_without_credentials_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    out = tmp_path / "new.toml"
    assert _cli(["devices", "refresh", "quera_aquila", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no AWS credentials" in err[0] and not out.exists()


def test_unknown_name_and_implausible_units_write_nothing(tmp_path):
    assert _cli(["devices", "refresh", "emulator", "--out", str(tmp_path / "e.toml")]) == 2
    caps = aquila_capabilities()
    caps["paradigm"]["rydberg"]["c6Coefficient"] = 2 * 3.141592653589793 * 862690  # the schema example's literal
    fake = FakeBraket(tmp_path / "braket", capabilities=caps)
    with pytest.raises(Exception, match="c6_rad_per_us_um6"):
        refresh_mod.refresh(
            "quera_aquila", device=BraketAwsDevice(boto_session=fake.session()), out=tmp_path / "bad.toml"
        )
    assert not (tmp_path / "bad.toml").exists()
