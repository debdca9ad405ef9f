/* Minimal formatted output: %d %i %u %x %X %s %c %% with optional width,
 * '0' flag and 'l' length modifier, plus %f taking a double printed with
 * a fixed number of decimals (%.Nf, default 6) once bt_log_enable_float() has
 * been called (else "?": images that print no float leave that code out). Hand-written rather than
 * newlib's printf because newlib's float printf alone costs ~15 kB flash
 * and needs the heap; this one is allocation-free and a few hundred bytes. */
#ifndef BT_LOG_H
#define BT_LOG_H
#include <stdarg.h>
#include <stddef.h>

int bt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int bt_vprintf(const char *fmt, va_list ap);
/* Format into buf (always NUL-terminated when cap > 0); returns length. */
int bt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int bt_snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Links and turns on %f (newlib's _printf_float idea). */
void bt_log_enable_float(void);

#endif
