"""report, reconcile, compare and export on real emulator runs (no mocks)."""

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

BT = [sys.executable, "-m", "harness.cli"]


def _bt(*args, **kw):
    return subprocess.run(BT + [str(a) for a in args], capture_output=True, text=True, timeout=900, **kw)


@pytest.fixture(scope="module")
def store(tmp_path_factory, models_dir):
    """hello_world on the emulated F769 with both kernel sets, and on the F413 with ref."""
    db = tmp_path_factory.mktemp("store") / "bt.db"
    for board, kernels in (("f769", "ref"), ("f769", "dsp"), ("f413", "ref")):
        p = _bt("run", "--board", board, "--model", "hello_world", "--kernels", kernels,
                "--db", db, "--models", models_dir)
        assert p.returncode == 0, p.stderr
    return db


def test_report_has_the_seeds_tables_filled_by_measurement(store, tmp_path):
    p = _bt("report", "--db", store, "--out", tmp_path)
    assert p.returncode == 0, p.stderr
    md = (tmp_path / "report.md").read_text()
    for title in ("## Memory Usage", "## Number of Operations", "## Runtime Measurements",
                  "## CMSIS-NN Optimizations (Invoke)", "## Cortex-M4 (F413) vs Cortex-M7 (F769)"):
        assert title in md
    runs = pd.read_sql("SELECT id, record FROM runs", sqlite3.connect(store))
    rec = json.loads(runs.record.iloc[0])
    # A figure in the report is the stored, measured one.
    assert f"| hello_world | f769 | ref | 2,704 | {rec['arena_head']} | {rec['arena_tail']} |" in md
    assert f"{rec['invoke_cycles_avg']:,}" in md
    assert "| hello_world | f769 |" in md and "CMSIS_NN=OFF" in md.split("## CMSIS-NN")[1]
    html = (tmp_path / "report.html").read_text()
    assert html.count("<table") >= 5
    for png in ("invoke_ms.png", "phases.png", "profile_hello_world.png", "boards.png"):
        assert (tmp_path / png).stat().st_size > 5000 and png in html


def test_html_report_renders_in_headless_chromium(store, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium missing: apt-get install chromium (make setup installs it)")
    assert _bt("report", "--db", store, "--out", tmp_path).returncode == 0
    shot = tmp_path / "shot.png"
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", "--dump-dom",
         (tmp_path / "report.html").as_uri()], capture_output=True, text=True, timeout=120)
    assert "Memory Usage" in dom.stdout and dom.stdout.count("<img") >= 4
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1280,2400",
         f"--screenshot={shot}", (tmp_path / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120)
    from PIL import Image
    img = Image.open(shot).convert("L")
    assert img.size == (1280, 2400)
    # Rendered content, not a blank page: plenty of non-white pixels (text, tables, charts).
    dark = sum(img.histogram()[:128])  # pixels of grey levels below 128
    assert dark > 20000, dark


def test_reconcile_against_a_measurement_csv(store, tmp_path):
    runs = [json.loads(r) for (r,) in sqlite3.connect(store).execute("SELECT record FROM runs")]
    ref = next(r for r in runs if r["board"] == "f769" and r["kernels"] == "ref")
    csv = tmp_path / "hw.csv"
    # A "hardware" figure 10 % above the emulated Invoke time.
    csv.write_text("table,quantity,example,board,kernels,value,unit,qualifier,note\n"
                   f"runtime,invoke,hello_world,F7,cmsis_nn_off,{ref['invoke_ms_avg'] * 1.1},ms,,\n")
    p = _bt("reconcile", "--db", store, "--measured", csv, "--csv", tmp_path / "pairs.csv")
    assert p.returncode == 0, p.stderr
    pairs = pd.read_csv(tmp_path / "pairs.csv")
    assert len(pairs) == 1 and pairs.error_pct.iloc[0] == pytest.approx(-100 / 11, rel=1e-3)
    # Default data set: the seed's figures (hello_world on F7: ~1 ms ref, ~0 ms CMSIS-NN).
    p = _bt("reconcile", "--db", store)
    assert p.returncode == 0 and "hello_world" in p.stdout


def test_compare_gates_regressions(store, tmp_path):
    same = _bt("compare", store, store)
    assert same.returncode == 0, same.stderr
    worse = tmp_path / "worse.db"
    shutil.copy(store, worse)
    with sqlite3.connect(worse) as c:
        for rid, rec in c.execute("SELECT id, record FROM runs").fetchall():
            r = json.loads(rec)
            r["invoke_cycles_avg"] = int(r["invoke_cycles_avg"] * 1.2)
            c.execute("UPDATE runs SET record = ? WHERE id = ?", (json.dumps(r), rid))
    p = _bt("compare", store, worse, "--threshold", "5")
    assert p.returncode == 1 and "regression" in p.stderr and "invoke_cycles_avg +20" in p.stderr
    assert _bt("compare", store, worse, "--threshold", "25").returncode == 0


def test_export_csv_and_parquet(store, tmp_path):
    p = _bt("export", "--db", store, "--csv", tmp_path / "r.csv", "--parquet", tmp_path / "r.parquet")
    assert p.returncode == 0, p.stderr
    a, b = pd.read_csv(tmp_path / "r.csv"), pd.read_parquet(tmp_path / "r.parquet")
    assert len(a) == len(b) == 3
    assert set(a.board) == {"f413", "f769"} and "invoke_cycles_avg" in b.columns
