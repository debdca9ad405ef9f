/* Boot, clock handshakes, UART lines, SysTick interrupts counting ms, DWT cycles. */
#include "tbsp.h"

static volatile uint32_t ticks;
void SysTick_Handler(void) { ticks++; }

static void delay_ms(uint32_t ms)
{
    uint32_t start = ticks;
    while (ticks - start < ms) __asm volatile("wfi");
}

int main(void)
{
    clock_init();
    uart_init();
    dwt_init();
    puts_("hello from the emulator\n");
    puts_("core_hz="); put_u32(core_hz()); uart_putc('\n');
    puts_("cpuid="); put_hex(SCB_CPUID); uart_putc('\n');
    SYST_RVR = core_hz() / 1000 - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;
    uint32_t c0 = DWT_CYCCNT;
    delay_ms(10);
    uint32_t c1 = DWT_CYCCNT;
    puts_("ms="); put_u32(ticks); uart_putc('\n');
    puts_("cycles="); put_u32(c1 - c0); uart_putc('\n');
    /* busy loop: SysTick must also interrupt running code */
    uint32_t t0 = ticks;
    for (volatile uint32_t i = 0; i < 20000; i++) {}
    puts_("busy_ticks="); put_u32(ticks - t0); uart_putc('\n');
    /* input echo */
    char line[32];
    int n = 0, c;
    while (n < 31 && (c = uart_getc()) >= 0 && c != '\n') line[n++] = (char)c;
    line[n] = 0;
    puts_("got="); puts_(line); uart_putc('\n');
    return 0;
}
