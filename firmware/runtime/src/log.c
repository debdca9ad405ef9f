/* Allocation-free printf subset (see bt/log.h). Output goes through a small
 * stack buffer to bt_platform_write so a UART sees few, larger writes. */
#include <stdint.h>
#include <string.h>
#include "bt/log.h"
#include "bt/platform.h"

typedef struct sink {
  char *buf;       /* snprintf target, or NULL for the platform */
  size_t cap, len; /* len counts every produced char (C semantics) */
  char tmp[64];
  size_t tlen;
} sink;

static void flush(sink *s) {
  if (!s->buf && s->tlen) bt_platform_write(s->tmp, s->tlen);
  s->tlen = 0;
}

static void put(sink *s, char c) {
  if (s->buf) {
    if (s->len + 1 < s->cap) s->buf[s->len] = c;
  } else {
    if (s->tlen == sizeof s->tmp) flush(s);
    s->tmp[s->tlen++] = c;
  }
  s->len++;
}

static void pad(sink *s, int n, char c) { while (n-- > 0) put(s, c); }

static void put_uint(sink *s, unsigned long long v, unsigned base, int upper,
                     int width, int zero, int neg) {
  char d[24];
  int n = 0;
  do {
    char c = "0123456789abcdef"[v % base];
    d[n++] = upper && c > '9' ? (char)(c - 'a' + 'A') : c;
    v /= base;
  } while (v);
  int len = n + (neg ? 1 : 0);
  if (!zero) pad(s, width - len, ' ');
  if (neg) put(s, '-');
  if (zero) pad(s, width - len, '0');
  while (n) put(s, d[--n]);
}

/* %f is linked only into images that print floats (newlib's _printf_float idea): an
 * app calls bt_log_enable_float() (log_float.c), which sets this hook; without it, %f
 * prints "?" and the double-formatting code and its soft-double helpers stay out. */
void (*bt_log_put_double)(void *sink, double v, int prec, int width, int zero);

void bt_log_putc(void *s, char c) { put((sink *)s, c); }
void bt_log_put_uint(void *s, unsigned long long v, int width, int zero, int neg) {
  put_uint((sink *)s, v, 10, 0, width, zero, neg);
}

static void format(sink *s, const char *f, va_list ap) {
  for (; *f; f++) {
    if (*f != '%') { put(s, *f); continue; }
    f++;
    int zero = 0, width = 0, prec = -1, lng = 0, left = 0;
    if (*f == '-') { left = 1; f++; }
    if (*f == '0') { zero = 1; f++; }
    while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
    if (*f == '.') {
      prec = 0;
      f++;
      if (*f == '*') { prec = va_arg(ap, int); f++; }
      else while (*f >= '0' && *f <= '9') prec = prec * 10 + (*f++ - '0');
    }
    while (*f == 'l') { lng++; f++; }
    if (*f == 'z') { lng = 2; f++; }
    size_t before = s->len;
    switch (*f) {
      case 'd': case 'i': {
        /* long is int on the boards: one va_arg path fewer there. */
        long long v = lng >= 2 ? va_arg(ap, long long)
                      : (lng && sizeof(long) != sizeof(int)) ? va_arg(ap, long) : va_arg(ap, int);
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        put_uint(s, u, 10, 0, left ? 0 : width, zero, v < 0);
        break;
      }
      case 'u': case 'x': case 'X': {
        unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long)
                               : (lng && sizeof(long) != sizeof(int)) ? va_arg(ap, unsigned long)
                                                                      : va_arg(ap, unsigned);
        put_uint(s, v, *f == 'u' ? 10 : 16, *f == 'X', left ? 0 : width, zero, 0);
        break;
      }
      case 'f': {
        double v = va_arg(ap, double);
        if (bt_log_put_double) bt_log_put_double(s, v, prec < 0 ? 6 : prec, left ? 0 : width, zero);
        else put(s, '?');
        break;
      }
      case 's': {
        const char *str = va_arg(ap, const char *);
        if (!str) str = "(null)";
        /* Never read past the precision: as in C, "%.*s" args need no NUL
         * (names inside the flatbuffer have none; found by firmware/fuzz). */
        size_t n = 0;
        while ((prec < 0 || n < (size_t)prec) && str[n]) n++;
        if (!left) pad(s, width - (int)n, ' ');
        for (size_t i = 0; i < n; i++) put(s, str[i]);
        break;
      }
      case 'c': put(s, (char)va_arg(ap, int)); break;
      case '%': put(s, '%'); break;
      case '\0': return;
      default: put(s, '%'); put(s, *f); break;
    }
    if (left) pad(s, width - (int)(s->len - before), ' ');
  }
}

int bt_vprintf(const char *fmt, va_list ap) {
  sink s = {0};
  format(&s, fmt, ap);
  flush(&s);
  return (int)s.len;
}

int bt_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = bt_vprintf(fmt, ap);
  va_end(ap);
  return n;
}

int bt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
  sink s = {0};
  s.buf = buf;
  s.cap = cap;
  format(&s, fmt, ap);
  if (cap) buf[s.len < cap ? s.len : cap - 1] = '\0';
  return (int)s.len;
}

int bt_snprintf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = bt_vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}
