"""bt_runtime compiled for Cortex-M4/M7 and executed in a bare unicorn CPU (no
board, no peripherals): checks the ARM code path bit-exact against TFLM and
reports the 32-bit arena figures. Independent of harness.emulate on purpose."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from harness import golden, hostrun

from .test_arena import MODELS

FW = Path(__file__).resolve().parents[2] / "firmware"
RT = FW / "runtime"
PROBE = FW / "host" / "armprobe"
CPUS = {"m4": ["-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16"], "m7": ["-mcpu=cortex-m7", "-mfpu=fpv5-d16"]}
# Upstream TFLM on Cortex-M4F (measured-facts.md): total arena bytes to beat.
TFLM_M4_TOTAL = {"hello_world/hello_world_int8.tflite": 788,
                 "micro_speech/micro_speech_quantized.tflite": 6900}


@pytest.fixture(scope="module", params=sorted(CPUS))
def probe_elf(request, tmp_path_factory):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.fail("arm-none-eabi-gcc not found: run `make toolchain` (apt-get install gcc-arm-none-eabi)")
    out = tmp_path_factory.mktemp("armprobe_" + request.param)
    ops = [ln for ln in (RT / "kernels" / "ops.def").read_text().splitlines()
           if ln.startswith("BT_OP(") and (RT / "kernels" / "ref" / (ln[6:ln.index(")")] + ".c")).exists()]
    (out / "bt_ops_present.def").write_text("\n".join(ops) + "\n")
    srcs = sorted((RT / "src").glob("*.c")) + sorted((RT / "kernels" / "ref").glob("*.c")) + \
        [RT / "kernels" / "registry.c", PROBE / "probe.c"]
    elf = out / "probe.elf"
    cmd = ["arm-none-eabi-gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-mthumb", *CPUS[request.param],
           "-mfloat-abi=hard", "-ffunction-sections", "-fdata-sections", f"-I{RT / 'include'}", f"-I{RT / 'src'}",
           f"-I{RT / 'kernels'}", f"-I{out}", *map(str, srcs), "--specs=nano.specs", "-nostartfiles",
           "-Wl,--gc-sections", "-T", str(PROBE / "probe.ld"), "-o", str(elf), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return request.param, elf


def _run(elf, model: bytes, inp: bytes, cpu: str):
    from elftools.elf.elffile import ELFFile
    from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, Uc
    from unicorn import arm_const as a
    with open(elf, "rb") as f:
        e = ELFFile(f)
        sym = {s.name: s["st_value"] for s in e.get_section_by_name(".symtab").iter_symbols()}
        segs = [(s["p_vaddr"], s.data()) for s in e.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_filesz"]]
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(a.UC_CPU_ARM_CORTEX_M4 if cpu == "m4" else a.UC_CPU_ARM_CORTEX_M7)
    uc.mem_map(0x08000000, 0x200000)
    uc.mem_map(0x20000000, 0x100000)
    uc.mem_map(0x60000000, 0x200000)   # model + input, 16-aligned like flash
    for addr, data in segs:
        uc.mem_write(addr, data)
    model_at, input_at, stop = 0x60000000, 0x60180000, 0x08100000
    uc.mem_write(model_at, model)
    uc.mem_write(input_at, inp)
    for reg, v in ((a.UC_ARM_REG_R0, model_at), (a.UC_ARM_REG_R1, len(model)), (a.UC_ARM_REG_R2, input_at),
                   (a.UC_ARM_REG_R3, len(inp)), (a.UC_ARM_REG_SP, 0x20100000), (a.UC_ARM_REG_LR, stop | 1)):
        uc.reg_write(reg, v)
    uc.emu_start(sym["probe_run"] | 1, stop, count=3_000_000_000)
    n = int.from_bytes(uc.mem_read(sym["probe_out_len"], 4), "little")
    return uc.reg_read(a.UC_ARM_REG_R0), bytes(uc.mem_read(sym["probe_out"], n)).decode()


@pytest.mark.parametrize("model", MODELS)
def test_arm_bit_exact_and_arena(model, models_dir, probe_elf, host_exe):
    cpu, elf = probe_elf
    path = models_dir / model
    spec = hostrun.describe(path)
    for seed in range(2):
        xs = hostrun.random_inputs(spec, seed=seed)
        blob = b"".join(np.asarray(x, dtype=d["dtype"]).tobytes() for x, d in zip(xs, spec["input"]))
        rc, out = _run(elf, path.read_bytes(), blob, cpu)
        assert rc == 0, out
        ref = golden.golden_outputs(path, xs)
        want = ",".join(np.asarray(r).tobytes().hex() for r in ref)
        got = re.search(r"^PRED i=0 out=(\S+)$", out, re.M).group(1)
        assert got == want, f"{cpu} {model} seed {seed}"
    alloc = golden.parse_allocations(out)
    print(f"{cpu} {model}: head {alloc['head']} tail {alloc['tail']} total {alloc['total']}")
    assert alloc["total"] == alloc["head"] + alloc["tail"]
    if model in TFLM_M4_TOTAL:
        assert alloc["total"] < TFLM_M4_TOTAL[model], "bigger than upstream TFLM on Cortex-M4F"
