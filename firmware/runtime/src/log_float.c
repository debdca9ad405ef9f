/* %f for bt_printf, linked only when an app calls bt_log_enable_float() (see log.c). */
#include "bt/log.h"

void bt_log_putc(void *s, char c);
void bt_log_put_uint(void *s, unsigned long long v, int width, int zero, int neg);
extern void (*bt_log_put_double)(void *sink, double v, int prec, int width, int zero);

static void put_double(void *s, double v, int prec, int width, int zero) {
  if (v != v) {
    for (int i = 3; i < width; i++) bt_log_putc(s, ' ');
    bt_log_putc(s, 'n'); bt_log_putc(s, 'a'); bt_log_putc(s, 'n');
    return;
  }
  int neg = v < 0 || (v == 0 && 1 / v < 0);
  if (neg) v = -v;
  if (prec > 9) prec = 9;
  unsigned long long scale = 1;
  for (int i = 0; i < prec; i++) scale *= 10;
  if (v > 1.8e19 / (double)scale) {  /* too large for fixed digits: print 'inf' */
    if (neg) bt_log_putc(s, '-');
    bt_log_putc(s, 'i'); bt_log_putc(s, 'n'); bt_log_putc(s, 'f');
    return;
  }
  /* Round half to even on exact ties, like glibc's printf (0.125 -> "0.12"). */
  double scaled = v * (double)scale;
  unsigned long long all = (unsigned long long)scaled;
  double frac = scaled - (double)all;
  if (frac > 0.5 || (frac == 0.5 && (all & 1))) all++;
  unsigned long long ip = all / scale, fp = all % scale;
  /* Width covers the whole number; emit integer part padded accordingly. */
  int iw = width - (prec ? prec + 1 : 0);
  bt_log_put_uint(s, ip, iw, zero, neg);
  if (prec) {
    bt_log_putc(s, '.');
    bt_log_put_uint(s, fp, prec, 1, 0);
  }
}

void bt_log_enable_float(void) { bt_log_put_double = put_double; }
