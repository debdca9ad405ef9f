"""The runtime builds warning-free for Cortex-M4/M7 (ref and dsp kernels) and
never references the heap."""

import shutil
import subprocess
from pathlib import Path

import pytest

RT = Path(__file__).resolve().parents[2] / "firmware" / "runtime"
CPUS = {
    "m4": ["-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
    "m7": ["-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mfloat-abi=hard"],
}


def _sources(kernels):
    ref = {p.name: p for p in (RT / "kernels" / "ref").glob("*.c")}
    if kernels == "dsp":
        ref.update({p.name: p for p in (RT / "kernels" / "dsp").glob("*.c")})
    return sorted((RT / "src").glob("*.c")) + sorted(ref.values()) + [RT / "kernels" / "registry.c"]


def _present_def(tmp_path, kernels):
    # Same filtering as runtime/CMakeLists.txt: ops.def entries with a source.
    names = {p.stem for p in _sources(kernels)}
    lines = [ln for ln in (RT / "kernels" / "ops.def").read_text().splitlines() if ln.startswith("BT_OP(")]
    keep = [ln for ln in lines if ln[6:ln.index(")")] in names]
    (tmp_path / "bt_ops_present.def").write_text("\n".join(keep) + "\n")


@pytest.mark.parametrize("kernels", ["ref", "dsp"])
@pytest.mark.parametrize("cpu", sorted(CPUS))
def test_cortex_m_build(cpu, kernels, tmp_path):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.fail("arm-none-eabi-gcc not found: run `make toolchain` (apt-get install gcc-arm-none-eabi)")
    _present_def(tmp_path, kernels)
    objs = []
    for src in _sources(kernels):
        obj = tmp_path / (src.parent.name + "_" + src.stem + ".o")
        cmd = ["arm-none-eabi-gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-mthumb", *CPUS[cpu],
               "-ffunction-sections", "-fdata-sections", f"-I{RT / 'include'}", f"-I{RT / 'src'}",
               f"-I{RT / 'kernels'}", f"-I{tmp_path}", "-c", str(src), "-o", str(obj)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, f"{src.name}:\n{r.stderr}"
        objs.append(str(obj))
    nm = subprocess.run(["arm-none-eabi-nm", "-u", *objs], capture_output=True, text=True, check=True).stdout
    undefined = {ln.split()[-1] for ln in nm.splitlines() if ln.strip() and not ln.endswith(":")}
    assert not undefined & {"malloc", "calloc", "realloc", "free", "_sbrk", "printf", "sprintf"}, undefined
    size = subprocess.run(["arm-none-eabi-size", "-t", *objs], capture_output=True, text=True, check=True)
    print(f"{cpu}/{kernels}: {size.stdout.splitlines()[-1]}")
