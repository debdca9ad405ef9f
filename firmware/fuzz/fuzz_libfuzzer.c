/* libFuzzer entry point (link with -fsanitize=fuzzer). */
#include "fuzz_one.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)bt_fuzz_one(data, size);
  return 0;
}
