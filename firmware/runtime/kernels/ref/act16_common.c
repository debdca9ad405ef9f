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

/* One loop for both functions (tanh(x) = 2 sigmoid(2x) - 1 reads the same table at
 * half the step), so an image using both carries it once. Per element:
 *   x = floor((in * mult + round) / 2^shift)          (the input rescale)
 *   r = table(|x|) interpolated, in units of 2^-(16+k) (k = table step bits:
 *       logistic 9, tanh 8; saturated past the last node)
 *   logistic: x >= 0: (r + 2^9) >> 10          x < 0: (2^25 - r + 2^9 - 1) >> 10
 *   tanh:     x >= 0: (r - 2^23 + 2^7) >> 8    x < 0: (2^23 - r + 2^7 - 1) >> 8
 * with >> rounding towards -inf (TFLM's arithmetic shifts). C's >> of a negative
 * value is implementation-defined, so both floors add a bias that makes the
 * value non-negative and is a multiple of 2^shift, shift unsigned, and take the
 * bias back off: floor((v + B) / 2^s) - B / 2^s = floor(v / 2^s). */
void bt_act16(int tanh_fn, int32_t mult, int32_t shift, int32_t n, const int16_t *in, int16_t *out) {
  if (mult == 0) { mult = 3 << shift; shift = 0; }   /* power-of-two input scale */
  const int64_t round = shift > 0 ? (1 << (shift - 1)) : 0;
  /* |in * mult + round| < 2^47: 2^62 keeps it positive and is divisible by 2^shift. */
  const uint64_t in_bias = 1ULL << 62;
  const uint32_t in_unbias = (uint32_t)(in_bias >> shift);
  const int k = tanh_fn ? 8 : 9, s = tanh_fn ? 8 : 10;
  const uint32_t mask = (1u << k) - 1;
  const int32_t sat = tanh_fn ? 0xFFFF << 8 : 0x7FFF << 10;
  /* Output: r + pos (x >= 0) or neg - r (x < 0) is >= -2^24 - 2^8; + 2^24 (a
   * multiple of 2^s) makes it non-negative. */
  const int32_t ob = 1 << 24;
  const int32_t pos = ob + (1 << (s - 1)) - (tanh_fn ? 1 << 23 : 0);
  const int32_t neg = ob + (tanh_fn ? 1 << 23 : 1 << 25) + (1 << (s - 1)) - 1;
  const int32_t out_unbias = ob >> s;
  for (int32_t i = 0; i < n; i++) {
    int64_t v = (int64_t)in[i] * mult + round;
    int32_t x = (int32_t)((uint32_t)(((uint64_t)v + in_bias) >> shift) - in_unbias);
    uint32_t ax = x < 0 ? (uint32_t)0 - (uint32_t)x : (uint32_t)x;
    uint32_t uh = ax >> k;
    int32_t r;
    if (uh >= 255) {
      r = sat;
    } else {
      uint32_t ua = bt_sigmoid_lut16[uh], ub = bt_sigmoid_lut16[uh + 1];
      r = (int32_t)((ua << k) + (ax & mask) * (ub - ua));
    }
    r = x >= 0 ? r + pos : neg - r;
    out[i] = (int16_t)((int32_t)((uint32_t)r >> s) - out_unbias);
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
