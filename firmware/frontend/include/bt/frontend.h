/* micro_speech audio front end: 16 kHz int16 PCM -> 40 int8 log-mel features per 20 ms.
 *
 * Bit-exact with the upstream preprocessor model audio_preprocessor_int8.tflite (TFLM signal
 * ops): Hann window, FFT auto-scale, 512-point fixed-point real FFT, energy, mel filterbank,
 * sqrt, spectral-subtraction noise reduction, PCAN gain control, log, int8 quantisation.
 * Integer arithmetic only; no allocation: the caller owns the state (about 2.2 kB).
 */
#ifndef BT_FRONTEND_H
#define BT_FRONTEND_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BT_FRONTEND_WINDOW_SAMPLES 480 /* 30 ms at 16 kHz */
#define BT_FRONTEND_STRIDE_SAMPLES 320 /* 20 ms */
#define BT_FRONTEND_NUM_FEATURES 40
#define BT_FRONTEND_FFT_LEN 512
#define BT_FRONTEND_NUM_BINS (BT_FRONTEND_FFT_LEN / 2 + 1)

typedef struct {
  int16_t r, i;
} bt_frontend_cpx;

typedef struct {
  /* Carried across frames: the spectral-subtraction noise estimate per channel. */
  uint32_t noise_estimate[BT_FRONTEND_NUM_FEATURES];
  /* Scratch, here rather than on the stack so MCU stack use stays small. The FFT has copied
   * the frame into work before it writes the spectrum, so the two share memory. */
  union {
    int16_t frame[BT_FRONTEND_FFT_LEN];
    bt_frontend_cpx spectrum[BT_FRONTEND_NUM_BINS];
  } buf;
  bt_frontend_cpx work[BT_FRONTEND_FFT_LEN / 2];
} bt_frontend;

/* Optional per-stage outputs, for tests against the reference graph's intermediate tensors. */
typedef struct {
  int32_t fft_scale_bits;
  int16_t windowed[BT_FRONTEND_WINDOW_SAMPLES];
  bt_frontend_cpx spectrum[BT_FRONTEND_NUM_BINS];
  uint64_t filterbank[BT_FRONTEND_NUM_FEATURES];
  uint32_t sqrt[BT_FRONTEND_NUM_FEATURES];
  uint32_t subtracted[BT_FRONTEND_NUM_FEATURES];
  uint32_t noise[BT_FRONTEND_NUM_FEATURES];
  uint32_t pcan[BT_FRONTEND_NUM_FEATURES];
  int16_t log[BT_FRONTEND_NUM_FEATURES];
} bt_frontend_trace;

void bt_frontend_init(bt_frontend *st);
/* Forget the noise estimate (start of a new clip). */
void bt_frontend_reset(bt_frontend *st);
/* One 30 ms window (advance the caller's audio by 20 ms between calls). */
void bt_frontend_process(bt_frontend *st, const int16_t samples[BT_FRONTEND_WINDOW_SAMPLES],
                         int8_t features[BT_FRONTEND_NUM_FEATURES]);
/* Same, also filling *trace (may be NULL). */
void bt_frontend_process_traced(bt_frontend *st,
                                const int16_t samples[BT_FRONTEND_WINDOW_SAMPLES],
                                int8_t features[BT_FRONTEND_NUM_FEATURES],
                                bt_frontend_trace *trace);

#ifdef __cplusplus
}
#endif

#endif
