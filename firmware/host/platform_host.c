/* bt/platform.h on a PC: stdout, a nanosecond clock posing as a 1 GHz core. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>
#include "bt/platform.h"

void bt_platform_write(const char *s, size_t n) { fwrite(s, 1, n, stdout); }

uint32_t bt_platform_cycles(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

uint32_t bt_platform_core_hz(void) { return 1000000000u; }
