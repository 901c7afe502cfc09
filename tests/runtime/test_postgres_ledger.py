"""The ledger on PostgreSQL: the same commands, budget caps that hold under concurrent writers, local simulator
results readable from any worker, `ledger copy` from SQLite, and credentials that stay out of URLs, files and output.
Needs a server: `eval "$(.ci/postgres.sh start)"` sets HYBRID_RG_POSTGRES_URL (`make test` does it)."""

import json
import os
import shutil
import threading
import uuid

import pytest

from hybrid_rg.runtime import records
from hybrid_rg.runtime.budget import BudgetExceeded
from hybrid_rg.runtime.ledger import Ledger, LedgerError
from hybrid_rg.runtime.submit import SubmitRequest, submit

from .helpers import cli, program, write_programs

URL = os.environ.get("HYBRID_RG_POSTGRES_URL")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not URL, reason='HYBRID_RG_POSTGRES_URL is not set: start a server with `eval "$(.ci/postgres.sh start)"`'
    ),
]

PER_TASK_USD = 0.30 + 10 * 0.01


@pytest.fixture
def url():
    pytest.importorskip("psycopg2", reason="psycopg2-binary is not installed (the postgres extra)")
    return f"{URL}?schema=t_{uuid.uuid4().hex[:10]}"  # a fresh ledger (its own schema) per test


def _opts(tmp_path):
    return ["--adapter-opt", f"dir={tmp_path / 'provider'}", "--adapter-opt", "delay_s=0.01"]


def test_submit_status_collect_ls_through_a_url(tmp_path, url, capsys):
    path = write_programs(tmp_path / "p.json", [program(2), program(2, rabi=4.0)])
    args = ["submit", path, "--device", "fake_aquila", "--shots", "10", "--budget-usd", "5", "--ledger", url]
    assert cli(args + _opts(tmp_path)) == 0
    assert "2 submitted" in capsys.readouterr().out
    assert cli(args + _opts(tmp_path)) == 0  # the same request reattaches
    assert "0 submitted, 2 already submitted" in capsys.readouterr().out
    assert cli(["status", "--ledger", url]) == 0
    assert cli(["collect", "--ledger", url, "--timeout-s", "20", "--poll-interval-s", "0.02"]) == 0
    capsys.readouterr()
    assert cli(["ls", "--json", "--ledger", url]) == 0
    assert [e["state"] for e in json.loads(capsys.readouterr().out)] == ["COMPLETED", "COMPLETED"]
    with Ledger(url, readonly=True) as led:
        entries = records.select(led.conn)
        assert [e.state for e in entries] == ["COMPLETED", "COMPLETED"]
        assert all(sum(e.result["counts"].values()) == 10 for e in entries)
        with pytest.raises(LedgerError, match="read-only"):
            with led.write():
                pass
    with pytest.raises(BudgetExceeded):  # caps are stored in the server ledger
        with Ledger(url) as led:
            submit(
                led,
                SubmitRequest(
                    (program(2, rabi=6.0),) * 12,
                    "fake_aquila",
                    10,
                    campaign="default",
                    adapter_options={"dir": str(tmp_path / "provider")},
                ),
            )


@pytest.mark.parametrize("shared", ["campaign", "daily"])
def test_budget_cap_holds_under_concurrent_writers(tmp_path, url, shared):
    """12 threads, each with its own connection, submit a one-task batch at once under a cap that admits 5: the
    campaign's cap, or a daily cap over 12 campaigns. The caps are set beforehand, so no request writes the cap
    row (an upsert would lock it and hide a missing budget lock)."""
    from hybrid_rg.runtime import budget

    cap = 5 * PER_TASK_USD + 0.05
    outcomes, barrier = [], threading.Barrier(12)
    with Ledger(url) as led, led.write() as conn:
        for k in range(12):
            budget.set_cap(
                conn, "campaign", "race" if shared == "campaign" else f"race{k}", cap if shared == "campaign" else 100.0
            )
        if shared == "daily":
            budget.set_cap(conn, "daily", "*", cap)

    def one(k):
        with Ledger(url) as led:
            barrier.wait(120)  # a thread that failed before it: the others raise instead of waiting for ever
            try:
                submit(
                    led,
                    SubmitRequest(
                        (program(2, rabi=3.0 + 0.1 * k),),
                        "fake_aquila",
                        10,
                        seed=k,
                        campaign="race" if shared == "campaign" else f"race{k}",
                        adapter_options={"dir": str(tmp_path / "provider"), "delay_s": "0.01"},
                    ),
                )
                outcomes.append("ok")
            except BudgetExceeded:
                outcomes.append("refused")

    threads = [threading.Thread(target=one, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["ok"] * 5 + ["refused"] * 7
    with Ledger(url, readonly=True) as led:
        spent = led.conn.execute("SELECT SUM(cost_estimate_usd) FROM entries WHERE state != 'REJECTED'").fetchone()[0]
    assert spent <= cap


def test_local_simulator_results_live_in_the_ledger(tmp_path, url, capsys, monkeypatch):
    """A worker submits to the emulator in its own folder; another worker, without that folder, reads the counts."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    path = write_programs(a / "p.json", [program(2)])
    monkeypatch.chdir(a)
    assert (
        cli(
            [
                "submit",
                path,
                "--device",
                "emulator",
                "--shots",
                "50",
                "--ledger",
                url,
                "--adapter-opt",
                f"directory={a / 'emu'}",
            ]
        )
        == 0
    )
    shutil.rmtree(a)
    monkeypatch.chdir(b)
    capsys.readouterr()
    assert cli(["collect", "--ledger", url, "--timeout-s", "5", "--poll-interval-s", "0.1"]) == 0
    assert cli(["ls", "--ledger", url]) == 0
    assert "COMPLETED" in capsys.readouterr().out
    with Ledger(url, readonly=True) as led:
        (entry,) = records.select(led.conn)
    assert entry.state == "COMPLETED" and sum(entry.result["counts"].values()) == 50


def test_copy_from_sqlite_is_idempotent_and_verified(tmp_path, url, capsys):
    sqlite = str(tmp_path / "l.sqlite")
    for k in range(2):
        path = write_programs(tmp_path / f"p{k}.json", [program(2, rabi=3.0 + k), program(3)])
        assert (
            cli(
                [
                    "submit",
                    path,
                    "--device",
                    "fake_aquila",
                    "--shots",
                    "10",
                    "--budget-usd",
                    "5",
                    "--tag",
                    f"t{k}",
                    "--campaign",
                    f"c{k}",
                    "--ledger",
                    sqlite,
                ]
                + _opts(tmp_path)
            )
            == 0
        )
    assert cli(["collect", "--ledger", sqlite, "--timeout-s", "20", "--poll-interval-s", "0.02"]) == 0
    capsys.readouterr()
    assert cli(["ledger", "copy", sqlite, url]) == 0
    first = json.loads(capsys.readouterr().out.rsplit("\n}", 1)[0] + "\n}")
    assert first["verified"] and first["entries"] == {
        "source": 4,
        "target_matching": 4,
        "inserted": 4,
        "already_there": 0,
        "differ": 0,
    }
    assert first["tags"]["source"] == first["tags"]["target"] == 4 and first["budgets"]["added"] == 2
    assert first["ids_kept"] and first["digest"]["source"] == first["digest"]["target"]
    assert cli(["ledger", "copy", sqlite, url]) == 0  # idempotent: nothing twice
    second = json.loads(capsys.readouterr().out.rsplit("\n}", 1)[0] + "\n}")
    assert second["verified"] and second["entries"]["inserted"] == 0 and second["entries"]["already_there"] == 4
    assert second["digest"] == first["digest"]
    with Ledger(url) as led:
        assert led.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 4
        with Ledger(sqlite, readonly=True) as src:
            assert [(e.id, e.intent_key, e.result) for e in records.select(led.conn)] == [
                (e.id, e.intent_key, e.result) for e in records.select(src.conn)
            ]
        with led.write() as conn:  # the target changes one entry
            conn.execute("UPDATE entries SET failure_reason = 'edited' WHERE id = 1")
    assert cli(["ledger", "copy", sqlite, url]) == 1  # reported, never overwritten
    assert "NOT VERIFIED" in capsys.readouterr().out
    with Ledger(url) as led:  # new entries get fresh ids after copy
        out = submit(
            led,
            SubmitRequest(
                (program(2, rabi=6.5),),
                "fake_aquila",
                10,
                campaign="c0",
                adapter_options={"dir": str(tmp_path / "provider")},
            ),
        )
        assert out.entries[0].id == 5


def test_credentials_stay_out_of_urls_files_and_output(tmp_path, url, capsys, monkeypatch):
    secret = f"pw-{uuid.uuid4().hex}"
    with_password = URL.replace("hrgpg@", f"hrgpg:{secret}@")
    path = write_programs(tmp_path / "p.json", [program(2)])
    assert cli(["ls", "--ledger", with_password]) == 2  # refused before connecting
    out = capsys.readouterr()
    assert "password" in out.err and secret not in out.out + out.err
    # a libpq service file names the server; the password comes from the environment (never read by hybrid-rg)
    from sqlalchemy.engine import make_url

    parsed = make_url(URL)
    (tmp_path / "pg_service.conf").write_text(
        f"[hrgtest]\nhost={parsed.host}\nport={parsed.port}\ndbname={parsed.database}\nuser={parsed.username}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "pg_service.conf"))
    monkeypatch.setenv("PGPASSWORD", secret)
    service_url = f"postgresql+psycopg2://?service=hrgtest&schema={url.rsplit('schema=', 1)[1]}"
    assert (
        cli(
            ["submit", path, "--device", "fake_aquila", "--shots", "10", "--budget-usd", "5", "--ledger", service_url]
            + _opts(tmp_path)
        )
        == 0
    )
    assert cli(["collect", "--ledger", service_url, "--timeout-s", "20", "--poll-interval-s", "0.02"]) == 0
    assert cli(["ls", "--json", "--ledger", service_url]) == 0
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    assert [p for p in tmp_path.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()] == []
    with Ledger(url, readonly=True) as led:
        for table in ("entries", "events", "budgets", "meta", "entry_tags"):
            assert (
                led.conn.execute(f"SELECT COUNT(*) FROM {table} x WHERE x::text LIKE ?", (f"%{secret}%",)).fetchone()[0]
                == 0
            )


def test_foreign_or_newer_schemas_are_refused(url):
    with Ledger(url) as led, led.write() as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with pytest.raises(LedgerError, match="newer hybrid-rg"):
        Ledger(url)
    with pytest.raises(LedgerError, match="no ledger"):
        Ledger(url.replace("schema=t_", "schema=missing_"), readonly=True)
    with pytest.raises(LedgerError, match="only PostgreSQL"):
        Ledger("mysql://u@h/db")
