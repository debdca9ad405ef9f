/* "Wide" convolution of the dsp CONV_2D / DEPTHWISE_CONV_2D: see conv_wide.h
 * for what takes it and why it is bit-exact. Per Invoke: widen the filter,
 * build the offset table and the per-channel requantization constants; per
 * pair of output pixels: im2col (interior windows through the table, border
 * windows row by row), then per 4 output channels the assembly SMLAD loop
 * and the requantization. Not an operator itself: CMake compiles it with the
 * dsp kernels and the linker drops it when no conv uses it. */
#include <string.h>
#include "conv_wide.h"

/* Filter value of output channel o, tap t: OHWI (conv) or 1HWO (depthwise
 * with input depth 1, where the output channel is the multiplier index). */
static inline int32_t cw_w(const int8_t *f, int dw, int32_t oc, int32_t k, int32_t o, int32_t t) {
  return dw ? f[(size_t)t * oc + o] : f[(size_t)o * k + t];
}

/* Widened filter: word (group g, pair p, lane j) = (w[4g+j][ta], w[4g+j][ta+2])
 * with ta = 4*(p/2) + p%2; zero beyond the taps and channels. Redone every
 * Invoke because scratch does not survive other ops. */
static void bt_cw_widen(const bt_conv_data *d, const int8_t *f, int dw, uint32_t *wf) {
  const int32_t k = bt_cw_taps(d), kp = bt_cw_kp(d), oc = d->out_c;
  for (int32_t g = 0; g < oc; g += 4) {
    for (int32_t p = 0; p < kp / 2; p++) {
      const int32_t ta = 4 * (p >> 1) + (p & 1), tb = ta + 2;
      for (int32_t j = 0; j < 4; j++) {
        const int32_t o = g + j;
        const int32_t lo = o < oc && ta < k ? cw_w(f, dw, oc, k, o, ta) : 0;
        const int32_t hi = o < oc && tb < k ? cw_w(f, dw, oc, k, o, tb) : 0;
        *wf++ = ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
      }
    }
  }
}

/* Layer constants of the column fill. */
typedef struct cw_geo {
  int32_t ih, iw, ic, kh, kw, dh, dw, kp, n_row, row_bytes, win_h, win_w;
  int32_t io;            /* input offset */
  uint32_t off2;         /* input offset in both halves */
  int rowwise;           /* dil_w 1 and kw*ic % 4 == 0: a filter row is whole 4-byte runs */
  const int32_t *tab;    /* interior windows: input offsets (cw_make_tab) */
  int8_t *tmp;           /* rowwise: one filter row of input staged at the image border */
} cw_geo;

/* Column halfword of tap t for pixel 0 (pixel 1 is +2): words alternate
 * between the two pixels, pair (4q, 4q+2) at halfword 8q, (4q+1, 4q+3) at 8q+4. */
static inline void cw_put(int16_t *col, int32_t t, int32_t v) {
  col[8 * (t >> 2) + ((t & 1) << 2) + ((t >> 1) & 1)] = (int16_t)v;
}
/* 4 taps from 4 consecutive input bytes (t % 4 == 0), offset added. */
static inline void cw_put4(int16_t *col, int32_t t, uint32_t off2, uint32_t v) {
  bt_st32(col + 2 * t, bt_sxtab16(off2, v));
  bt_st32(col + 2 * t + 4, bt_sxtab16_ror8(off2, v));
}

/* Input offset of tap t from the window's first element. */
static int32_t cw_tap_off(const cw_geo *g, int32_t t) {
  const int32_t i = t % g->ic, kx = (t / g->ic) % g->kw, ky = t / (g->ic * g->kw);
  return (ky * g->dh * g->iw + kx * g->dw) * g->ic + i;
}

/* Offset table for windows fully inside the image: rowwise, the input offset
 * of every 4-tap run; otherwise per column pair the offsets of its two taps
 * (taps >= K point at the window's first element: weight 0, any value will do). */
static void cw_make_tab(const cw_geo *g, int32_t k, int32_t *tab) {
  if (g->rowwise) {                 /* one entry per 4-tap run (k % 4 == 0 here) */
    for (int32_t j = 0; j < k / 4; j++) tab[j] = cw_tap_off(g, 4 * j);
    return;
  }
  for (int32_t p = 0; p < g->kp / 2; p++) {
    const int32_t ta = 4 * (p >> 1) + (p & 1), tb = ta + 2;
    tab[2 * p] = ta < k ? cw_tap_off(g, ta) : 0;
    tab[2 * p + 1] = tb < k ? cw_tap_off(g, tb) : 0;
  }
}

/* im2col of an interior output pixel (window inside the image) starting at w. */
static inline void cw_fill_inside(const int8_t *w, int16_t *col, const int32_t *tab, int32_t n, int rowwise,
                                  uint32_t off2, int32_t io) {
  const int32_t *end = tab + n;
  if (rowwise) {                                   /* n runs of 4 taps */
    for (; tab != end; tab++, col += 8) cw_put4(col, 0, off2, bt_ld32(w + *tab));
  } else {                                         /* n = kp offsets, 2 per pair */
    for (; tab != end; tab += 2, col += 4) {
      const int32_t lo = w[tab[0]] + io, hi = w[tab[1]] + io;
      bt_st32(col, ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
    }
  }
}

/* im2col of a border output pixel whose window starts at (y0, x0); inb = image. */
__attribute__((noinline)) static void cw_fill(const cw_geo *gp, const int8_t *inb, int32_t y0, int32_t x0,
                                              int16_t *col) {
  /* local copy: the column stores may alias *gp as far as C knows, which
   * would reload every field in the inner loops */
  const cw_geo G = *gp, *g = &G;
  const int inside_x = x0 >= 0 && x0 + g->win_w <= g->iw;
  int32_t t = 0;                                   /* border: per row / per tap */
  for (int32_t ky = 0; ky < g->kh; ky++) {
    const int32_t y = y0 + ky * g->dh;
    if (y < 0 || y >= g->ih) {
      if (g->rowwise) {                                   /* 4-aligned run of taps */
        for (int32_t e = 0; e < g->n_row; e += 4) {
          bt_st32(col + 2 * (t + e), 0);
          bt_st32(col + 2 * (t + e) + 4, 0);
        }
      } else {
        for (int32_t e = 0; e < g->n_row; e++) cw_put(col, t + e, 0);
      }
      t += g->n_row;
      continue;
    }
    const int8_t *row = inb + (size_t)y * g->row_bytes;
    if (g->rowwise) {
      const int8_t *src = row + (size_t)x0 * g->ic;
      if (!inside_x) {
        /* stage the row with the input zero point (= -offset) outside the
         * image: those taps then widen to exactly 0, as the ref skips them */
        int8_t *tmp = g->tmp;
        const int8_t zp = (int8_t)-g->io;
        if (g->ic == 1) {                 /* no call per tap: [0, xs) zp, copy, [xe, kw) zp */
          const int32_t xs = x0 < 0 ? -x0 : 0, xe = x0 + g->kw > g->iw ? g->iw - x0 : g->kw;
          int32_t kx = 0;
          for (; kx < xs && kx < g->kw; kx++) tmp[kx] = zp;
          for (; kx < xe; kx++) tmp[kx] = row[x0 + kx];
          for (; kx < g->kw; kx++) tmp[kx] = zp;
        } else {
          for (int32_t kx = 0; kx < g->kw; kx++, tmp += g->ic) {
            const int32_t x = x0 + kx;
            if (x < 0 || x >= g->iw) memset(tmp, zp, (size_t)g->ic);
            else memcpy(tmp, row + (size_t)x * g->ic, (size_t)g->ic);
          }
        }
        src = g->tmp;
      }
      for (int32_t e = 0; e < g->n_row; e += 4) cw_put4(col, t + e, g->off2, bt_ld32(src + e));
      t += g->n_row;
      continue;
    }
    for (int32_t kx = 0; kx < g->kw; kx++) {
      const int32_t x = x0 + kx * g->dw;
      if (x < 0 || x >= g->iw) {
        for (int32_t i = 0; i < g->ic; i++, t++) cw_put(col, t, 0);
      } else {
        const int8_t *px = row + (size_t)x * g->ic;
        for (int32_t i = 0; i < g->ic; i++, t++) cw_put(col, t, px[i] + g->io);
      }
    }
  }
  for (; t < g->kp; t++) cw_put(col, t, 0);        /* taps padded to kp: weights 0 */
}

/* One group of 4 channels x 2 pixels over npairs column pairs (npairs even,
 * >= 2): acc[] = {a0, b0, a1, b1, a2, b2, a3, b3} (pixel a / b, lane 0..3)
 * in and out. Per column pair: 2 column words + 4 filter words, 8 SMLAD. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__thumb2__)
/* Hand-scheduled for the Cortex-M7 (dual issue of a load with an ALU/MAC op,
 * 2-cycle load latency): 8 accumulators + 2 pointers + 4 operands use all 14
 * registers, more than gcc manages without spilling, so it is written in
 * assembly. Every load sits next to an independent SMLAD and no value is
 * used by the instruction right after its load; the next pair's first
 * words are preloaded (software pipelining), the loop handles two pairs and
 * keeps its end pointer on the stack. The preload of the last iteration
 * reads up to 8 bytes past the column (bt_cw_scratch_bytes reserves them)
 * and 16 past this group's filters (the next group's or the column). */
void bt_cw_mac_2x4(const uint32_t *fw, const int16_t *col, int32_t npairs, int32_t *acc);
__asm__(
    "  .pushsection .text.bt_cw_mac_2x4,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global bt_cw_mac_2x4\n"
    "  .type bt_cw_mac_2x4, %function\n"
    "  .thumb_func\n"
    "bt_cw_mac_2x4:\n"
    "  push {r4-r11, lr}\n"
    "  sub sp, sp, #12\n"
    "  add r2, r1, r2, lsl #3\n"      /* end of the column */
    "  str r2, [sp]\n"
    "  str r3, [sp, #4]\n"
    "  ldm r3, {r2-r9}\n"             /* a0 b0 a1 b1 a2 b2 a3 b3 */
    "  ldr r10, [r1]\n"               /* xa: pixel a's pair */
    "  ldr r11, [r1, #4]\n"           /* xb: pixel b's pair */
    "  ldr r12, [r0]\n"               /* lane 0 filter pair */
    "1:\n"
    "  ldr lr, [r0, #4]\n"
    "  smlad r2, r12, r10, r2\n"
    "  smlad r3, r12, r11, r3\n"
    "  ldr r12, [r0, #8]\n"
    "  smlad r4, lr, r10, r4\n"
    "  smlad r5, lr, r11, r5\n"
    "  ldr lr, [r0, #12]\n"
    "  smlad r6, r12, r10, r6\n"
    "  smlad r7, r12, r11, r7\n"
    "  ldr r12, [r0, #16]\n"
    "  smlad r8, lr, r10, r8\n"
    "  ldr r10, [r1, #8]\n"
    "  smlad r9, lr, r11, r9\n"
    "  ldr r11, [r1, #12]\n"
    "  ldr lr, [r0, #20]\n"
    "  smlad r2, r12, r10, r2\n"
    "  smlad r3, r12, r11, r3\n"
    "  ldr r12, [r0, #24]\n"
    "  smlad r4, lr, r10, r4\n"
    "  smlad r5, lr, r11, r5\n"
    "  ldr lr, [r0, #28]\n"
    "  smlad r6, r12, r10, r6\n"
    "  smlad r7, r12, r11, r7\n"
    "  ldr r12, [r0, #32]\n"
    "  smlad r8, lr, r10, r8\n"
    "  ldr r10, [r1, #16]\n"
    "  smlad r9, lr, r11, r9\n"
    "  ldr r11, [r1, #20]\n"
    "  ldr lr, [sp]\n"
    "  adds r1, r1, #16\n"
    "  adds r0, r0, #32\n"
    "  cmp r1, lr\n"
    "  bne 1b\n"
    "  ldr lr, [sp, #4]\n"
    "  stm lr, {r2-r9}\n"
    "  add sp, sp, #12\n"
    "  pop {r4-r11, pc}\n"
    "  .size bt_cw_mac_2x4, .-bt_cw_mac_2x4\n"
    "  .popsection\n");
#else
static void bt_cw_mac_2x4(const uint32_t *fw, const int16_t *col, int32_t npairs, int32_t *acc) {
  int32_t a0 = acc[0], b0 = acc[1], a1 = acc[2], b1 = acc[3];
  int32_t a2 = acc[4], b2 = acc[5], a3 = acc[6], b3 = acc[7];
  for (int32_t i = 0; i < npairs; i++, col += 4, fw += 4) {
    const uint32_t xa = bt_ld32(col), xb = bt_ld32(col + 2);
    a0 = bt_smlad(fw[0], xa, a0);
    b0 = bt_smlad(fw[0], xb, b0);
    a1 = bt_smlad(fw[1], xa, a1);
    b1 = bt_smlad(fw[1], xb, b1);
    a2 = bt_smlad(fw[2], xa, a2);
    b2 = bt_smlad(fw[2], xb, b2);
    a3 = bt_smlad(fw[3], xa, a3);
    b3 = bt_smlad(fw[3], xb, b3);
  }
  acc[0] = a0; acc[1] = b0; acc[2] = a1; acc[3] = b1;
  acc[4] = a2; acc[5] = b2; acc[6] = a3; acc[7] = b3;
}
#endif

/* Requantization: bt_dsp_mbqm (TFLM's two roundings), with each channel's
 * shifts and rounding constants computed once per Invoke (cw_rqp) instead of
 * per output. The SaturatingRoundingDoublingHighMul corner case (both
 * operands INT32_MIN) needs q == INT32_MIN, which prepare never produces;
 * such a channel still goes through bt_dsp_requant. */
typedef struct cw_rqp { int32_t q, mask, half; uint8_t ls, rs, slow, pad; } cw_rqp;

static void cw_make_rqp(const bt_conv_data *d, cw_rqp *p) {
  for (int32_t o = 0; o < d->out_c; o++) {
    const int32_t shift = d->shift[o];
    const int rs = shift > 0 ? 0 : (shift < -31 ? 31 : -shift);
    p[o].q = d->mult[o];
    p[o].ls = (uint8_t)(shift > 0 ? shift : 0);
    p[o].rs = (uint8_t)rs;
    p[o].mask = (int32_t)((UINT32_C(1) << rs) - 1u);
    p[o].half = p[o].mask >> 1;
    p[o].slow = d->mult[o] == INT32_MIN;
    p[o].pad = 0;
  }
}

static inline int32_t cw_rq(int32_t x, const cw_rqp *p) {
  const int32_t s = (int32_t)((uint32_t)x << p->ls);
  const int32_t h = (int32_t)(((int64_t)s * p->q + (INT64_C(1) << 30)) >> 31);
  return (h >> p->rs) + ((h & p->mask) > p->half + (int32_t)((uint32_t)h >> 31));
}

/* acc = {a0, b0, a1, b1, ...}: lanes 0..n-1 of pixel a (and b when two). */
static inline void cw_store(const bt_conv_data *d, const cw_rqp *rq, int8_t *pa, int8_t *pb, int32_t g, int32_t n,
                            const int32_t *acc, int two, int32_t ooff, int32_t lo, int32_t hi) {
  for (int32_t j = 0; j < n; j++, acc += 2) {
    const cw_rqp *p = rq + g + j;
    int32_t va, vb;
    if (p->slow) {
      pa[g + j] = bt_dsp_requant(d, acc[0], g + j);
      if (two) pb[g + j] = bt_dsp_requant(d, acc[1], g + j);
      continue;
    }
    va = bt_wadd32(cw_rq(acc[0], p), ooff);
    vb = bt_wadd32(cw_rq(acc[1], p), ooff);
    va = va < lo ? lo : (va > hi ? hi : va);
    vb = vb < lo ? lo : (vb > hi ? hi : vb);
    pa[g + j] = (int8_t)va;
    if (two) pb[g + j] = (int8_t)vb;
  }
}

/* Whole layer; scratch = bt_cw_scratch_bytes(d) bytes (4-byte aligned):
 * widened filter | 2-pixel column (+ 8 bytes over-read) | offset table |
 * staging row | requantization parameters. */
void bt_cw_eval(const bt_conv_data *d, const int8_t *in, const int8_t *filter, const int32_t *bias,
                int8_t *out, void *scratch, int dw) {
  const int32_t kp = bt_cw_kp(d), oc = d->out_c, ow = d->out_w, oh = d->out_h;
  const int32_t n = d->batches * oh * ow;
  uint32_t *wf = scratch;
  int16_t *col = (int16_t *)(void *)(wf + (size_t)((oc + 3) / 4) * 2 * kp);
  int32_t *tab = (int32_t *)(void *)(col + 2 * (size_t)kp + 4);
  int8_t *tmp = (int8_t *)(tab + kp);
  cw_rqp *rq = (cw_rqp *)(void *)(tmp + kp);
  cw_geo g;
  g.ih = d->in_h; g.iw = d->in_w; g.ic = d->in_c; g.kh = d->k_h; g.kw = d->k_w;
  g.dh = d->dil_h; g.dw = d->dil_w; g.kp = kp;
  g.n_row = g.kw * g.ic; g.row_bytes = g.iw * g.ic;
  g.win_h = (g.kh - 1) * g.dh + 1; g.win_w = (g.kw - 1) * g.dw + 1;
  g.io = d->in_offset; g.off2 = bt_dup16(d->in_offset);
  g.rowwise = g.dw == 1 && (g.n_row & 3) == 0;
  g.tab = tab;
  g.tmp = tmp;
  cw_make_tab(&g, bt_cw_taps(d), tab);
  cw_make_rqp(d, rq);
  bt_cw_widen(d, filter, dw, wf);
  const int32_t ntab = g.rowwise ? bt_cw_taps(d) / 4 : kp;
  const int rowwise = g.rowwise;
  const uint32_t off2 = g.off2;
  const int32_t io = g.io, ooff = d->out_offset, lo = d->act_min, hi = d->act_max;
  const int32_t sh = d->stride_h, sw = d->stride_w, ph = d->pad_h, pw = d->pad_w;
  const int32_t ylim = g.ih - g.win_h, xlim = g.iw - g.win_w;
  const size_t in_img = (size_t)g.ih * g.row_bytes;
  int32_t b = 0, oy = 0, ox = 0;                  /* coordinates of the next pixel */
  for (int32_t p = 0; p < n; p += 2) {
    int8_t *pa = out + (size_t)p * oc, *pb = pa + oc;
    const int two = p + 1 < n;
    for (int k = 0; k < 1 + two; k++) {
      const int32_t y0 = oy * sh - ph, x0 = ox * sw - pw;
      const int8_t *inb = in + (size_t)b * in_img;
      if (y0 >= 0 && y0 <= ylim && x0 >= 0 && x0 <= xlim) {
        cw_fill_inside(inb + ((size_t)y0 * g.iw + x0) * g.ic, col + 2 * k, tab, ntab, rowwise, off2, io);
      } else {
        cw_fill(&g, inb, y0, x0, col + 2 * k);
      }
      if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; b++; } }
    }
    if (!two) {
      for (int32_t i = 0; i < kp; i += 2) bt_st32(col + 2 * i + 2, bt_ld32(col + 2 * i));  /* B := A */
    }
    const uint32_t *fw = wf;
    for (int32_t c = 0; c < oc; c += 4, fw += 2 * kp) {
      const int32_t m = oc - c < 4 ? oc - c : 4;
      int32_t acc[8];                               /* a0 b0 a1 b1 ... */
      for (int32_t j = 0; j < 4; j++) acc[2 * j] = acc[2 * j + 1] = bias && j < m ? bias[c + j] : 0;
      bt_cw_mac_2x4(fw, col, kp / 2, acc);
      cw_store(d, rq, pa, pb, c, m, acc, two, ooff, lo, hi);
    }
  }
}
