/* bt/platform.h for fuzzing: silent (the runtime's log would drown the
 * driver's protocol and cost time), with a fake monotonically rising clock.
 * BT_FUZZ_VERBOSE=1 in the environment sends runtime output to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include "bt/platform.h"

void bt_platform_write(const char *s, size_t n) {
  static int verbose = -1;
  if (verbose < 0) {
    const char *v = getenv("BT_FUZZ_VERBOSE");
    verbose = v && v[0] == '1';
  }
  if (verbose) fwrite(s, 1, n, stderr);
}

uint32_t bt_platform_cycles(void) {
  static uint32_t t;
  return t += 1000u;
}

uint32_t bt_platform_core_hz(void) { return 1000000000u; }
