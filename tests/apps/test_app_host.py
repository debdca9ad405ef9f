"""The micro_speech app's own logic, natively on the host against a stub interpreter
(host_stub.c) whose invoke returns the wheel's scores: the feature window fed to the model
and the clip / Heard lines equal harness.inputs' replay, independent of kernels and emulator."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from appcommon import iterations

REPO = Path(__file__).resolve().parents[2]
FW = REPO / "firmware"
APP = FW / "apps" / "micro_speech"
FLAGS = ["-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror",
         "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]


@pytest.fixture(scope="module")
def stub(tmp_path_factory, prepared):
    if shutil.which("cc") is None:
        pytest.fail("cc not found: apt-get install build-essential", pytrace=False)
    d = tmp_path_factory.mktemp("ms_host")
    blob = prepared("micro_speech").blob
    # The blob as bt_input_data/bt_input_size, like common/blobs.S (which is ARM-only).
    (d / "blob.S").write_text(
        '.section .rodata\n.balign 16\n.global bt_input_data\nbt_input_data:\n'
        f'.incbin "{blob}"\n1:\n.balign 4\n.global bt_input_size\nbt_input_size:\n'
        '.long 1b - bt_input_data\n.section .note.GNU-stack,"",@progbits\n')
    srcs = [*sorted(APP.glob("*.c")), *sorted((FW / "frontend" / "src").glob("*.c")),
            Path(__file__).with_name("host_stub.c"), d / "blob.S"]
    incs = ["-I", str(FW / "apps" / "common"), "-I", str(FW / "runtime" / "include"),
            "-I", str(FW / "frontend" / "include"), "-I", str(FW / "frontend" / "src"),
            "-I", str(FW / "bsp" / "include")]
    exe = d / "ms_host"
    r = subprocess.run(["cc", *FLAGS, *incs, *map(str, srcs), "-o", str(exe)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return exe


def test_micro_speech_logic_matches_the_replay(stub, prepared, golden, tmp_path):
    gold = golden("micro_speech")
    n = iterations("micro_speech", prepared("micro_speech"))
    scores = tmp_path / "scores.bin"
    scores.write_bytes(b"".join(o[0] for o in gold.outputs))
    r = subprocess.run([str(stub), str(scores), str(n)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    fed = [bytes.fromhex(ln.split()[2]) for ln in r.stdout.splitlines() if ln.startswith("IN ")]
    lines = [ln for ln in r.stdout.splitlines() if not ln.startswith("IN ")]
    assert len(fed) == n
    bad = [i for i in range(n) if fed[i] != gold.inputs[i]]
    assert not bad, f"feature window differs from the wheel's at iterations {bad[:10]}"
    assert lines == gold.lines


def test_micro_speech_loops_the_stream(stub, prepared, models_dir, tmp_path):
    """Past the end of the blob the stream wraps: windows straddle the end and clips restart."""
    from harness import inputs
    prep = prepared("micro_speech")
    n = iterations("micro_speech", prep) + 80
    gold = inputs.golden("micro_speech", prep.blob, n, models_dir)
    scores = tmp_path / "scores.bin"
    scores.write_bytes(b"".join(o[0] for o in gold.outputs))
    r = subprocess.run([str(stub), str(scores), str(n)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    fed = [bytes.fromhex(ln.split()[2]) for ln in r.stdout.splitlines() if ln.startswith("IN ")]
    assert fed == gold.inputs
    lines = [ln for ln in r.stdout.splitlines() if not ln.startswith("IN ")]
    assert lines == gold.lines
    assert "clip 0 silence_1000ms @6000ms" in lines


# ------------------------------------------------------------------ whole apps on the host

APPS_ALL = ("micro_speech", "mnist", "mnist_lstm", "person_detection")


@pytest.fixture(scope="module")
def host_apps(tmp_path_factory, prepared, models_dir):
    """All four apps built for the host (hostapp/CMakeLists.txt: common loop + app + real
    runtime + front end, stub BSP, ASan/UBSan); returns {app: executable}."""
    from appcommon import model_path  # noqa: F811
    for tool, hint in (("cmake", "apt-get install cmake"), ("cc", "apt-get install build-essential")):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: {hint}", pytrace=False)
    bdir = tmp_path_factory.mktemp("hostapps")
    defs = [f"-DAPPS={';'.join(APPS_ALL)}"]
    for app in APPS_ALL:
        prep = prepared(app)
        defs += [f"-D{app}_MODEL={model_path(app, models_dir)}", f"-D{app}_INPUT={prep.blob}",
                 f"-D{app}_ITERATIONS={iterations(app, prep)}"]
    for cmd in (["cmake", "-S", str(Path(__file__).with_name("hostapp")), "-B", str(bdir), *defs],
                ["cmake", "--build", str(bdir), "-j2"]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    return {app: bdir / app for app in APPS_ALL}


@pytest.mark.parametrize("app", APPS_ALL)
def test_app_on_host_matches_the_wheel(app, host_apps, prepared, golden, models_dir):
    from harness import inputs
    from harness.parse import parse_lines
    RESPOND = inputs.RESPOND
    r = subprocess.run([str(host_apps[app])], capture_output=True, text=True, timeout=300)
    log = parse_lines(r.stdout.splitlines())
    assert r.returncode == 0 and log.exit_code == 0 and not log.errors, (r.stdout + r.stderr)[-3000:]
    gold = golden(app)
    lines = [ln for ln in r.stdout.splitlines() if RESPOND[app].match(ln)]
    assert lines == gold.lines
    got = [[bytes(o) for o in p["outputs"]] for p in log.preds]
    assert got == gold.outputs
    # The same verdict through the helper harness.run can use.
    rec = inputs.check_run(app, prepared(app).blob, log.preds, log.other, models_dir)
    assert rec["bit_exact"] and rec["respond_matching"], rec
    assert rec["preds_checked"] == rec["preds_matching"] == len(gold.outputs)
