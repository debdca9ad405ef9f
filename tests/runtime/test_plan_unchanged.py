"""The arena plan is unchanged by the one-pass-lifetimes planner (arena.c): for every
model in BOARDTWIN_MODELS, head/tail/needed, every tensor's and scratch buffer's
offset, the `needed` reported for too-small arenas and bt_host_run's arena lines
equal the figures recorded with the previous planner (plan_golden.json)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import hostrun

HERE = Path(__file__).resolve().parent
GOLDEN = json.loads((HERE / "plan_golden.json").read_text())["models"]
RUNTIME = HERE.parents[1] / "firmware"


def _host_lines(stdout: str) -> list[str]:
    return [l for l in stdout.splitlines()
            if "RecordingMicroAllocator" in l or l.startswith(("arena_needed", "ERROR"))]


def _dump_exe(sanitize: bool, out_dir: Path) -> Path:
    """tests/runtime/plan_dump.c linked with the host build's libbt_runtime.a."""
    cc = shutil.which("cc")
    if cc is None:
        pytest.fail("cc not found: apt-get install build-essential")
    hostrun.build_host(sanitize=sanitize)
    bdir = hostrun.build_dir(sanitize)
    exe = out_dir / ("plan_dump" + ("-asan" if sanitize else ""))
    san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"] if sanitize else []
    cmd = [cc, "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", *san,
           "-I", str(RUNTIME / "runtime" / "include"), "-I", str(RUNTIME / "host"), str(HERE / "plan_dump.c"),
           str(RUNTIME / "host" / "platform_host.c"), str(bdir / "runtime" / "libbt_runtime.a"),
           "-lm", "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return exe


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "asan"])
def plan_dump(request, tmp_path_factory):
    return _dump_exe(request.param, tmp_path_factory.mktemp("plan_dump"))


def test_golden_covers_every_model(models_dir):
    found = sorted(str(p.relative_to(models_dir)) for p in Path(models_dir).rglob("*.tflite"))
    assert found == sorted(GOLDEN)


@pytest.mark.parametrize("model", sorted(GOLDEN))
def test_plan_offsets_unchanged(model, models_dir, plan_dump):
    r = subprocess.run([str(plan_dump), str(models_dir / model)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == GOLDEN[model]["plan_dump"]


@pytest.mark.parametrize("model", sorted(GOLDEN))
def test_host_arena_lines_unchanged(model, models_dir, host_exe):
    r = hostrun.run_raw(models_dir / model, ["--arena-needed", "--print-allocations"])
    assert _host_lines(r.stdout) == GOLDEN[model]["host_run"]
