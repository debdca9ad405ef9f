/* Bare-metal probe of bt_runtime for a plain CPU emulator (no peripherals):
 * the test harness calls probe_run() directly with the model and input in
 * memory, console output goes to a RAM buffer it reads back afterwards.
 * Used by tests/runtime/test_arm_probe.py to check the runtime on a real
 * Cortex-M4/M7 instruction set and 32-bit layout (arena figures). */
#include <stdint.h>
#include <string.h>
#include "bt/interp.h"
#include "bt/log.h"
#include "bt/platform.h"

#ifndef PROBE_ARENA_BYTES
#define PROBE_ARENA_BYTES (200 * 1024)
#endif

char probe_out[8192];
uint32_t probe_out_len;
static bt_interp interp;
static uint8_t arena[PROBE_ARENA_BYTES] __attribute__((aligned(16)));
static uint32_t fake_cycles;

void bt_platform_write(const char *s, size_t n) {
  for (size_t i = 0; i < n && probe_out_len + 1 < sizeof probe_out; i++) probe_out[probe_out_len++] = s[i];
}
uint32_t bt_platform_cycles(void) { return fake_cycles += 1000; }
uint32_t bt_platform_core_hz(void) { return 100000000u; }

/* Returns the bt_status of init/invoke; prints allocations + PRED line. */
int probe_run(const uint8_t *model, uint32_t model_len, const uint8_t *input, uint32_t input_len) {
  probe_out_len = 0;
  bt_status s = bt_interp_init(&interp, model, model_len, arena, sizeof arena);
  bt_printf("arena_needed %u head %u tail %u sizeof_tensor %u sizeof_interp %u\n",
            (unsigned)bt_interp_arena_needed(&interp), (unsigned)bt_interp_arena_head(&interp),
            (unsigned)bt_interp_arena_tail(&interp), (unsigned)sizeof(bt_tensor), (unsigned)sizeof interp);
  if (s != BT_OK) {
    bt_printf("ERROR: %s: %s\n", bt_status_str(s), bt_interp_error(&interp));
    return (int)s;
  }
  bt_interp_print_allocations(&interp);
  uint32_t off = 0;
  for (int i = 0; i < bt_interp_num_inputs(&interp); i++) {
    bt_tensor *t = bt_interp_input(&interp, i);
    if (off + t->bytes <= input_len) memcpy(t->data, input + off, t->bytes);
    off += t->bytes;
  }
  s = bt_interp_invoke(&interp);
  if (s != BT_OK) {
    bt_printf("ERROR: %s: %s\n", bt_status_str(s), bt_interp_error(&interp));
    return (int)s;
  }
  bt_printf("PRED i=0 out=");
  for (int i = 0; i < bt_interp_num_outputs(&interp); i++) {
    bt_tensor *t = bt_interp_output(&interp, i);
    if (i) bt_printf(",");
    for (uint32_t k = 0; k < t->bytes; k++) bt_printf("%02x", ((const uint8_t *)t->data)[k]);
  }
  bt_printf("\n");
  return 0;
}
