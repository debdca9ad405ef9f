/* Test helper (tests/runtime/test_plan_unchanged.py): prints the arena plan of a
 * model - head/tail/needed, every tensor's offset from the arena start and every
 * scratch buffer's offset - plus the `needed` reported for a few too-small
 * arenas, so a planner change can be checked to leave every figure unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include "bt/interp.h"
#include "bt/interp_impl.h"
#include "host_file.h"

static bt_interp it;

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  size_t mlen = 0;
  uint8_t *model = bt_host_read_file(argv[1], &mlen);
  if (!model) return 2;
  const size_t big = 8u << 20;
  uint8_t *arena = aligned_alloc(16, big);
  if (!arena) return 2;
  bt_status s = bt_interp_init(&it, model, mlen, arena, big);
  printf("status %d\n", (int)s);
  if (s != BT_OK) {
    printf("error %s\n", bt_interp_error(&it));
    free(arena);
    free(model);
    return 0;
  }
  size_t needed = bt_interp_arena_needed(&it);
  printf("head %zu tail %zu needed %zu\n", bt_interp_arena_head(&it), bt_interp_arena_tail(&it), needed);
  for (uint32_t i = 0; i < it.num_tensors; i++) {
    const uint8_t *d = it.tensors[i].data;
    if (d >= arena && d < arena + big)
      printf("tensor %u off %ld bytes %u\n", (unsigned)i, (long)(d - arena), (unsigned)it.tensors[i].bytes);
    else
      printf("tensor %u %s\n", (unsigned)i, d ? "outside" : "null");
  }
  for (uint32_t k = 0; k < it.num_scratch; k++)
    printf("scratch %u op %u bytes %u off %u\n", (unsigned)k, (unsigned)it.scratch[k].op,
           (unsigned)it.scratch[k].bytes, (unsigned)it.scratch[k].offset);
  /* too-small arenas: the reported need (and status) for each */
  static const unsigned pm[] = {0, 10, 300, 600, 750, 800, 900, 970, 999};
  size_t sizes[sizeof pm / sizeof pm[0] + 1];
  for (size_t k = 0; k < sizeof pm / sizeof pm[0]; k++) sizes[k] = needed * pm[k] / 1000;
  sizes[sizeof pm / sizeof pm[0]] = needed - 1;
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    s = bt_interp_init(&it, model, mlen, arena, sizes[k]);
    printf("arena %zu status %d needed %zu head %zu tail %zu\n", sizes[k], (int)s,
           bt_interp_arena_needed(&it), bt_interp_arena_head(&it), bt_interp_arena_tail(&it));
  }
  s = bt_interp_init(&it, model, mlen, arena, needed);
  printf("arena %zu status %d\n", needed, (int)s);
  free(arena);
  free(model);
  return 0;
}
