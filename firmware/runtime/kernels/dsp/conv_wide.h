/* "Wide" convolution for the dsp CONV_2D / DEPTHWISE_CONV_2D (conv_wide.c):
 * filters pre-widened to int16 pairs in arena scratch once per Invoke, an
 * im2col column of TWO output pixels, and an assembly dual-MAC loop computing
 * 2 pixels x 4 output channels per step (8 SMLAD per 2 column words + 4
 * filter words, nothing unpacked in the loop). Used for
 *  - CONV_2D with a k x k filter (not 1x1, not grouped) whose widened
 *    filter fits BT_CW_MAX_WIDE bytes (mnist's 3x3x1 and 3x3x8 convs,
 *    DS-CNN's 10x4x1 first layer);
 *  - DEPTHWISE_CONV_2D with input depth 1 and depth multiplier > 1
 *    (micro_speech: 10x8 filter, 1 -> 8): then it IS a conv with one input
 *    channel, only the filter layout (1HWO instead of OHWI) differs.
 *
 * Tap order: within every 4-aligned group of taps t = 4q..4q+3 the column
 * and the filter use the pairs (4q, 4q+2) and (4q+1, 4q+3), which is what
 * SXTAB16 / SXTAB16 ROR 8 make of 4 consecutive input bytes; so when a filter
 * row is whole 4-byte runs of input (dilation_w 1, k_w * depth % 4 == 0) the
 * column is filled by 1 LDR + 2 SXTAB16 per 4 taps, otherwise through a
 * per-layer offset table. Taps are padded to a multiple of 4 and channels to
 * a multiple of 4 with zero weights; taps outside the image become 0 (stored
 * as 0, or staged as the input zero point, which the offset turns into 0).
 * Every product is the ref's product (or 0 where the ref skips the tap) and
 * int32 sums wrap in both, so the results are bit-identical. */
#ifndef BT_DSP_CONV_WIDE_H
#define BT_DSP_CONV_WIDE_H
#include <stddef.h>
#include <stdint.h>
#include "conv_common.h"
#include "dsp_simd.h"
#include "dsp_requant.h"

/* Largest widened filter kept in scratch: bigger layers use the other paths
 * so the arena does not grow by tens of kB for one layer. */
#ifndef BT_CW_MAX_WIDE
#define BT_CW_MAX_WIDE 8192u
#endif

/* Taps per output channel (input depth 1 for the depthwise case). */
static inline int32_t bt_cw_taps(const bt_conv_data *d) { return d->k_h * d->k_w * d->in_c; }
static inline int32_t bt_cw_kp(const bt_conv_data *d) { return (bt_cw_taps(d) + 3) & ~3; }

/* Scratch bytes: widened filter (4-channel groups x kp taps x int16) then the
 * 2-pixel column (2 x kp int16); 0 when the layer is too big for this path. */
static inline size_t bt_cw_scratch_bytes(const bt_conv_data *d) {
  const uint64_t kp = ((uint64_t)d->k_h * d->k_w * (uint64_t)d->in_c + 3u) & ~(uint64_t)3;
  const uint64_t wide = (((uint64_t)d->out_c + 3u) / 4u) * 4u * kp * 2u;
  if (d->out_c < 1 || kp == 0 || wide > BT_CW_MAX_WIDE) return 0;
  /* widened filter + 2-pixel column + 8 bytes the MAC loop's preload reads
   * past it + offset table (int32 per tap) + staging row (kp bytes) +
   * requantization parameters (16 bytes per channel) */
  return (size_t)(wide + 4u * kp + 8u + 4u * kp + kp + 16u * (uint64_t)d->out_c);
}

/* Whole layer (conv_wide.c); scratch = bt_cw_scratch_bytes(d) bytes, 4-byte
 * aligned; dw: filter in DEPTHWISE_CONV_2D layout (1HWO, input depth 1). */
void bt_cw_eval(const bt_conv_data *d, const int8_t *in, const int8_t *filter, const int32_t *bias,
                int8_t *out, void *scratch, int dw);

#endif

