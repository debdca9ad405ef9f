/* See fuzz_one.h. The model is copied into an exactly-sized heap block at a
 * 16-byte aligned address: exact size so ASan flags a read even one byte past
 * the end; aligned because the runtime (rightly) rejects misaligned constant
 * data, and we want mutants to get past that check into the deeper code. */
#define _POSIX_C_SOURCE 200809L
#include "fuzz_one.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bt/interp.h"

static bt_interp interp;
static uint8_t arena[BT_FUZZ_ARENA_BYTES] __attribute__((aligned(16)));

#define FUZZ_CHECK(cond, ...)                                      \
  do {                                                             \
    if (!(cond)) {                                                 \
      fprintf(stderr, "BT_FUZZ_ASSERT %s:%d: %s: ", __FILE__,      \
              __LINE__, #cond);                                    \
      fprintf(stderr, __VA_ARGS__);                                \
      fputc('\n', stderr);                                         \
      abort();                                                     \
    }                                                              \
  } while (0)

static int in_arena(const void *p, size_t n) {
  const uint8_t *b = p;
  return b >= arena && n <= sizeof arena && (size_t)(b - arena) <= sizeof arena - n;
}

/* Fixed xorshift stream: same input bytes for the same model on every run. */
static uint32_t next_rand(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

static void fill_input(bt_tensor *t, uint32_t seed) {
  uint32_t s = 0x9E3779B9u ^ (seed * 0x85EBCA6Bu);
  if (t->type == BT_FLOAT32) {
    /* Finite values in [-4, 4): random bit patterns would be mostly NaN/Inf
     * and stop float paths at their first comparison. */
    for (uint32_t i = 0; i + 4 <= t->bytes; i += 4) {
      float v = (float)(int32_t)(next_rand(&s) & 0xFFFFu) / 8192.0f - 4.0f;
      memcpy((uint8_t *)t->data + i, &v, 4);
    }
  } else {
    for (uint32_t i = 0; i < t->bytes; i++) ((uint8_t *)t->data)[i] = (uint8_t)next_rand(&s);
  }
}

/* What a failed init must look like: a known status, a NUL-terminated
 * message, and an interpreter that refuses further use. */
static void check_failed_init(bt_status s) {
  FUZZ_CHECK(s > BT_OK && s < BT_STATUS_COUNT, "status %d", (int)s);
  const char *e = bt_interp_error(&interp);
  FUZZ_CHECK(e != NULL, "NULL error message");
  FUZZ_CHECK(memchr(e, 0, BT_ERR_MSG_LEN) != NULL, "error message not terminated");
  FUZZ_CHECK(e[0] != '\0', "empty error message for %s", bt_status_str(s));
  FUZZ_CHECK(bt_interp_num_inputs(&interp) == 0 && bt_interp_num_outputs(&interp) == 0,
             "failed interpreter exposes tensors");
  FUZZ_CHECK(bt_interp_input(&interp, 0) == NULL && bt_interp_output(&interp, 0) == NULL,
             "failed interpreter returns tensors");
  FUZZ_CHECK(bt_interp_invoke(&interp) == BT_ERR_STATE, "invoke after failed init not refused");
  if (s == BT_ERR_ARENA_TOO_SMALL)
    FUZZ_CHECK(bt_interp_arena_needed(&interp) > 0, "ARENA_TOO_SMALL without a need");
}

/* Every tensor the application may touch must be inside the arena (or be a
 * constant inside the model) and be as large as it claims. */
static void check_tensor(const bt_tensor *t, const uint8_t *model, size_t size, const char *what, int i) {
  FUZZ_CHECK(t != NULL, "%s %d is NULL", what, i);
  if (t->bytes == 0) return;
  FUZZ_CHECK(t->data != NULL, "%s %d: %u bytes, NULL data", what, i, (unsigned)t->bytes);
  const uint8_t *d = t->data;
  int in_model = d >= model && t->bytes <= size && (size_t)(d - model) <= size - t->bytes;
  FUZZ_CHECK(in_arena(d, t->bytes) || in_model, "%s %d: data outside arena and model", what, i);
}

bt_fuzz_result bt_fuzz_one(const uint8_t *data, size_t size) {
  bt_fuzz_result r = {BT_FUZZ_INIT_ERROR, BT_OK, ""};
  void *m = NULL;
  if (posix_memalign(&m, 16, size ? size : 1) != 0) abort();
  if (size) memcpy(m, data, size);
  const uint8_t *model = m;

  bt_status s = bt_interp_init(&interp, model, size, arena, sizeof arena);
  r.status = s;
  if (s != BT_OK) {
    check_failed_init(s);
    r.error = bt_interp_error(&interp);
    free(m);
    return r;
  }
  FUZZ_CHECK(bt_interp_arena_needed(&interp) <= sizeof arena, "needed %u > arena",
             (unsigned)bt_interp_arena_needed(&interp));
  int nin = bt_interp_num_inputs(&interp), nout = bt_interp_num_outputs(&interp);
  for (int i = 0; i < nin; i++) {
    bt_tensor *t = bt_interp_input(&interp, i);
    check_tensor(t, model, size, "input", i);
    /* A graph input may be a constant only if init let it through; never
     * write into the model (it is read-only by contract, flash on a board). */
    if (t->bytes && in_arena(t->data, t->bytes)) fill_input(t, (uint32_t)i);
  }
  r.stage = BT_FUZZ_INVOKE_ERROR;
  s = bt_interp_invoke(&interp);
  r.status = s;
  if (s != BT_OK) {
    FUZZ_CHECK(s > BT_OK && s < BT_STATUS_COUNT, "invoke status %d", (int)s);
    FUZZ_CHECK(memchr(bt_interp_error(&interp), 0, BT_ERR_MSG_LEN) != NULL, "error message not terminated");
    r.error = bt_interp_error(&interp);
  } else {
    r.stage = BT_FUZZ_RAN;
    /* Read every output byte so a dangling output pointer shows up in ASan. */
    volatile uint8_t sum = 0;
    for (int i = 0; i < nout; i++) {
      const bt_tensor *t = bt_interp_output(&interp, i);
      check_tensor(t, model, size, "output", i);
      for (uint32_t k = 0; k < t->bytes; k++) sum ^= ((const uint8_t *)t->data)[k];
    }
    (void)sum;
  }
  free(m);
  return r;
}
