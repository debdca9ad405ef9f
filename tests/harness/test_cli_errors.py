"""Bad input and a broken environment end in one clear line and a non-zero exit."""

import os
import shutil
import subprocess
import sys

BT = [sys.executable, "-m", "harness.cli"]


def _bt(*args, env=None, cwd=None):
    return subprocess.run(BT + list(args), capture_output=True, text=True, timeout=300,
                          env=env or os.environ.copy(), cwd=cwd)


def _one_error_line(p, *must_contain):
    lines = [l for l in p.stderr.strip().splitlines() if l.strip()]
    assert p.returncode != 0
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("boardtwin: error: ")
    for s in must_contain:
        assert s in lines[0], lines[0]


def test_missing_toolchain_names_the_install_command(tmp_path):
    # A PATH with cmake but without arm-none-eabi-gcc.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "cmake").symlink_to(shutil.which("cmake"))
    env = dict(os.environ, PATH=str(bindir))
    p = _bt("run", "--board", "f769", "--db", str(tmp_path / "r.db"), env=env)
    _one_error_line(p, "arm-none-eabi-gcc not found", "apt-get install gcc-arm-none-eabi")
    assert p.returncode == 3


def test_missing_model_directory(tmp_path):
    p = _bt("run", "--board", "f769", "--models", str(tmp_path / "nope"), "--db", str(tmp_path / "r.db"))
    _one_error_line(p, str(tmp_path / "nope"), "model directory does not exist")


def test_unwritable_results_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):  # root ignores permissions: use a path under a file instead
            blocker = tmp_path / "file"
            blocker.write_text("")
            db = blocker / "results" / "bt.db"
        else:
            db = ro / "results" / "bt.db"
        p = _bt("run", "--board", "f769", "--db", str(db))
        _one_error_line(p, str(db), "cannot open the results store")
    finally:
        ro.chmod(0o700)


def test_unknown_board_and_model_are_named(tmp_path):
    p = _bt("run", "--board", "f413", "--model", "no_such_model", "--db", str(tmp_path / "r.db"))
    _one_error_line(p, "no_such_model", "neither a known example")


def test_truncated_model_is_named_by_analyse(tmp_path, models_dir):
    bad = tmp_path / "cut.tflite"
    bad.write_bytes((models_dir / "hello_world" / "hello_world_int8.tflite").read_bytes()[:700])
    p = _bt("analyse", str(bad))
    _one_error_line(p, str(bad))


def test_report_without_results(tmp_path):
    p = _bt("report", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "rep"))
    _one_error_line(p, "no results store yet")
