/* Transmit time: 101 characters at 115200 baud, 8N1 (10 bits a frame), each sent by a
 * putc that waits for TXE before and TC after writing, timed with DWT CYCCNT. */
#include "tbsp.h"
int main(void)
{
    clock_init();
    uart_init();
    dwt_init();
    puts_("start\n");
    uint32_t c0 = DWT_CYCCNT;
    for (int i = 0; i < 100; i++) uart_putc('x');
    uart_putc('\n');
    uint32_t c1 = DWT_CYCCNT;
    puts_("cycles="); put_u32(c1 - c0); uart_putc('\n');
    return 0;
}
