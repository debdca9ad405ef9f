/* A deliberately broken fuzz body, linked with the real firmware/fuzz driver:
 * proves that harness/fuzz.py's classification FAILS a bad target. What it does
 * depends on the first 4 bytes of the input:
 *   "OVER"  reads one byte past its heap copy   -> ASan heap-buffer-overflow
 *   "UBSN"  signed int overflow                 -> UBSan report
 *   "HANG"  spins forever                       -> driver alarm()
 *   "HNGB"  spins with SIGALRM ignored          -> harness watchdog (backstop)
 *   "BAD!"  returns an error status             -> clear_error
 * anything else is "ok". With BT_BROKEN_ODD=1 in the environment it reads past
 * the buffer for every odd-sized input (a bug the mutation loop must hit). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_one.h"

const char *bt_status_str(bt_status s) { return s == BT_OK ? "OK" : "MODEL_MALFORMED"; }

bt_fuzz_result bt_fuzz_one(const uint8_t *data, size_t size) {
  bt_fuzz_result r = {BT_FUZZ_RAN, BT_OK, ""};
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) abort();
  memcpy(copy, data, size);
  const char *odd = getenv("BT_BROKEN_ODD");
  volatile uint8_t sink = 0;
  if ((size >= 4 && !memcmp(copy, "OVER", 4)) || (odd && odd[0] == '1' && size % 2))
    sink = copy[size];                       /* the bug: one past the end */
  if (size >= 4 && !memcmp(copy, "UBSN", 4)) {
    volatile int big = 0x7FFFFFF0;
    sink = (uint8_t)(big + (int)size * 1000);  /* overflows for size >= 1 */
  }
  if (size >= 4 && !memcmp(copy, "HNGB", 4)) signal(SIGALRM, SIG_IGN);
  if (size >= 4 && (!memcmp(copy, "HANG", 4) || !memcmp(copy, "HNGB", 4)))
    for (volatile int spin = 1; spin;) {
    }
  if (size >= 4 && !memcmp(copy, "BAD!", 4)) {
    r.stage = BT_FUZZ_INIT_ERROR;
    r.status = BT_ERR_MODEL_MALFORMED;
    r.error = "deliberate error";
  }
  (void)sink;
  free(copy);
  return r;
}
