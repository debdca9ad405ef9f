"""dsp_simd.h: the portable C helpers == the real Armv7E-M instructions, and
the dsp FULLY_CONNECTED loop with the real instructions == the ref loop.

One driver (below) is compiled twice: natively (no __ARM_FEATURE_DSP, so the
portable C bodies) and for Cortex-M4 (-mcpu=cortex-m4: the inline-asm
bodies, checked in the disassembly). Both apply every helper (SXTB16 with and
without ROR 8, SXTAB16, SMLAD, SMLADX, SMLABB/SMLATT/SMLATB, PKHBT/PKHTB,
SSUB8+SEL max/min, SADD16, QADD8, SSAT16, SMULBB/SMULTT, dup8/dup16) to the same pseudo-random words
with the edge values mixed in (0x80.., 0x7f.., 0xff.., 0); the Arm build runs
on an emulated Cortex-M4 and Cortex-M7 (unicorn) and its result array must be
byte-identical to the host's. The driver also runs the dsp FC inner loop
(kernels/dsp/fully_connected.c) against bt_fc_ref_eval on random shapes,
offsets and per-channel multipliers with the real instructions; the host
data flow is covered by test_dsp_kernels.py.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from harness import hostrun

RUNTIME = hostrun.FIRMWARE / "runtime"
N_WORDS = 3000
N_FUNCS = 22

DRIVER = r'''#include <stdint.h>
#include <stddef.h>
#include <string.h>
#ifdef BT_BARE
void *memcpy(void *d, const void *s, size_t n) { uint8_t *a = d; const uint8_t *b = s; while (n--) *a++ = *b++; return d; }
void *memset(void *d, int v, size_t n) { uint8_t *a = d; while (n--) *a++ = (uint8_t)v; return d; }
#endif
#include "quant.c"
#include "ref/fully_connected_common.c"
#define prepare fc_prepare
#define eval fc_eval
#include "dsp/fully_connected.c"
#undef prepare
#undef eval
/* never called: the ctx API the prepare/eval wrappers reference */
bt_tensor *bt_input(bt_ctx *c, int i) { (void)c; (void)i; return 0; }
bt_tensor *bt_output(bt_ctx *c, int i) { (void)c; (void)i; return 0; }
uint8_t bt_opt_u8(const bt_ctx *c, int f, uint8_t d) { (void)c; (void)f; return d; }
bt_status bt_fail(bt_ctx *c, bt_status s, const char *m) { (void)c; (void)m; return s; }
void *bt_op_data_alloc(bt_ctx *c, size_t n) { (void)c; (void)n; return 0; }
void *bt_alloc_persistent(bt_ctx *c, size_t n) { (void)c; (void)n; return 0; }
void *bt_op_data(const bt_ctx *c) { (void)c; return 0; }
int32_t bt_tensor_dim(const bt_tensor *t, int i) { (void)t; (void)i; return 0; }
int32_t bt_tensor_num_elems(const bt_tensor *t) { (void)t; return 0; }
int32_t bt_tensor_outer_size(const bt_tensor *t) { (void)t; return 0; }
float bt_tensor_scale(const bt_tensor *t, int i) { (void)t; (void)i; return 1.0f; }
int32_t bt_tensor_zero_point(const bt_tensor *t, int i) { (void)t; (void)i; return 0; }
int64_t bt_tensor_zero_point64(const bt_tensor *t, int i) { (void)t; (void)i; return 0; }

static uint32_t st = 1;
static uint32_t rnd(void) { st ^= st << 13; st ^= st >> 17; st ^= st << 5; return st; }
static int32_t rr(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }
static const uint32_t edge[8] = {0x80808080u, 0x7f7f7f7fu, 0xffffffffu, 0u,
                                 0x80007fffu, 0x7fff8000u, 0x007fff80u, 0x0080ff7fu};
static uint32_t word(void) { uint32_t r = rnd(); return (r & 7) == 0 ? edge[(r >> 3) & 7] : rnd(); }

#define NW __NW__
volatile uint32_t out[NW * __NF__];
volatile uint32_t result[3];   /* FC cases, FC mismatches, done marker */

#define MAXK 300
#define MAXO 24
static int8_t xb[3 * MAXK], wb[MAXO * MAXK], y_ref[3 * MAXO], y_dsp[3 * MAXO];
static int32_t bias_b[MAXO], cm[MAXO], cs[MAXO];

void run(uint32_t seed, int32_t n_fc) {
  st = seed ? seed : 1;
  uint32_t k = 0;
  for (int i = 0; i < NW; i++) {
    uint32_t a = word(), b = word(), c = word();
    out[k++] = bt_sxtb16(a);
    out[k++] = bt_sxtb16_ror8(a);
    out[k++] = bt_sxtab16(b, a);
    out[k++] = bt_sxtab16_ror8(b, a);
    out[k++] = (uint32_t)bt_smlad(a, b, (int32_t)c);
    out[k++] = (uint32_t)bt_smlabb(a, b, (int32_t)c);
    out[k++] = (uint32_t)bt_smlatt(a, b, (int32_t)c);
    out[k++] = (uint32_t)bt_smlatb(a, b, (int32_t)c);
    out[k++] = bt_pack_lo(a, b);
    out[k++] = bt_pack_hi(a, b);
    out[k++] = bt_max8(a, b);
    out[k++] = bt_min8(a, b);
    out[k++] = bt_max8(a, a);
    out[k++] = bt_sadd16(a, b);
    out[k++] = (uint32_t)bt_smulbb(a, b);
    out[k++] = (uint32_t)bt_smultt(a, b);
    out[k++] = bt_dup16((int16_t)(c & 0xFFFF));
    out[k++] = bt_dup8((int8_t)(c & 0xFF));
    out[k++] = (uint32_t)bt_half_lo(a) ^ ((uint32_t)bt_half_hi(b) << 1);
    out[k++] = (uint32_t)bt_smladx(a, b, (int32_t)c);
    out[k++] = bt_qadd8(a, b);
    out[k++] = bt_ssat16_8(a);
  }
  uint32_t bad = 0;
  for (int32_t t = 0; t < n_fc; t++) {
    bt_fc_data d;
    memset(&d, 0, sizeof d);
    d.batches = rr(1, 3); d.accum_depth = rr(1, MAXK); d.out_depth = rr(1, MAXO);
    d.in_offset = rr(-127, 128);
    int per_ch = rnd() & 1;
    d.filter_offset = per_ch || (rnd() & 1) ? 0 : rr(-127, 128);
    d.out_offset = rr(-128, 127);
    d.act_min = rr(-128, 0); d.act_max = rr(0, 127);
    for (int32_t o = 0; o < d.out_depth; o++) {
      int s;
      bt_quantize_multiplier((double)rr(1, 1000000) * 1e-9 * (double)(1 << rr(0, 12)), &cm[o], &s);
      cs[o] = s;
      bias_b[o] = rr(-40000, 40000);
    }
    if (per_ch) { d.ch_mult = cm; d.ch_shift = cs; }
    else { d.mult = cm[0]; d.shift = cs[0]; }
    for (int32_t i = 0; i < d.batches * d.accum_depth; i++) xb[i] = (int8_t)rr(-128, 127);
    for (int32_t i = 0; i < d.out_depth * d.accum_depth; i++) wb[i] = (int8_t)rr(-128, 127);
    const int32_t *bias = (rnd() & 3) ? bias_b : 0;
    /* odd start addresses: the word loads must not care about alignment */
    const int8_t *x = xb, *w = wb;
    for (int32_t i = 0; i < d.batches * d.out_depth; i++) { y_ref[i] = 0x55; y_dsp[i] = (int8_t)0xAA; }
    bt_fc_ref_eval(&d, x, w, bias, y_ref);
    eval_int8(&d, x, w, bias, y_dsp);
    for (int32_t i = 0; i < d.batches * d.out_depth; i++) if (y_ref[i] != y_dsp[i]) { bad++; break; }
  }
  result[0] = (uint32_t)n_fc; result[1] = bad; result[2] = 0x600DF00Du;
}

void done(void) { for (;;) { } }

#ifndef BT_BARE
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  run((uint32_t)strtoul(argv[1], 0, 0), (int32_t)strtol(argv[2], 0, 0));
  fwrite((const void *)out, 4, NW * __NF__, stdout);
  fwrite((const void *)result, 4, 3, stdout);
  return 0;
}
#endif
'''.replace("__NW__", str(N_WORDS)).replace("__NF__", str(N_FUNCS))

LINKER = """MEMORY { RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4M }
SECTIONS {
  .text : { *(.text*) *(.rodata*) } > RAM
  .data : { *(.data*) } > RAM
  .bss : { *(.bss*) *(COMMON) } > RAM
}
"""

INCLUDES = [f"-I{RUNTIME / 'include'}", f"-I{RUNTIME / 'kernels'}", f"-I{RUNTIME / 'src'}"]
WARN = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2"]


@pytest.fixture(scope="module")
def driver_src(tmp_path_factory):
    d = tmp_path_factory.mktemp("dsp_simd")
    (d / "driver.c").write_text(DRIVER)
    (d / "link.ld").write_text(LINKER)
    return d


@pytest.fixture(scope="module")
def host_driver(driver_src):
    cc = shutil.which("cc")
    if cc is None:
        pytest.fail("cc not found: apt-get install build-essential")
    exe = driver_src / "driver_host"
    r = subprocess.run([cc, *WARN, *INCLUDES, "-o", str(exe), str(driver_src / "driver.c")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return exe


@pytest.fixture(scope="module")
def arm_driver(driver_src):
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.fail("arm-none-eabi-gcc not found: apt-get install gcc-arm-none-eabi (or `make toolchain`)")
    elf = driver_src / "driver.elf"
    cmd = [gcc, *WARN, "-DBT_BARE", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft", "-ffreestanding",
           "-fno-tree-loop-distribute-patterns", "-ffunction-sections", "-fdata-sections", *INCLUDES,
           "-nostdlib", "-T", str(driver_src / "link.ld"), "-Wl,--gc-sections", "-Wl,-e,run",
           "-Wl,-u,done", "-o", str(elf), str(driver_src / "driver.c"), "-lgcc"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    dis = subprocess.run([gcc.replace("gcc", "objdump"), "-d", str(elf)], capture_output=True, text=True).stdout
    for insn in ("sxtb16", "sxtab16", "smlad", "smlabb", "smlatt", "smlatb", "pkhbt", "pkhtb",
                 "ssub8", "sel", "sadd16", "smulbb", "smultt", "smladx", "qadd8", "ssat16"):
        assert f"\t{insn}" in dis, f"{insn} not emitted: is the __ARM_FEATURE_DSP path compiled?"
    return elf


def _run_arm(elf, cpu: str, seed: int, n_fc: int):
    from elftools.elf.elffile import ELFFile
    from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, Uc
    from unicorn import arm_const as arm
    with open(elf, "rb") as f:
        e = ELFFile(f)
        syms = {s.name: s["st_value"] for s in e.get_section_by_name(".symtab").iter_symbols()}
        uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)    # THUMB|MCLASS would silently be an M33
        uc.ctl_set_cpu_model(getattr(arm, f"UC_CPU_ARM_CORTEX_{cpu}"))
        uc.mem_map(0x20000000, 8 << 20)
        for seg in e.iter_segments():
            if seg["p_type"] == "PT_LOAD":
                uc.mem_write(seg["p_paddr"], seg.data())
    uc.reg_write(arm.UC_ARM_REG_SP, 0x20000000 + (8 << 20) - 64)
    uc.reg_write(arm.UC_ARM_REG_R0, seed)
    uc.reg_write(arm.UC_ARM_REG_R1, n_fc)
    uc.reg_write(arm.UC_ARM_REG_LR, syms["done"] | 1)
    uc.emu_start(syms["run"] | 1, syms["done"] & ~1)
    out = bytes(uc.mem_read(syms["out"], 4 * N_WORDS * N_FUNCS))
    res = np.frombuffer(bytes(uc.mem_read(syms["result"], 12)), "<u4")
    return out, res


def _run_host(exe, seed: int, n_fc: int):
    r = subprocess.run([str(exe), str(seed), str(n_fc)], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout[:-12], np.frombuffer(r.stdout[-12:], "<u4")


NAMES = ["sxtb16", "sxtb16_ror8", "sxtab16", "sxtab16_ror8", "smlad", "smlabb", "smlatt", "smlatb",
         "pack_lo", "pack_hi", "max8", "min8", "max8_same", "sadd16", "smulbb", "smultt", "dup16",
         "dup8", "halves", "smladx", "qadd8", "ssat16_8"]


@pytest.mark.parametrize("cpu,seed", [("M4", 1), ("M4", 77), ("M7", 5)])
def test_portable_c_equals_instructions(host_driver, arm_driver, cpu, seed):
    assert len(NAMES) == N_FUNCS
    arm_out, arm_res = _run_arm(arm_driver, cpu, seed, 0)
    host_out, host_res = _run_host(host_driver, seed, 0)
    a = np.frombuffer(arm_out, "<u4").reshape(N_WORDS, N_FUNCS)
    h = np.frombuffer(host_out, "<u4").reshape(N_WORDS, N_FUNCS)
    assert arm_res[2] == 0x600DF00D and host_res[2] == 0x600DF00D
    bad = {NAMES[j]: int(np.sum(a[:, j] != h[:, j])) for j in range(N_FUNCS) if np.any(a[:, j] != h[:, j])}
    assert not bad, f"portable C differs from the {cpu} instructions (mismatching words per helper): {bad}"


def test_comparison_can_fail(host_driver):
    """Different seeds give different words: the comparison above is not vacuous."""
    a, _ = _run_host(host_driver, 1, 0)
    b, _ = _run_host(host_driver, 2, 0)
    assert a != b


@pytest.mark.parametrize("cpu,seed", [("M4", 3), ("M7", 4)])
def test_fc_loop_with_instructions_matches_ref(arm_driver, host_driver, cpu, seed):
    _, res = _run_arm(arm_driver, cpu, seed, 150)
    assert res[2] == 0x600DF00D and res[0] == 150
    assert res[1] == 0, f"{res[1]}/150 random FULLY_CONNECTED cases differ between dsp and ref on {cpu}"
    _, hres = _run_host(host_driver, seed, 150)
    assert hres[1] == 0, f"{hres[1]}/150 cases differ with the portable C helpers"


def test_every_dsp_source_builds_for_cortex_m4_and_m7(tmp_path):
    """The dsp kernels of this work compile warning-free for both cores (hard float ABI as the boards)."""
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.fail("arm-none-eabi-gcc not found")
    srcs = ["fully_connected", "softmax", "pool_avg", "pool_max", "add", "mul"]
    for cpu, fpu in (("cortex-m4", "fpv4-sp-d16"), ("cortex-m7", "fpv5-d16")):
        for s in srcs:
            r = subprocess.run([gcc, *WARN, f"-mcpu={cpu}", "-mthumb", f"-mfpu={fpu}", "-mfloat-abi=hard",
                                *INCLUDES, "-c", str(RUNTIME / "kernels" / "dsp" / f"{s}.c"),
                                "-o", str(tmp_path / f"{s}_{cpu}.o")], capture_output=True, text=True)
            assert r.returncode == 0, f"{s}.c for {cpu}:\n{r.stderr}"
        dis = subprocess.run([gcc.replace("gcc", "objdump"), "-d", *map(str, tmp_path.glob(f"*_{cpu}.o"))],
                             capture_output=True, text=True).stdout
        for insn in ("smlad", "sxtab16", "ssub8", "sel", "smulbb"):
            assert f"\t{insn}" in dis, f"{insn} missing from the {cpu} dsp kernels"
