/* Host programs only (bt_host_run, the fuzz replayer, test drivers): read a whole file
 * into a malloc'ed, 16-byte aligned buffer, as a linker would place a model. */
#ifndef BT_HOST_FILE_H
#define BT_HOST_FILE_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* NULL if the file cannot be opened or read; *len = its size. Free with free(). */
static inline uint8_t *bt_host_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (n < 0) { fclose(f); return NULL; }
  /* +1 before rounding up: n == 0 still allocates */
  uint8_t *buf = aligned_alloc(16, ((size_t)n + 16) & ~(size_t)15);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
  fclose(f);
  *len = (size_t)n;
  return buf;
}
#endif
