/* Hooks the runtime needs from whatever it runs on (a board BSP or the host).
 * Kept to three functions so the same runtime sources build everywhere. */
#ifndef BT_PLATFORM_H
#define BT_PLATFORM_H
#include <stddef.h>
#include <stdint.h>

/* Write n bytes of text to the console (UART on a board, stdout on the host). */
void bt_platform_write(const char *s, size_t n);
/* Free-running cycle counter (DWT CYCCNT on a board). Wraps at 2^32. */
uint32_t bt_platform_cycles(void);
/* Core clock in Hz, as configured (for cycles -> ms). 0 if unknown. */
uint32_t bt_platform_core_hz(void);

#endif
