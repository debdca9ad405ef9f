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


def _fc_model(path, **kw):
    """A valid int8 FULLY_CONNECTED model, sized by its weights or its activations."""
    import numpy as np
    from tests.runtime import opmodels as om
    path.write_bytes(om.fully_connected(np.random.default_rng(0), **kw))
    return path


def test_model_larger_than_the_flash_is_refused_before_building(tmp_path):
    big = _fc_model(tmp_path / "big.tflite", accum=4000, units=400)     # 1.6 MB of weights
    p = _bt("run", "--board", "f413", "--model", str(big), "--db", str(tmp_path / "r.db"))
    _one_error_line(p, "big.tflite", "does not fit the f413's 1,572,864 B flash", "over by 29,376 B")
    assert p.returncode == 2


def test_image_larger_than_the_flash_says_by_how_much(tmp_path):
    big = _fc_model(tmp_path / "almost.tflite", accum=4000, units=390)  # fits alone, not with the firmware
    p = _bt("run", "--board", "f413", "--model", str(big), "--db", str(tmp_path / "r.db"))
    _one_error_line(p, "almost.tflite", "on f413 does not fit: flash short by")


def test_arena_larger_than_the_ram_says_by_how_much(tmp_path):
    wide = _fc_model(tmp_path / "wide.tflite", batches=100, accum=4000, units=8)  # ~400 kB input
    p = _bt("run", "--board", "f413", "--model", str(wide), "--db", str(tmp_path / "r.db"))
    _one_error_line(p, "wide.tflite", "401,408 B arena on f413 does not fit: RAM short by")


def test_arena_larger_than_the_default_is_sized_to_the_model(tmp_path):
    """The firmware reports the bytes it needs; the harness rebuilds with that arena once."""
    import json
    mid = _fc_model(tmp_path / "mid.tflite", batches=66, accum=4000, units=8)   # ~264 kB input
    p = _bt("run", "--board", "f413", "--model", str(mid), "--iterations", "2", "--json",
            "--db", str(tmp_path / "r.db"))
    assert p.returncode == 0, p.stderr
    rec = json.loads(p.stdout)
    assert rec["arena_total"] > 245_760 and rec["image_ram"] <= 320 * 1024


def test_damaged_models_are_refused_before_building(tmp_path, models_dir):
    """Truncated or bit-flipped: `run` and `run --check` name the file and the damage in
    one line (checked with the flatbuffer reader before anything is built)."""
    good = (models_dir / "hello_world" / "hello_world_int8.tflite").read_bytes()
    cut = tmp_path / "cut.tflite"
    cut.write_bytes(good[:1500])
    flip = bytearray(good)
    flip[200] ^= 0xFF
    flip[201] ^= 0x7F
    flipped = tmp_path / "flipped.tflite"
    flipped.write_bytes(bytes(flip))
    for model in (cut, flipped):
        for extra in ((), ("--check",)):
            p = _bt("run", "--board", "f413", "--model", str(model), *extra, "--db", str(tmp_path / "r.db"))
            _one_error_line(p, str(model), "damaged TFLite flatbuffer")
            assert p.returncode == 2
