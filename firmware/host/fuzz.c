/* Fuzz driver: feeds arbitrary bytes to bt_interp_init (+ one invoke when it
 * succeeds). Built as a plain replayer: `bt_fuzz FILE...` runs each file; the
 * same LLVMFuzzerTestOneInput works under libFuzzer (-fsanitize=fuzzer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host_file.h"
#include "bt/interp.h"

static bt_interp interp;
static uint8_t arena[256 * 1024] __attribute__((aligned(16)));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Copy to an exactly-sized aligned heap block so ASan catches overreads. */
  uint8_t *m = aligned_alloc(16, (size + 16) & ~(size_t)15);
  if (!m) return 0;
  memcpy(m, data, size);
  if (bt_interp_init(&interp, m, size, arena, sizeof arena) == BT_OK) {
    for (int i = 0; i < bt_interp_num_inputs(&interp); i++) {
      bt_tensor *t = bt_interp_input(&interp, i);
      memset(t->data, 0, t->bytes);
    }
    (void)bt_interp_invoke(&interp);
  }
  free(m);
  return 0;
}

#ifndef BT_LIBFUZZER
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    size_t n = 0;
    uint8_t *buf = bt_host_read_file(argv[i], &n);
    if (!buf) { fprintf(stderr, "cannot read %s\n", argv[i]); return 2; }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
  }
  return 0;
}
#endif
