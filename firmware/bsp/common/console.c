/* Console: bt_platform_write for the runtime's bt_printf, and the exit marker. */
#include <stddef.h>
#include "board.h"
#include "bsp/bsp.h"
#include "bt/platform.h"
#include "cortex_m.h"
#include "timing.h"

void bt_platform_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        board_uart_putc(s[i]);
}

void bsp_exit(int code)
{
    char buf[32] = "BOARDTWIN-EXIT ";
    size_t n = 15;
    unsigned v = code < 0 ? (unsigned)-code : (unsigned)code;
    char digits[12];
    size_t d = 0;
    do {
        digits[d++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    if (code < 0)
        buf[n++] = '-';
    while (d)
        buf[n++] = digits[--d];
    buf[n++] = '\n';
    bt_platform_write(buf, n);
    board_uart_flush();
    /* Nothing left to wake the core: a debugger/emulator sees a quiet WFI. */
    bsp_timing_stop();
    cm_disable_irq();
    for (;;)
        cm_wfi();
}
