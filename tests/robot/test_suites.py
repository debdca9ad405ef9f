"""The Robot Framework suites, run by pabot as CI runs them: on the emulated target for
both boards, and with TARGET:serial against the pty-served emulator (the physical-board
path, without a board). output.xml and xunit files land in build/robot/<name>/."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PABOT = Path(sys.executable).with_name("pabot")


def _pabot(name: str, tmp_path: Path, models_dir: Path, *variables: str) -> subprocess.CompletedProcess:
    if not PABOT.exists():
        pytest.fail(f"{PABOT} missing: pip install robotframework-pabot (make setup does)")
    out = REPO / "build" / "robot" / name
    args = [str(PABOT), "--processes", "2", "--outputdir", str(out), "--xunit", "xunit.xml",
            "--variable", f"DB:{tmp_path / 'robot.db'}"]
    for v in variables:
        args += ["--variable", v]
    # pabot starts `robot` by name: the venv's own must come first on PATH.
    env = dict(os.environ, BOARDTWIN_MODELS=str(models_dir),
               PATH=f"{PABOT.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(args + [str(REPO / "robot")], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=1200)


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_suites_pass_on_the_emulated_board(board, tmp_path, models_dir):
    p = _pabot(f"emulated-{board}", tmp_path, models_dir, "TARGET:emulated", f"BOARD:{board}")
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert (REPO / "build" / "robot" / f"emulated-{board}" / "xunit.xml").is_file()


def test_same_suites_pass_over_serial_against_the_pty_served_emulator(tmp_path, models_dir):
    p = _pabot("serial-f769", tmp_path, models_dir, "TARGET:serial", "FLASHER:emulator", "BOARD:f769")
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
