/* The front-end pipeline, one stage per reference op (see frontend.h). */
#include "bt/frontend.h"

#include <stddef.h>
#include <string.h>

#include "fe_internal.h"
#include "fe_tables.h"

_Static_assert(FE_WINDOW_LEN == BT_FRONTEND_WINDOW_SAMPLES, "window length differs from the model");
_Static_assert(FE_NUM_CHANNELS == BT_FRONTEND_NUM_FEATURES, "channel count differs from the model");
_Static_assert(FE_FFT_LEN == BT_FRONTEND_FFT_LEN, "FFT length differs from the model");

void bt_frontend_init(bt_frontend *st) {
  memset(st, 0, sizeof *st);
}

void bt_frontend_reset(bt_frontend *st) {
  memset(st->noise_estimate, 0, sizeof st->noise_estimate);
}

/* Q12 Hann window, saturated to int16. */
static void apply_window(const int16_t *in, int16_t *out) {
  for (int i = 0; i < FE_WINDOW_LEN; ++i) {
    const int32_t v = fe_asr32((int32_t)in[i] * fe_window[i], FE_WINDOW_SHIFT);
    out[i] = (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
  }
}

/* Left-shift the frame so its peak uses the int16 range; returns the shift. */
static int32_t auto_scale(int16_t *x, int n) {
  int16_t peak = 0;
  for (int i = 0; i < n; ++i) {
    /* The reference keeps the peak in int16, so -(-32768) wraps to -32768 and a later
     * smaller sample can replace it; mirrored for parity. */
    if (x[i] > peak) {
      peak = x[i];
    } else if (-x[i] > peak) {
      peak = fe_wrap16(-x[i]);
    }
  }
  int32_t bits = 16 - (int32_t)fe_msb32((uint32_t)(int32_t)peak) - 1;
  if (bits <= 0) return 0;
  for (int i = 0; i < n; ++i) x[i] = fe_wrap16(x[i] * (1 << bits));
  return bits;
}

/* Power of one bin; the reference graph zeroes bins outside [start, end). */
static inline uint32_t energy(const bt_frontend_cpx *spec, int k) {
  if (k < FE_ENERGY_START || k >= FE_ENERGY_END) return 0;
  const int32_t re = spec[k].r, im = spec[k].i;
  return (uint32_t)(re * re) + (uint32_t)(im * im); /* may wrap at 2^32, as the reference */
}

/* Triangular mel channels; each bin feeds one channel with weight w and the next with 1-w. */
static void filterbank(const bt_frontend_cpx *spec, uint64_t *out) {
  uint64_t acc = 0, next = 0;
  for (int ch = 0; ch <= FE_NUM_CHANNELS; ++ch) {
    const int f0 = fe_fb_freq_starts[ch], w0 = fe_fb_weight_starts[ch];
    for (int j = 0; j < fe_fb_widths[ch]; ++j) {
      const uint64_t e = energy(spec, f0 + j);
      acc += (uint64_t)(int64_t)fe_fb_weights[w0 + j] * e;
      next += (uint64_t)(int64_t)fe_fb_unweights[w0 + j] * e;
    }
    if (ch > 0) out[ch - 1] = acc; /* channel 0 only collects the first unweights */
    acc = next;
    next = 0;
  }
}

/* Smoothed noise estimate per channel, subtracted with a floor of min_signal_remaining. */
static void spectral_subtraction(uint32_t *noise, const uint32_t *in, uint32_t *out) {
  for (int i = 0; i < FE_NUM_CHANNELS; ++i) {
    const uint32_t a = (i & 1) ? FE_SS_ALT_SMOOTHING : FE_SS_SMOOTHING;
    const uint32_t one_minus_a = (i & 1) ? FE_SS_ALT_ONE_MINUS_SMOOTHING : FE_SS_ONE_MINUS_SMOOTHING;
    const uint32_t sig = in[i] << FE_SS_SMOOTHING_BITS;
    noise[i] = (uint32_t)(((uint64_t)sig * a + (uint64_t)noise[i] * one_minus_a) >> FE_SS_BITS);
    uint32_t est = noise[i];
    if (est > sig) {
      est = sig;
      if (FE_SS_CLAMPING) noise[i] = est;
    }
    const uint32_t floor = (uint32_t)(((uint64_t)in[i] * FE_SS_MIN_SIGNAL_REMAINING) >> FE_SS_BITS);
    const uint32_t sub = (sig - est) >> FE_SS_SMOOTHING_BITS;
    out[i] = sub > floor ? sub : floor;
  }
}

void bt_frontend_process(bt_frontend *st, const int16_t samples[BT_FRONTEND_WINDOW_SAMPLES],
                         int8_t features[BT_FRONTEND_NUM_FEATURES]) {
  bt_frontend_process_traced(st, samples, features, NULL);
}

void bt_frontend_process_traced(bt_frontend *st,
                                const int16_t samples[BT_FRONTEND_WINDOW_SAMPLES],
                                int8_t features[BT_FRONTEND_NUM_FEATURES],
                                bt_frontend_trace *trace) {
  uint64_t fb[FE_NUM_CHANNELS];
  uint32_t mag[FE_NUM_CHANNELS], clean[FE_NUM_CHANNELS];

  int16_t *frame = st->buf.frame;
  apply_window(samples, frame);
  if (trace) memcpy(trace->windowed, frame, sizeof trace->windowed);
  const int32_t scale_bits = auto_scale(frame, FE_WINDOW_LEN);
  memset(&frame[FE_WINDOW_LEN], 0, sizeof(int16_t) * (FE_FFT_LEN - FE_WINDOW_LEN));
  fe_rfft512(frame, st->work, st->buf.spectrum);

  filterbank(st->buf.spectrum, fb);
  for (int i = 0; i < FE_NUM_CHANNELS; ++i) mag[i] = fe_sqrt64(fb[i]) >> scale_bits;
  spectral_subtraction(st->noise_estimate, mag, clean);

  for (int i = 0; i < FE_NUM_CHANNELS; ++i) {
    const uint32_t gain = (uint32_t)(int32_t)fe_pcan_gain(st->noise_estimate[i], fe_pcan_lut);
    const uint32_t snr = (uint32_t)(((uint64_t)clean[i] * gain) >> FE_PCAN_SNR_SHIFT);
    const uint32_t pcan = fe_pcan_shrink(snr);

    const uint32_t scaled = pcan << FE_LOG_CORRECTION_BITS;
    int32_t lg = 0;
    if (scaled > 1) {
      const uint32_t v = fe_log32(scaled, FE_LOG_OUTPUT_SCALE);
      lg = v < INT16_MAX ? (int32_t)v : INT16_MAX;
    }
    /* int16 log -> int8 feature: ((log * mul + add) / div) + offset, clamped. */
    int32_t q = (lg * FE_OUT_MUL + FE_OUT_ADD) / FE_OUT_DIV + FE_OUT_OFFSET;
    q = q < FE_OUT_MIN ? FE_OUT_MIN : q > FE_OUT_MAX ? FE_OUT_MAX : q;
    features[i] = (int8_t)q;

    if (trace) {
      trace->filterbank[i] = fb[i];
      trace->sqrt[i] = mag[i];
      trace->subtracted[i] = clean[i];
      trace->noise[i] = st->noise_estimate[i];
      trace->pcan[i] = pcan;
      trace->log[i] = (int16_t)lg;
    }
  }
  if (trace) {
    trace->fft_scale_bits = scale_bits;
    memcpy(trace->spectrum, st->buf.spectrum, sizeof trace->spectrum);
  }
}
