/* FULLY_CONNECTED, BT_KERNELS=dsp: same results as kernels/ref/
 * fully_connected.c (shared prepare/float path in ref/fully_connected_common.c).
 *
 * int8 inner loop on Armv7E-M: 4 input bytes per word load, widened with the
 * input offset by SXTAB16 (bytes 0,2 and, with ROR 8, bytes 1,3), 4 weight
 * bytes widened with the filter offset the same way, two SMLADs = 4 MACs.
 * Two output rows share each widened input word (2 rows x 4 columns = 8 MACs
 * per 3 LDR + 6 SXT + 4 SMLAD): the three LDRs issue back to back (pipelined
 * on the M4) and on the M7 the independent SXTs of the other row fill the
 * 2-cycle load-use gap. Unrolling further made gcc spill the accumulators.
 * (w + fo) and (x + io) both fit int16 (zero points are validated to the int8
 * range), so each 16x16 product is the ref's product; the int32 sums wrap
 * modulo 2^32 in both, so every result is bit-identical whatever the
 * summation order. Requantization: dsp_requant.h's inlined bt_dsp_mbqm. */
#include "fully_connected_common.h"
#include "dsp_simd.h"
#include "dsp_requant.h"

/* bt_fc_requant with the inlined bt_dsp_mbqm (same function as bt_mbqm). */
static inline int8_t requant(const bt_fc_data *d, int32_t acc, int32_t o) {
  acc = d->ch_mult ? bt_dsp_mbqm(acc, d->ch_mult[o], d->ch_shift[o]) : bt_dsp_mbqm(acc, d->mult, d->shift);
  acc = bt_wadd(acc, d->out_offset);
  return (int8_t)bt_clamp_i32(acc, d->act_min, d->act_max);
}

BT_COLD static bt_status prepare(bt_ctx *c) {
  bt_fc_data *d;
  return bt_fc_prepare(c, &d);
}

/* Widen 4 weight bytes (bytes 0,2 / bytes 1,3) adding the filter offset; the
 * offset is 0 for symmetric weights (always for per-channel), and has_fo is a
 * compile-time constant at each call so that case costs no register. */
static BT_ALWAYS_INLINE uint32_t wlo(uint32_t w, uint32_t fo2, int has_fo) {
  return has_fo ? bt_sxtab16(fo2, w) : bt_sxtb16(w);
}
static BT_ALWAYS_INLINE uint32_t whi(uint32_t w, uint32_t fo2, int has_fo) {
  return has_fo ? bt_sxtab16_ror8(fo2, w) : bt_sxtb16_ror8(w);
}

/* acc0/acc1 += rows w0/w1 . x over k columns (k >= 0, any alignment).
 * 4 columns per iteration: more unrolling makes gcc spill the accumulators
 * on the M4/M7 (14 usable registers). */
static BT_ALWAYS_INLINE void dot2(const int8_t *x, const int8_t *w0, const int8_t *w1, int32_t k,
                        uint32_t io2, uint32_t fo2, int has_fo, int32_t *a0, int32_t *a1) {
  int32_t acc0 = *a0, acc1 = *a1;
  const int8_t *xend = x + (k & ~3);
  while (x != xend) {
    uint32_t xv = bt_ld32(x), wa = bt_ld32(w0), wb = bt_ld32(w1);
    x += 4; w0 += 4; w1 += 4;
    uint32_t xe = bt_sxtab16(io2, xv), xo = bt_sxtab16_ror8(io2, xv);
    acc0 = bt_smlad(wlo(wa, fo2, has_fo), xe, acc0);
    acc1 = bt_smlad(wlo(wb, fo2, has_fo), xe, acc1);
    acc0 = bt_smlad(whi(wa, fo2, has_fo), xo, acc0);
    acc1 = bt_smlad(whi(wb, fo2, has_fo), xo, acc1);
  }
  const int32_t io = bt_half_lo(io2), fo = bt_half_lo(fo2);
  for (int32_t i = 0; i < (k & 3); i++) {      /* 0..3 leftover columns */
    int32_t v = x[i] + io;
    acc0 = bt_wadd(acc0, (w0[i] + fo) * v);
    acc1 = bt_wadd(acc1, (w1[i] + fo) * v);
  }
  *a0 = acc0;
  *a1 = acc1;
}

/* Single row (odd output count); two chains (even/odd bytes). */
static BT_ALWAYS_INLINE int32_t dot1(const int8_t *x, const int8_t *w0, int32_t k, uint32_t io2, uint32_t fo2,
                           int has_fo) {
  int32_t acc0 = 0, acc1 = 0;
  const int8_t *xend = x + (k & ~3);
  while (x != xend) {
    uint32_t xv = bt_ld32(x), wa = bt_ld32(w0);
    x += 4; w0 += 4;
    acc0 = bt_smlad(wlo(wa, fo2, has_fo), bt_sxtab16(io2, xv), acc0);
    acc1 = bt_smlad(whi(wa, fo2, has_fo), bt_sxtab16_ror8(io2, xv), acc1);
  }
  const int32_t io = bt_half_lo(io2), fo = bt_half_lo(fo2);
  for (int32_t i = 0; i < (k & 3); i++) acc0 = bt_wadd(acc0, (w0[i] + fo) * (x[i] + io));
  return bt_wadd(acc0, acc1);
}

static BT_ALWAYS_INLINE void eval_rows(const bt_fc_data *d, const int8_t *x, const int8_t *w,
                             const int32_t *bias, int8_t *y, int has_fo) {
  const int32_t k = d->accum_depth;
  const uint32_t io2 = bt_dup16(d->in_offset), fo2 = bt_dup16(d->filter_offset);
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *xb = x + (size_t)b * k;
    int8_t *yb = y + (size_t)b * d->out_depth;
    int32_t o = 0;
    for (; o + 2 <= d->out_depth; o += 2) {
      const int8_t *w0 = w + (size_t)o * k;
      int32_t a0 = bias ? bias[o] : 0, a1 = bias ? bias[o + 1] : 0;
      dot2(xb, w0, w0 + k, k, io2, fo2, has_fo, &a0, &a1);
      yb[o] = requant(d, a0, o);
      yb[o + 1] = requant(d, a1, o + 1);
    }
    if (o < d->out_depth) {
      int32_t a0 = dot1(xb, w + (size_t)o * k, k, io2, fo2, has_fo);
      if (bias) a0 = bt_wadd(a0, bias[o]);
      yb[o] = requant(d, a0, o);
    }
  }
}

/* noinline: compiled on its own, the row loops get all the registers; inlined into
 * eval, gcc 12 spilled dot2's operands to the stack (2.3x the cycles on the M7) when
 * eval's float branch was compiled out (BT_FLOAT=OFF). */
static __attribute__((noinline)) void eval_int8(const bt_fc_data *d, const int8_t *x,
                                                const int8_t *w, const int32_t *bias, int8_t *y) {
  if (d->filter_offset) eval_rows(d, x, w, bias, y, 1);
  else eval_rows(d, x, w, bias, y, 0);
}

static bt_status eval(bt_ctx *c) {
  const bt_fc_data *d = bt_op_data(c);
  if (BT_HAS_FLOAT && (!BT_HAS_QUANT || d->is_float)) return bt_fc_eval_float(c, d);
  const bt_tensor *bt = bt_input(c, 2);
  eval_int8(d, bt_input(c, 0)->data, bt_input(c, 1)->data, bt ? bt->data : NULL,
            bt_output(c, 0)->data);
  return BT_OK;
}

const bt_op_reg bt_op_fully_connected = {BT_BUILTIN_FULLY_CONNECTED, "FULLY_CONNECTED", prepare, eval};
