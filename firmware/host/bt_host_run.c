/* bt_host_run MODEL.tflite [--input FILE]... [--output FILE]... [--arena BYTES]
 *             [--print-allocations] [--profile] [--arena-needed] [--iterations N]
 * Runs one model through bt_runtime on the host and speaks the firmware
 * console protocol (docs/architecture.md) on stdout. Inputs/outputs are raw
 * little-endian tensor bytes, one file per tensor, in model order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host_file.h"
#include "bt/interp.h"
#include "bt/log.h"
#include "bt/platform.h"

#define MAX_FILES 16
#ifndef BT_KERNELS_NAME
#define BT_KERNELS_NAME "ref"
#endif

static bt_interp interp;   /* static like on a board: it is large-ish */

/* Everything malloc'd lives here so every exit path frees it (LeakSanitizer). */
static uint8_t *model, *arena, *in_buf[MAX_FILES];
static FILE *out_f[MAX_FILES];

static void cleanup(void) {
  for (int i = 0; i < MAX_FILES; i++) {
    free(in_buf[i]);
    in_buf[i] = NULL;
    if (out_f[i]) fclose(out_f[i]);
    out_f[i] = NULL;
  }
  free(arena);
  free(model);
  arena = model = NULL;
}

static int fail(const char *fmt, const char *detail) {
  bt_printf("ERROR: ");
  bt_printf(fmt, detail);
  bt_printf("\nBOARDTWIN-EXIT 1\n");
  fflush(stdout);
  return 1;
}

static void hex(const bt_tensor *t) {
  const uint8_t *p = t->data;
  for (uint32_t i = 0; i < t->bytes; i++) bt_printf("%02x", p[i]);
}

/* Input 0 as hex, captured before invoke (its buffer may be reused). */
static char in_hex[129];

int main(int argc, char **argv) {
  const char *model_path = NULL, *ins[MAX_FILES], *outs[MAX_FILES];
  int n_in = 0, n_out = 0, allocs = 0, profile = 0, show_needed = 0, describe = 0;
  long iterations = 1, batch = 1;
  size_t arena_len = 4u << 20;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (!strcmp(a, "--input") && has && n_in < MAX_FILES) ins[n_in++] = argv[++i];
    else if (!strcmp(a, "--output") && has && n_out < MAX_FILES) outs[n_out++] = argv[++i];
    else if (!strcmp(a, "--arena") && has) arena_len = (size_t)strtoull(argv[++i], NULL, 0);
    else if (!strcmp(a, "--batch") && has) batch = strtol(argv[++i], NULL, 0);
    else if (!strcmp(a, "--iterations") && has) iterations = strtol(argv[++i], NULL, 0);
    else if (!strcmp(a, "--print-allocations")) allocs = 1;
    else if (!strcmp(a, "--profile")) profile = 1;
    else if (!strcmp(a, "--arena-needed")) show_needed = 1;
    else if (!strcmp(a, "--describe")) describe = 1;
    else if (a[0] != '-' && !model_path) model_path = a;
    else {
      fprintf(stderr, "usage: bt_host_run MODEL.tflite [--input FILE]... [--output FILE]... "
                      "[--arena BYTES] [--batch N] [--iterations N] [--print-allocations] [--profile] [--arena-needed] [--describe]\n");
      return 2;
    }
  }
  if (!model_path) return fail("%s", "no model given");
  if (batch < 1) batch = 1;
  atexit(cleanup);
  size_t model_len = 0;
  model = bt_host_read_file(model_path, &model_len);
  if (!model) return fail("cannot read model %s", model_path);
  /* Exactly arena_len bytes at a 16-aligned address: ASan sees any overrun. */
  arena = malloc(arena_len ? arena_len : 1);
  if (!arena) return fail("%s", "cannot allocate arena");

  bt_printf("boardtwin app=host_run board=host kernels=%s core_hz=%u model_bytes=%u arena_bytes=%u\n",
            BT_KERNELS_NAME, (unsigned)bt_platform_core_hz(), (unsigned)model_len, (unsigned)arena_len);
  bt_status s = bt_interp_init(&interp, model, model_len, arena, arena_len);
  if (show_needed && (s == BT_OK || s == BT_ERR_ARENA_TOO_SMALL))
    bt_printf("arena_needed %u head %u tail %u\n", (unsigned)bt_interp_arena_needed(&interp),
              (unsigned)bt_interp_arena_head(&interp), (unsigned)bt_interp_arena_tail(&interp));
  if (s != BT_OK) {
    char msg[160];
    bt_snprintf(msg, sizeof msg, "%s: %s", bt_status_str(s), bt_interp_error(&interp));
    return fail("%s", msg);
  }
  if (allocs) bt_interp_print_allocations(&interp);
  if (describe) {   /* tensor specs for harness/hostrun.py, then stop */
    for (int k = 0; k < 2; k++) {
      int n = k ? bt_interp_num_outputs(&interp) : bt_interp_num_inputs(&interp);
      for (int i = 0; i < n; i++) {
        bt_tensor *t = k ? bt_interp_output(&interp, i) : bt_interp_input(&interp, i);
        bt_printf("tensor %s %d type=%s shape=", k ? "output" : "input", i, bt_type_name(t->type));
        for (int d = 0; d < t->ndims; d++) bt_printf(d ? ",%d" : "%d", (int)bt_tensor_dim(t, d));
        bt_printf(" bytes=%u\n", (unsigned)t->bytes);
      }
    }
    bt_printf("BOARDTWIN-EXIT 0\n");
    return 0;
  }

  if (n_in > bt_interp_num_inputs(&interp)) return fail("%s", "more --input files than model inputs");
  for (int i = 0; i < n_in; i++) {
    bt_tensor *t = bt_interp_input(&interp, i);
    size_t len = 0;
    in_buf[i] = bt_host_read_file(ins[i], &len);
    if (!in_buf[i]) return fail("cannot read input %s", ins[i]);
    if (len != (size_t)t->bytes * (size_t)batch) {
      char msg[160];
      bt_snprintf(msg, sizeof msg, "input %d: file has %u bytes, tensor needs %u x %ld",
                  i, (unsigned)len, (unsigned)t->bytes, batch);
      return fail("%s", msg);
    }
  }
  for (int i = 0; i < n_out && i < bt_interp_num_outputs(&interp); i++)
    if (!(out_f[i] = fopen(outs[i], "wb"))) return fail("cannot write output %s", outs[i]);
  if (profile) bt_interp_enable_profiling(&interp, 1);
  for (long k = 0; k < batch; k++) {
    if (k) bt_interp_reset(&interp);   /* each batch entry is an independent inference */
    for (int i = 0; i < bt_interp_num_inputs(&interp); i++) {
      bt_tensor *t = bt_interp_input(&interp, i);
      if (i < n_in) memcpy(t->data, in_buf[i] + (size_t)k * t->bytes, t->bytes);
      else memset(t->data, 0, t->bytes);
    }
    bt_tensor *t0 = bt_interp_input(&interp, 0);
    if (t0 && t0->bytes <= 64)   /* captured now: the buffer may be reused by the graph */
      for (uint32_t i = 0; i < t0->bytes; i++)
        bt_snprintf(in_hex + 2 * i, 3, "%02x", ((const uint8_t *)t0->data)[i]);
    for (long it = 0; it < (iterations < 1 ? 1 : iterations); it++) {
      s = bt_interp_invoke(&interp);
      if (s != BT_OK) return fail("%s", bt_interp_error(&interp));
    }
    bt_printf("PRED i=%ld", k);
    if (t0 && t0->bytes <= 64) bt_printf(" in=%s", in_hex);
    bt_printf(" out=");
    for (int i = 0; i < bt_interp_num_outputs(&interp); i++) {
      if (i) bt_printf(",");
      hex(bt_interp_output(&interp, i));
    }
    bt_printf("\n");
    for (int i = 0; i < n_out && i < bt_interp_num_outputs(&interp); i++) {
      bt_tensor *t = bt_interp_output(&interp, i);
      if (fwrite(t->data, 1, t->bytes, out_f[i]) != t->bytes) return fail("cannot write output %s", outs[i]);
    }
  }
  if (profile) {
    bt_interp_print_profile(&interp);
    bt_interp_print_profile_csv(&interp);
  }
  bt_printf("BOARDTWIN-EXIT 0\n");
  return 0;   /* cleanup() runs at exit */
}
