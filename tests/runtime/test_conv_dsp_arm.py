"""The dsp CONV_2D / DEPTHWISE_CONV_2D loops with the REAL Armv7E-M DSP
instructions (SMLAD, SMLABB/SMLATT/SMLATB, SXTB16, SXTAB16) on an emulated
Cortex-M4 and Cortex-M7 (unicorn), compared with the ref loops byte for byte.

A small bare-metal driver (below) is cross-compiled together with
kernels/ref/conv_common.c, kernels/dsp/*.c and src/quant.c; it draws random
geometries (1x1 / im2col conv, depthwise multipliers 1, 2, 4, 8, padding,
strides, dilation, offsets, per-channel multipliers, bias or none) and counts
outputs where the dsp path differs from the ref path. The ref path itself is
checked against TFLM by test_conv_ops.py, the dsp data flow on the host by
test_conv_dsp.py.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from harness import hostrun

RUNTIME = hostrun.FIRMWARE / "runtime"

DRIVER = r'''/* Bare-metal check: dsp kernels (real DSP instructions) vs ref loops. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
void *memcpy(void *d, const void *s, size_t n) { uint8_t *a = d; const uint8_t *b = s; while (n--) *a++ = *b++; return d; }
void *memset(void *d, int v, size_t n) { uint8_t *a = d; while (n--) *a++ = (uint8_t)v; return d; }
#include "quant.c"
#include "ref/conv_common.c"
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
static int32_t bias_b[256], mult_b[256], shift_b[256];
static int16_t col_b[MAXB];
volatile uint32_t result[4];   /* tests run, mismatches, conv cases, dw cases */

void run(uint32_t seed, int32_t n) {
  st = seed ? seed : 1;
  uint32_t bad = 0, nconv = 0, ndw = 0;
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
      static const int32_t dms[5] = {1, 1, 4, 8, 2};
      d.depth_mult = dms[rnd() % 5];
      d.in_c = d.depth_mult == 1 ? rr(1, 24) : rr(1, 4);
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
      shift_b[i] = s;
      bias_b[i] = rr(-40000, 40000);
    }
    for (int32_t i = 0; i < nin; i++) in_b[i] = (int8_t)rr(-128, 127);
    for (int32_t i = 0; i < nf; i++) f_b[i] = (int8_t)rr(-128, 127);
    const int32_t *bias = (rnd() & 3) ? bias_b : 0;
    for (int32_t i = 0; i < nout; i++) { o_ref[i] = 0x55; o_dsp[i] = (int8_t)0xAA; }
    if (dw) {
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
  result[0] = (uint32_t)n; result[1] = bad; result[2] = nconv; result[3] = ndw;
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
           "-Wl,--gc-sections", "-Wl,-e,run", "-Wl,-u,done", "-o", str(elf), str(d / "driver.c"), "-lgcc"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    dis = subprocess.run([gcc.replace("gcc", "objdump"), "-d", str(elf)], capture_output=True, text=True).stdout
    for insn in ("smlad", "smlabb", "smlatt", "smlatb", "sxtb16", "sxtab16"):
        assert f"\t{insn}" in dis, f"{insn} not emitted: is __ARM_FEATURE_DSP path compiled?"
    return elf


def _run(elf, cpu: str, seed: int, n: int):
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
    uc.emu_start(syms["run"] | 1, syms["done"] & ~1)
    return [int.from_bytes(uc.mem_read(syms["result"] + 4 * i, 4), "little") for i in range(4)]


@pytest.mark.parametrize("cpu,seed", [("M4", 1), ("M4", 2), ("M7", 3)])
def test_dsp_instructions_match_ref_loops(driver_elf, cpu, seed):
    n, bad, n_conv, n_dw = _run(driver_elf, cpu, seed, 300)
    assert n == 300 and n_conv > 100 and n_dw > 100, (n, n_conv, n_dw)
    assert bad == 0, f"{bad}/{n} random conv/depthwise cases differ between dsp and ref on {cpu}"
