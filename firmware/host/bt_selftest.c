/* Prints bt_printf/bt_snprintf results for tests/runtime/test_log.py, which
 * compares each line with Python's %-formatting of the same values. */
#include <stdint.h>
#include "bt/log.h"
#include "bt/quant.h"

int main(void) {
  bt_log_enable_float();
  bt_printf("d|%d|%d|%d|%i\n", 0, -1, 2147483647, (-2147483647 - 1));
  bt_printf("u|%u|%u|%lu\n", 0u, 4294967295u, 1234567890ul);
  bt_printf("x|%x|%X|%08x|%02x\n", 0xdeadbeefu, 0xabcu, 0x1fu, 5u);
  bt_printf("w|%5d|%-5d|%05d|%3s|%-3s|\n", 42, 42, -42, "a", "b");
  bt_printf("s|%s|%.2s|%c|%%\n", "hello", "hello", 'z');
  bt_printf("f|%f|%.3f|%.0f|%f|%f\n", 0.314159, -2.5, 2.5, 1e-7, 123456.789);
  bt_printf("f2|x_value: %f, y_value: %f\n", 0.314159, 0.304000);
  bt_printf("ll|%lld|%llu|%zu\n", -9000000000LL, 18000000000ULL, (size_t)77);
  char buf[8];
  int n = bt_snprintf(buf, sizeof buf, "%s", "truncate-me");
  bt_printf("sn|%d|%s\n", n, buf);
  /* Fixed-point spot checks against known TFLM values. */
  int32_t q; int sh;
  bt_quantize_multiplier(0.0011, &q, &sh);
  bt_printf("qm|%d|%d\n", (int)q, sh);
  bt_printf("srdhm|%d|%d\n", (int)bt_srdhm(INT32_MIN, INT32_MIN), (int)bt_srdhm(1 << 30, 1 << 30));
  bt_printf("rdbpot|%d|%d|%d\n", (int)bt_rdbpot(5, 1), (int)bt_rdbpot(-5, 1), (int)bt_rdbpot(-6, 2));
  return 0;
}
