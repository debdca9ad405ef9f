/* Host driver: run the front end over a 16 kHz mono int16 WAV (or raw PCM) file and print one
 * line of 40 features per 20 ms frame ("F v0 ... v39"). With --trace, each frame is followed by
 * the per-stage values, one line per stage, for comparison with the reference graph.
 * --repeat N runs the clip N times with bt_frontend_reset() in between (tests the reset). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bt/frontend.h"

static int fail(const char *what, const char *path) {
  fprintf(stderr, "bt_frontend_dump: %s: %s\n", path, what);
  return 2;
}

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Locate the PCM payload of a WAV file; 0 on success. */
static int wav_data(const unsigned char *buf, size_t len, size_t *off, size_t *n, const char **err) {
  if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
    *err = "not a RIFF/WAVE file (use --raw for headerless PCM)";
    return -1;
  }
  int have_fmt = 0;
  for (size_t p = 12; p + 8 <= len;) {
    const uint32_t sz = le32(buf + p + 4);
    if (sz > len - p - 8) break;
    if (!memcmp(buf + p, "fmt ", 4) && sz >= 16) {
      const unsigned char *f = buf + p + 8;
      if (le16(f) != 1 || le16(f + 2) != 1 || le32(f + 4) != 16000 || le16(f + 14) != 16) {
        *err = "want PCM, mono, 16 kHz, 16-bit";
        return -1;
      }
      have_fmt = 1;
    } else if (!memcmp(buf + p, "data", 4)) {
      if (!have_fmt) break;
      *off = p + 8;
      *n = sz / 2;
      return 0;
    }
    p += 8 + sz + (sz & 1);
  }
  *err = "no fmt/data chunk";
  return -1;
}

static void print_u32(char tag, const uint32_t *v, int n) {
  printf("%c", tag);
  for (int i = 0; i < n; ++i) printf(" %lu", (unsigned long)v[i]);
  printf("\n");
}

static void print_trace(const bt_frontend_trace *t) {
  printf("S %ld\nW", (long)t->fft_scale_bits);
  for (int i = 0; i < BT_FRONTEND_WINDOW_SAMPLES; ++i) printf(" %d", t->windowed[i]);
  printf("\nX");
  for (int i = 0; i < BT_FRONTEND_NUM_BINS; ++i) printf(" %d %d", t->spectrum[i].r, t->spectrum[i].i);
  printf("\nB");
  for (int i = 0; i < BT_FRONTEND_NUM_FEATURES; ++i) printf(" %llu", (unsigned long long)t->filterbank[i]);
  printf("\n");
  print_u32('Q', t->sqrt, BT_FRONTEND_NUM_FEATURES);
  print_u32('U', t->subtracted, BT_FRONTEND_NUM_FEATURES);
  print_u32('N', t->noise, BT_FRONTEND_NUM_FEATURES);
  print_u32('P', t->pcan, BT_FRONTEND_NUM_FEATURES);
  printf("L");
  for (int i = 0; i < BT_FRONTEND_NUM_FEATURES; ++i) printf(" %d", t->log[i]);
  printf("\n");
}

int main(int argc, char **argv) {
  int raw = 0, trace = 0, repeat = 1;
  const char *path = NULL;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--raw")) raw = 1;
    else if (!strcmp(argv[i], "--trace")) trace = 1;
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
    else if (!path) path = argv[i];
    else path = NULL, i = argc;
  }
  if (!path || repeat < 1) {
    fprintf(stderr, "usage: bt_frontend_dump [--raw] [--trace] [--repeat N] FILE.wav|FILE.raw\n");
    return 2;
  }
  FILE *f = fopen(path, "rb");
  if (!f) return fail("cannot open", path);
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0, got;
  do {
    if (len == cap) {
      cap = cap ? 2 * cap : 65536;
      unsigned char *nb = realloc(buf, cap);
      if (!nb) return fclose(f), free(buf), fail("out of memory", path);
      buf = nb;
    }
    got = fread(buf + len, 1, cap - len, f);
    len += got;
  } while (got);
  fclose(f);

  size_t off = 0, n = len / 2;
  const char *err = NULL;
  if (!raw && wav_data(buf, len, &off, &n, &err)) return free(buf), fail(err, path);
  int16_t *pcm = malloc((n ? n : 1) * sizeof *pcm);
  if (!pcm) return free(buf), fail("out of memory", path);
  for (size_t i = 0; i < n; ++i) pcm[i] = (int16_t)le16(buf + off + 2 * i);
  free(buf);

  static bt_frontend st;
  static bt_frontend_trace tr;
  bt_frontend_init(&st);
  for (int r = 0; r < repeat; ++r) {
    if (r) bt_frontend_reset(&st);
    for (size_t s = 0; s + BT_FRONTEND_WINDOW_SAMPLES <= n; s += BT_FRONTEND_STRIDE_SAMPLES) {
      int8_t feat[BT_FRONTEND_NUM_FEATURES];
      bt_frontend_process_traced(&st, pcm + s, feat, trace ? &tr : NULL);
      printf("F");
      for (int i = 0; i < BT_FRONTEND_NUM_FEATURES; ++i) printf(" %d", feat[i]);
      printf("\n");
      if (trace) print_trace(&tr);
    }
  }
  free(pcm);
  return 0;
}
