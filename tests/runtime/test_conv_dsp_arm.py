"""The dsp CONV_2D / DEPTHWISE_CONV_2D loops with the REAL Armv7E-M DSP
instructions (SMLAD, SMLABB/SMLATT/SMLATB, SXTB16, SXTAB16) on an emulated
Cortex-M4 and Cortex-M7 (unicorn), compared with the ref loops byte for byte.

A small bare-metal driver (below) is cross-compiled together with
kernels/ref/conv_common.c, kernels/dsp/*.c and src/quant.c; it draws random
geometries (1x1 / im2col / "wide" conv, depthwise multipliers 1, 2, 3, 4, 8,
input depth 1 with multiplier > 1 (conv_wide.c's assembly loop), padding,
strides, dilation, offsets, per-channel multipliers, bias or none) and counts
outputs where the dsp path differs from the ref path. The ref path itself is
checked against TFLM by test_conv_ops.py, the dsp data flow on the host by
test_conv_dsp.py. The dsp requantization (kernels/dsp/dsp_requant.h) is also
compared with bt_mbqm on 200k random operands.

Finally whole board images (model_runner on the emulated F413 / F769) run
person_detect and micro_speech with intermediate tensors exposed, compared
with the wheel byte for byte.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from harness import hostrun

# the requantization shortcut of kernels/dsp/dsp_requant.h is also checked
# directly against bt_mbqm (check_requant in the driver)

RUNTIME = hostrun.FIRMWARE / "runtime"

DRIVER = r'''/* Bare-metal check: dsp kernels (real DSP instructions) vs ref loops. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
void *memcpy(void *d, const void *s, size_t n) { uint8_t *a = d; const uint8_t *b = s; while (n--) *a++ = *b++; return d; }
void *memset(void *d, int v, size_t n) { uint8_t *a = d; while (n--) *a++ = (uint8_t)v; return d; }
#include "quant.c"
#include "ref/conv_common.c"
#include "dsp/conv_wide.c"
#define prepare conv_prepare
#define eval conv_eval
#include "dsp/conv_2d.c"
#undef prepare
#undef eval
#define prepare dw_prepare
#define eval dw_eval
#include "dsp/depthwise_conv_2d.c"
#undef prepare
#undef eval
/* never called: the ctx API the (dead) prepare/eval wrappers reference */
bt_tensor *bt_input(bt_ctx *c, int i) { (void)c; (void)i; return 0; }
bt_tensor *bt_output(bt_ctx *c, int i) { (void)c; (void)i; return 0; }
uint8_t bt_opt_u8(const bt_ctx *c, int f, uint8_t d) { (void)c; (void)f; return d; }
int32_t bt_opt_i32(const bt_ctx *c, int f, int32_t d) { (void)c; (void)f; return d; }
bt_status bt_fail(bt_ctx *c, bt_status s, const char *m) { (void)c; (void)m; return s; }
void *bt_op_data_alloc(bt_ctx *c, size_t n) { (void)c; (void)n; return 0; }
void *bt_alloc_persistent(bt_ctx *c, size_t n) { (void)c; (void)n; return 0; }
void *bt_op_data(const bt_ctx *c) { (void)c; return 0; }
bt_status bt_request_scratch(bt_ctx *c, size_t n, int *i) { (void)c; (void)n; *i = 0; return BT_OK; }
void *bt_scratch(const bt_ctx *c, int i) { (void)c; (void)i; return 0; }
int32_t bt_tensor_dim(const bt_tensor *t, int i) { (void)t; (void)i; return 0; }
int32_t bt_tensor_num_elems(const bt_tensor *t) { (void)t; return 0; }
float bt_tensor_scale(const bt_tensor *t, int i) { (void)t; (void)i; return 1.0f; }
int32_t bt_tensor_zero_point(const bt_tensor *t, int i) { (void)t; (void)i; return 0; }

static uint32_t st = 12345;
static uint32_t rnd(void) { st ^= st << 13; st ^= st >> 17; st ^= st << 5; return st; }
static int32_t rr(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }

#define MAXB 8192
static int8_t in_b[MAXB], f_b[MAXB], o_ref[MAXB], o_dsp[MAXB];
static int32_t bias_b[256], mult_b[256];
static int8_t shift_b[256];
static int16_t col_b[MAXB];
static uint32_t wide_b[MAXB];  /* conv_wide.h scratch (checked against bt_cw_scratch_bytes) */
volatile uint32_t result[5];   /* tests run, mismatches, conv cases, dw cases, wide cases */

void run(uint32_t seed, int32_t n) {
  st = seed ? seed : 1;
  uint32_t bad = 0, nconv = 0, ndw = 0, nwide = 0;
  for (int32_t t = 0; t < n; t++) {
    bt_conv_data d;
    memset(&d, 0, sizeof d);
    int dw = rnd() & 1;
    d.batches = rr(1, 2); d.in_h = rr(1, 9); d.in_w = rr(1, 9);
    d.k_h = rr(1, 4); d.k_w = rr(1, 4);
    if (!dw && (rnd() & 3) == 0) d.k_h = d.k_w = 1;
    d.stride_h = rr(1, 2); d.stride_w = rr(1, 2);
    d.dil_h = (rnd() & 3) ? 1 : rr(1, 3); d.dil_w = (rnd() & 3) ? 1 : rr(1, 3);
    int padding = rnd() & 1;
    if (dw) {
      static const int32_t dms[6] = {1, 1, 4, 8, 2, 3};
      d.depth_mult = dms[rnd() % 6];
      d.in_c = d.depth_mult == 1 ? rr(1, 24) : ((rnd() & 1) ? 1 : rr(1, 4));
      if (d.in_c == 1 && (rnd() & 1)) { d.k_h = rr(1, 10); d.k_w = (rnd() & 1) ? 4 * rr(1, 2) : rr(1, 9); }
      d.out_c = d.in_c * d.depth_mult; d.filter_in_c = 1;
    } else {
      d.in_c = rr(1, 24); d.out_c = rr(1, 24); d.filter_in_c = d.in_c; d.depth_mult = 1;
    }
    d.out_h = bt_conv_out_size(padding, d.in_h, d.k_h, d.stride_h, d.dil_h);
    d.out_w = bt_conv_out_size(padding, d.in_w, d.k_w, d.stride_w, d.dil_w);
    if (d.out_h < 1 || d.out_w < 1) { t--; continue; }
    if (d.k_h == 1 && d.k_w == 1) d.dil_h = d.dil_w = 1;
    d.pad_h = bt_conv_padding(d.stride_h, d.dil_h, d.in_h, d.k_h, d.out_h);
    d.pad_w = bt_conv_padding(d.stride_w, d.dil_w, d.in_w, d.k_w, d.out_w);
    if (d.k_h == 1 && d.k_w == 1 && (d.pad_h || d.pad_w)) { t--; continue; }
    int32_t nin = d.batches * d.in_h * d.in_w * d.in_c;
    int32_t nf = dw ? d.k_h * d.k_w * d.out_c : d.out_c * d.k_h * d.k_w * d.in_c;
    int32_t nout = d.batches * d.out_h * d.out_w * d.out_c;
    if (nin > MAXB || nf > MAXB || nout > MAXB || d.k_h * d.k_w * d.in_c > MAXB) { t--; continue; }
    d.in_offset = rr(-127, 128); d.out_offset = rr(-128, 127);
    d.act_min = rr(-128, 0); d.act_max = rr(0, 127);
    d.mult = mult_b; d.shift = shift_b;
    for (int32_t i = 0; i < d.out_c; i++) {
      int s;
      double m = (double)rr(1, 1000000) * 1e-9 * (double)(1 << rr(0, 12));
      bt_quantize_multiplier(m, &mult_b[i], &s);
      shift_b[i] = (int8_t)s;
      bias_b[i] = rr(-40000, 40000);
    }
    for (int32_t i = 0; i < nin; i++) in_b[i] = (int8_t)rr(-128, 127);
    for (int32_t i = 0; i < nf; i++) f_b[i] = (int8_t)rr(-128, 127);
    const int32_t *bias = (rnd() & 3) ? bias_b : 0;
    for (int32_t i = 0; i < nout; i++) { o_ref[i] = 0x55; o_dsp[i] = (int8_t)0xAA; }
    size_t wide = bt_cw_scratch_bytes(&d);
    int use_wide = wide > 0 && wide <= sizeof wide_b &&
                   (dw ? d.in_c == 1 && d.depth_mult > 1 : !(d.k_h == 1 && d.k_w == 1) && (rnd() & 3) != 0);
    if (use_wide) {
      nwide++;
      if (dw) bt_depthwise_ref_eval(&d, in_b, f_b, bias, o_ref);
      else bt_conv_ref_eval(&d, in_b, f_b, bias, o_ref);
      bt_cw_eval(&d, in_b, f_b, bias, o_dsp, wide_b, dw);
    } else if (dw) {
      ndw++;
      bt_depthwise_ref_eval(&d, in_b, f_b, bias, o_ref);
      if (d.depth_mult == 1) eval_m1(&d, in_b, f_b, bias, o_dsp);
      else if (d.depth_mult % 4 == 0) eval_m4(&d, in_b, f_b, bias, o_dsp);
      else bt_depthwise_ref_eval(&d, in_b, f_b, bias, o_dsp);
    } else {
      nconv++;
      bt_conv_ref_eval(&d, in_b, f_b, bias, o_ref);
      if (d.k_h == 1 && d.k_w == 1) eval_1x1(&d, in_b, f_b, bias, o_dsp);
      else eval_im2col(&d, in_b, f_b, bias, o_dsp, col_b);
    }
    for (int32_t i = 0; i < nout; i++) if (o_ref[i] != o_dsp[i]) { bad++; break; }
  }
  result[0] = (uint32_t)n; result[1] = bad; result[2] = nconv; result[3] = ndw; result[4] = nwide;
}

/* bt_dsp_mbqm == bt_mbqm on random operands (edge values included) */
uint32_t check_requant(uint32_t seed, int32_t n) {
  st = seed ? seed : 1;
  uint32_t bad = 0;
  static const int32_t edge[6] = {0, 1, -1, INT32_MAX, INT32_MIN, 0x40000000};
  for (int32_t t = 0; t < n; t++) {
    int32_t x = (t % 8 < 6) ? (int32_t)rnd() >> (rnd() % 31) : edge[rnd() % 6];
    int32_t q = (t % 16 == 0) ? edge[rnd() % 6] : (int32_t)(0x40000000u | (rnd() & 0x3FFFFFFFu));
    int sh = (int)(rnd() % 40) - 32;
    if (sh > 0) x >>= sh;   /* keep the left shift in range, as real multipliers do */
    if (bt_dsp_mbqm(x, q, sh) != bt_mbqm(x, q, sh)) bad++;
  }
  return bad;
}
void done(void) { for (;;) { } }
'''

LINKER = """MEMORY { RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4M }
SECTIONS {
  .text : { *(.text*) *(.rodata*) } > RAM
  .data : { *(.data*) } > RAM
  .bss : { *(.bss*) *(COMMON) } > RAM
}
"""


@pytest.fixture(scope="module")
def driver_elf(tmp_path_factory):
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.fail("arm-none-eabi-gcc not found: apt-get install gcc-arm-none-eabi (or `make toolchain`)")
    d = tmp_path_factory.mktemp("dsp_arm")
    (d / "driver.c").write_text(DRIVER)
    (d / "link.ld").write_text(LINKER)
    elf = d / "driver.elf"
    cmd = [gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-mcpu=cortex-m4", "-mthumb",
           "-mfloat-abi=soft", "-ffreestanding", "-fno-tree-loop-distribute-patterns",
           "-ffunction-sections", "-fdata-sections", f"-I{RUNTIME / 'include'}",
           f"-I{RUNTIME / 'kernels'}", f"-I{RUNTIME / 'src'}", "-nostdlib", "-T", str(d / "link.ld"),
           "-Wl,--gc-sections", "-Wl,-e,run", "-Wl,-u,done", "-Wl,-u,check_requant", "-o", str(elf), str(d / "driver.c"), "-lgcc"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    dis = subprocess.run([gcc.replace("gcc", "objdump"), "-d", str(elf)], capture_output=True, text=True).stdout
    assert "<bt_cw_mac_2x4>:" in dis, "the assembly MAC loop of conv_wide.c is not linked"
    for insn in ("smlad", "smlabb", "smlatt", "smlatb", "sxtb16", "sxtab16"):
        assert f"\t{insn}" in dis, f"{insn} not emitted: is __ARM_FEATURE_DSP path compiled?"
    return elf


def _run(elf, cpu: str, seed: int, n: int, fn: str = "run"):
    from elftools.elf.elffile import ELFFile
    from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, Uc
    from unicorn import arm_const as arm
    with open(elf, "rb") as f:
        e = ELFFile(f)
        syms = {s.name: s["st_value"] for s in e.get_section_by_name(".symtab").iter_symbols()}
        # Plain THUMB mode + explicit model: THUMB|MCLASS would silently be an M33.
        uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
        uc.ctl_set_cpu_model(getattr(arm, f"UC_CPU_ARM_CORTEX_{cpu}"))
        uc.mem_map(0x20000000, 8 << 20)
        for seg in e.iter_segments():
            if seg["p_type"] == "PT_LOAD":
                uc.mem_write(seg["p_paddr"], seg.data())
    uc.reg_write(arm.UC_ARM_REG_SP, 0x20000000 + (8 << 20) - 64)
    uc.reg_write(arm.UC_ARM_REG_R0, seed)
    uc.reg_write(arm.UC_ARM_REG_R1, n)
    uc.reg_write(arm.UC_ARM_REG_LR, syms["done"] | 1)
    uc.emu_start(syms[fn] | 1, syms["done"] & ~1)
    if fn != "run":
        return uc.reg_read(arm.UC_ARM_REG_R0)
    return [int.from_bytes(uc.mem_read(syms["result"] + 4 * i, 4), "little") for i in range(5)]


@pytest.mark.parametrize("cpu,seed", [("M4", 1), ("M4", 2), ("M7", 3)])
def test_dsp_instructions_match_ref_loops(driver_elf, cpu, seed):
    n, bad, n_conv, n_dw, n_wide = _run(driver_elf, cpu, seed, 300)
    # n_wide: conv_wide.c (pre-widened filters + the hand-scheduled SMLAD loop)
    assert n == 300 and n_conv > 40 and n_dw > 60 and n_wide > 60, (n, n_conv, n_dw, n_wide)
    assert bad == 0, f"{bad}/{n} random conv/depthwise cases differ between dsp and ref on {cpu}"


@pytest.mark.parametrize("cpu", ["M4", "M7"])
def test_dsp_requant_equals_bt_mbqm(driver_elf, cpu):
    assert _run(driver_elf, cpu, 9, 200000, fn="check_requant") == 0


# ---- whole models on the emulated boards ------------------------------------------
# The board image (model_runner app) for F413 (Cortex-M4) / F769 (Cortex-M7)
# runs micro_speech / person_detect with intermediate tensors exposed as
# outputs; every PRED line must equal the wheel's outputs byte for byte.

BOARD_MODELS = {
    "micro_speech": "micro_speech/micro_speech_quantized.tflite",
    "person_detect": "person_detection/person_detect.tflite",
}
# exposed operator outputs (indices into the op list); the rest of the graph
# still runs, these keep the PRED lines short
EXPOSE = {"micro_speech": None, "person_detect": (0, 2, 13, 26, 27, 28, 30)}


@pytest.mark.parametrize("board,kernels,model", [
    ("f413", "ref", "person_detect"), ("f413", "dsp", "person_detect"),
    ("f413", "dsp", "micro_speech"), ("f769", "dsp", "person_detect"),
])
def test_board_model_bit_exact(board, kernels, model, models_dir, tmp_path):
    import re

    import numpy as np

    from harness import modelgen as mg
    from harness.emulate import emulate
    if shutil.which("arm-none-eabi-gcc") is None or shutil.which("cmake") is None:
        pytest.fail("arm-none-eabi-gcc and cmake are needed (`make toolchain`)")
    mb = (models_dir / BOARD_MODELS[model]).read_bytes()
    outs = mg.operator_outputs(mb)
    sel = outs if EXPOSE[model] is None else [outs[i] for i in EXPOSE[model]]
    mx = mg.expose_outputs(mb, sel)
    shape = (1, 1960) if model == "micro_speech" else (1, 96, 96, 1)
    rng = np.random.default_rng(len(model) + len(board))
    recs = [rng.integers(-128, 128, shape).astype(np.int8) for _ in range(3)]
    (tmp_path / "m.tflite").write_bytes(mx)
    np.concatenate([r.ravel() for r in recs]).tofile(tmp_path / "in.bin")
    bdir = tmp_path / "build"
    cfg = ["cmake", "-S", str(hostrun.FIRMWARE), "-B", str(bdir),
           f"-DCMAKE_TOOLCHAIN_FILE={hostrun.FIRMWARE / 'cmake' / 'arm-none-eabi.cmake'}",
           f"-DBT_BOARD={board}", "-DBT_APP=model_runner", f"-DBT_KERNELS={kernels}",
           f"-DBT_MODEL={tmp_path / 'm.tflite'}", f"-DBT_INPUT={tmp_path / 'in.bin'}",
           f"-DBT_ITERATIONS={len(recs)}", "-DBT_ARENA_BYTES=131072"]
    for cmd in (cfg, ["cmake", "--build", str(bdir), "-j4"]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    res = emulate(bdir / "boardtwin.elf", board, max_cycles=20_000_000_000)
    assert res.exit_code == 0, "\n".join(res.lines[-10:])
    preds = [ln for ln in res.lines if ln.startswith("PRED")]
    assert len(preds) == len(recs), res.lines[-10:]
    gold = mg.golden_batch(mx, [[r] for r in recs])
    for i, (p, g) in enumerate(zip(preds, gold)):
        ours = [bytes.fromhex(h) for h in re.search(r"out=([0-9a-f,]*)", p).group(1).split(",")]
        bad = [k for k, (a, b) in enumerate(zip(ours, g)) if a != b]
        assert len(ours) == len(g) and not bad, f"{board}/{kernels} sample {i}: outputs {bad} differ"
