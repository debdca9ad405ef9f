/* int16 sigmoid/tanh by table interpolation, bit-exact with TFLM's
 * reference_integer_ops::Logistic/Tanh (int16). The table values were read
 * back from the golden TFLM wheel (TANH int16 at exact table nodes), see
 * tests/runtime/test_seq_ops.py::test_sigmoid_table. */
#include "act16_common.h"
#include "bt/quant.h"

const uint16_t bt_sigmoid_lut16[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
    40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
    47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
    53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
    62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
    64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
    65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
    65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
    65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535,
};

/* abs() of an int32 that is at most 2^31-1 in magnitude here (16-bit input
 * times a multiplier <= 32767 << shift stays far below the limit). */
static uint32_t uabs(int32_t v) { return v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v; }

static int32_t rescale(int16_t x, int32_t mult, int32_t shift, int32_t round) {
  /* ((x * mult + round) >> shift), arithmetic shift of a possibly negative
   * value: done on int64 so C's implementation-defined >> is not relied on. */
  int64_t v = (int64_t)x * mult + round;
  return (int32_t)(v >= 0 ? v >> shift : -((-v + ((1LL << shift) - 1)) >> shift));
}

void bt_logistic16(int32_t mult, int32_t shift, int32_t n, const int16_t *in, int16_t *out) {
  if (mult == 0) { mult = 3 << shift; shift = 0; }   /* power-of-two input scale */
  int32_t round = shift > 0 ? (1 << (shift - 1)) : 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t x = rescale(in[i], mult, shift, round);
    uint32_t ax = uabs(x);
    uint32_t uh = ax >> 9;               /* table step = 2^9 input units */
    uint32_t r;
    if (uh >= 255) {
      r = 0x7FFFu << 10;
    } else {
      uint32_t ua = bt_sigmoid_lut16[uh], ub = bt_sigmoid_lut16[uh + 1];
      r = (ua << 9) + (ax & 0x1FFu) * (ub - ua);
    }
    /* sigmoid(-x) = 1 - sigmoid(x), then round back to Q0.15. */
    r = x >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
    out[i] = (int16_t)(r >> 10);
  }
}

void bt_tanh16(int32_t mult, int32_t shift, int32_t n, const int16_t *in, int16_t *out) {
  if (mult == 0) { mult = 3 << shift; shift = 0; }
  int32_t round = shift > 0 ? (1 << (shift - 1)) : 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t x = rescale(in[i], mult, shift, round);
    uint32_t ax = uabs(x);
    uint32_t uh = ax >> 8;               /* tanh(x) = 2 sigmoid(2x) - 1: half the step */
    int32_t r;
    if (uh >= 255) {
      r = 0xFFFF << 8;
    } else {
      uint32_t ua = bt_sigmoid_lut16[uh], ub = bt_sigmoid_lut16[uh + 1];
      r = (int32_t)((ua << 8) + (ax & 0xFFu) * (ub - ua));
    }
    r = x >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    /* r >= -2^23 - ... : arithmetic shift of a negative value again. */
    out[i] = (int16_t)(r >= 0 ? r >> 8 : -((-r + 255) >> 8));
  }
}

BT_COLD int bt_checked_log2(float x, int *log2_rounded) {
  int e;
  double m = bt_frexp((double)x, &e);   /* x = m 2^e, m in [0.5, 1) */
  /* round(log2 x) = e if m >= 1/sqrt(2), else e - 1. */
  int r = m >= 0.70710678118654752 ? e : e - 1;
  *log2_rounded = r;
  /* |log2 x - r| < 1e-3  <=>  m within 2^(+-1e-3) of 0.5 (r = e-1) or 1 (r = e). */
  return r == e ? m >= 0.99930709299 : m <= 0.5 * 1.00069338746;
}

BT_COLD int bt_act16_params(float in_scale, float out_scale, int max_pot_shift,
                    int32_t *mult, int32_t *shift) {
  int l2;
  int pot = bt_checked_log2(in_scale, &l2);
  int32_t sh = (15 - 3) + l2;                   /* 3 integer bits expected */
  if (pot && sh >= 0 && sh <= max_pot_shift) {
    *mult = 0;
    *shift = sh;
  } else {
    /* Rescale to 1/(3*4096) per LSB; the 3 widens [-8,8] to [-10.7,10.7]. */
    double m = (double)in_scale * 4096.0 * 3.0;
    sh = 0;
    while (m <= 32767.0 / 2.0 && sh <= 30) { sh++; m *= 2.0; }
    if (m >= 65536.0) return -1;        /* keeps x * mult inside int32 */
    *mult = (int32_t)m;
    *shift = sh;
  }
  int ol2;
  if (!bt_checked_log2(out_scale, &ol2) || ol2 != -15) return -1;
  return 0;
}
