"""Interrupted and concurrent matrices: the store stays consistent and a rerun resumes."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BT = [sys.executable, "-m", "harness.cli"]
ARGS = ["matrix", "--board", "f769", "--model", "hello_world", "--kernels", "ref", "--kernels", "dsp",
        "--jobs", "1"]


def _rows(db: Path, status="ok") -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as c:
        try:
            return c.execute("SELECT COUNT(*) FROM runs WHERE status = ?", (status,)).fetchone()[0]
        except sqlite3.OperationalError:  # table not created yet
            return 0


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as c:
        return c.execute("PRAGMA integrity_check").fetchone()[0]


def test_kill_9_mid_matrix_keeps_store_consistent_and_rerun_resumes(tmp_path, models_dir):
    db = tmp_path / "bt.db"
    env = dict(os.environ, BOARDTWIN_MODELS=str(models_dir))
    p = subprocess.Popen(BT + ARGS + ["--db", str(db), "--models", str(models_dir)],
                         env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while _rows(db) < 1 and p.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGKILL)  # the matrix and its workers, mid-run
    p.wait()
    done = _rows(db)
    assert done == 1, f"expected the kill to land after exactly one finished run, got {done}"
    assert _integrity(db) == "ok"
    rerun = subprocess.run(BT + ARGS + ["--db", str(db), "--models", str(models_dir)], env=env,
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "up to date: hello_world f769" in rerun.stderr  # the finished one is not re-run
    assert _rows(db) == 2 and _integrity(db) == "ok"


def test_two_concurrent_matrices_share_one_store(tmp_path, models_dir):
    db = tmp_path / "bt.db"
    env = dict(os.environ, BOARDTWIN_MODELS=str(models_dir))
    procs = [subprocess.Popen(BT + ARGS + ["--db", str(db), "--force", "--models", str(models_dir)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
    assert _rows(db) == 4 and _integrity(db) == "ok"
