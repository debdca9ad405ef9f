/* Fault and unexpected-exception reporting. Writes straight to the UART with its own
 * hex formatting so that it works whatever state the runtime or the heap-free printf
 * is in, then ends the run with exit code 3 (see docs/architecture.md). */
#include <stdint.h>
#include "board.h"
#include "bsp/bsp.h"
#include "cortex_m.h"
#include "startup.h"

static void fault_puts(const char *s)
{
    while (*s)
        board_uart_putc(*s++);
}

static void fault_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    fault_puts("0x");
    for (int shift = 28; shift >= 0; shift -= 4)
        board_uart_putc(digits[(v >> shift) & 0xFu]);
}

/* Called from the naked HardFault_Handler with the stacked exception frame
 * (r0 r1 r2 r3 r12 lr pc xpsr, ARMv7-M B1.5.6). */
__attribute__((used, noreturn)) void bsp_fault_report(const uint32_t *frame)
{
    fault_puts("ERROR: HardFault pc=");
    fault_hex(frame[6]);
    fault_puts(" CFSR=");
    fault_hex(SCB_CFSR);
    fault_puts(" HFSR=");
    fault_hex(SCB_HFSR);
    fault_puts("\n");
    bsp_exit(3);
}

/* Pick the stack the frame was pushed on (EXC_RETURN bit 2) and hand it to C. */
__attribute__((naked)) void HardFault_Handler(void)
{
    __asm volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "b bsp_fault_report\n");
}

__attribute__((noreturn)) void Default_Handler(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    fault_puts("ERROR: unexpected exception ");
    fault_hex(ipsr & 0x1FFu);
    fault_puts("\n");
    bsp_exit(3);
}
