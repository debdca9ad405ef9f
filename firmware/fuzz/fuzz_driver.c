/* Standalone fuzz driver: the libFuzzer body behind a plain main(), for gcc
 * builds, batch runs from harness/fuzz.py, and replaying saved crashes.
 *
 *   bt_fuzz_run [--timeout SEC] [--list FILE] [PATH...]
 *
 * PATH is a model file or a directory (its regular files, sorted by name);
 * --list FILE names one path per line. One process runs many inputs (the
 * ASan start-up cost is paid once), reporting each on stdout, tab-separated:
 *
 *   BEGIN   <path>                                  before the input runs
 *   RESULT  ok|clear_error  ran|init|invoke  <STATUS>  <path>  <error text>
 *
 * A BEGIN without its RESULT means the input killed the process: the harness
 * attributes the sanitizer report on stderr to it. --timeout arms alarm()
 * per input; on expiry "HANG <path>" goes to stdout and the exit code is 75. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz_one.h"

#define EXIT_HANG 75

static char current[4096];   /* input in flight, for the alarm handler */

static void on_alarm(int sig) {
  (void)sig;
  /* Only async-signal-safe calls here. */
  static const char tag[] = "HANG\t";
  if (write(1, tag, sizeof tag - 1) < 0 || write(1, current, strlen(current)) < 0 || write(1, "\n", 1) < 0) {
    /* nothing more we can do from a handler */
  }
  _exit(EXIT_HANG);
}

static uint8_t *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, len = 0;
  uint8_t *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (len < cap) break;
    uint8_t *nb = realloc(buf, cap *= 2);
    if (!nb) { free(buf); buf = NULL; }
    else buf = nb;
  }
  int err = ferror(f);
  fclose(f);
  if (err) { free(buf); return NULL; }
  *n = len;
  return buf;
}

static unsigned timeout_s;
static unsigned counts[3];
static int failures;

static void run_one(const char *path) {
  size_t n = 0;
  uint8_t *buf = read_file(path, &n);
  if (!buf) {
    fprintf(stderr, "bt_fuzz_run: cannot read %s\n", path);
    failures++;
    return;
  }
  snprintf(current, sizeof current, "%s", path);
  printf("BEGIN\t%s\n", path);
  fflush(stdout);   /* must be out before a crash can lose it */
  if (timeout_s) alarm(timeout_s);
  bt_fuzz_result r = bt_fuzz_one(buf, n);
  if (timeout_s) alarm(0);
  static const char *const cls[] = {"ok", "clear_error", "clear_error"};
  static const char *const stage[] = {"ran", "init", "invoke"};
  char msg[160];
  size_t k = 0;
  for (const char *e = r.error; e && *e && k + 1 < sizeof msg; e++)   /* keep the line one line */
    msg[k++] = (*e == '\n' || *e == '\t') ? ' ' : *e;
  msg[k] = '\0';
  printf("RESULT\t%s\t%s\t%s\t%s\t%s\n", cls[r.stage], stage[r.stage], bt_status_str(r.status), path, msg);
  fflush(stdout);
  counts[r.stage]++;
  free(buf);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) { fprintf(stderr, "bt_fuzz_run: cannot open %s\n", dir); failures++; return; }
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
      if (!nn) abort();
      names = nn;
    }
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    names[n] = malloc(len);
    if (!names[n]) abort();
    snprintf(names[n++], len, "%s/%s", dir, e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) run_one(names[i]);
    free(names[i]);
  }
  free(names);
}

static void run_path(const char *p) {
  struct stat st;
  if (stat(p, &st) != 0) { fprintf(stderr, "bt_fuzz_run: no such path %s\n", p); failures++; return; }
  if (S_ISDIR(st.st_mode)) run_dir(p);
  else run_one(p);
}

static void run_list(const char *list) {
  FILE *f = fopen(list, "r");
  if (!f) { fprintf(stderr, "bt_fuzz_run: cannot open list %s\n", list); failures++; return; }
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0]) run_path(line);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  static const char usage[] = "usage: %s [--timeout SEC] [--list FILE] [PATH...]\n";
  signal(SIGALRM, on_alarm);
  /* Options first (they apply to every input wherever they appear). */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fprintf(stderr, usage, argv[0]);
      return 0;
    }
    if (!strcmp(argv[i], "--timeout") && i + 1 < argc) timeout_s = (unsigned)strtoul(argv[++i], NULL, 10);
  }
  int inputs = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--timeout") && i + 1 < argc) i++;
    else if (!strcmp(argv[i], "--list") && i + 1 < argc) { run_list(argv[++i]); inputs++; }
    else { run_path(argv[i]); inputs++; }
  }
  if (!inputs) {
    fprintf(stderr, usage, argv[0]);
    return 2;
  }
  printf("DONE\tran=%u\tinit_error=%u\tinvoke_error=%u\n", counts[0], counts[1], counts[2]);
  return failures ? 2 : 0;
}
