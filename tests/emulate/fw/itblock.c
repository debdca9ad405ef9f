/* SysTick arriving inside IT blocks. Exception entry must clear the IT state (the
 * handler's own instructions are unconditional) and the return must restore it
 * from the stacked xPSR (the rest of the block keeps its condition).
 * Unicorn ends a translation block at a page boundary, and the emulator takes
 * interrupts between blocks, so each IT block here straddles a page boundary: that
 * is where an interrupt can land inside it. */
#include "tbsp.h"
static volatile uint32_t ticks, handler_saw;

void SysTick_Handler(void)
{
    ticks++;
    handler_saw += 3;
}

/* acc + 4 (condition true) and acc (condition false), IT blocks across a page. */
uint32_t it_taken(uint32_t x, uint32_t acc);
uint32_t it_skipped(uint32_t x, uint32_t acc);
__asm__(
    "  .pushsection .text.itblock,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .balign 4096\n"
    "  .space 4084\n"
    "  .global it_taken\n"
    "  .thumb_func\n"
    "it_taken:\n"
    "  mov r0, r1\n"
    "  adds r0, r0, #4\n"
    "  cmp r0, r0\n"
    "  ittt eq\n"
    "  moveq r1, r1\n"
    "  moveq r1, r1\n"         /* page boundary after this one */
    "  bxeq lr\n"              /* the last instruction of the block: a branch */
    "  movs r0, #0\n"
    "  bx lr\n"
    "  .balign 4096\n"
    "  .space 4086\n"
    "  .global it_skipped\n"
    "  .thumb_func\n"
    "it_skipped:\n"
    "  mov r0, r1\n"
    "  cmp r0, r0\n"
    "  ittt ne\n"
    "  addne r0, r0, #1\n"
    "  addne r0, r0, #1\n"     /* page boundary after this one */
    "  bxne lr\n"
    "  bx lr\n"
    "  .popsection\n");

int main(void)
{
    uart_init();
#ifndef PERIOD
#define PERIOD 97
#endif
    SYST_RVR = PERIOD - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;
    uint32_t taken = 0, skipped = 0;
    for (uint32_t i = 0; i < 20000; i++) {
        taken = it_taken(i, taken);
        skipped = it_skipped(i, skipped);
    }
    SYST_CSR = 0;
    puts_("taken="); put_u32(taken); uart_putc('\n');
    puts_("skipped="); put_u32(skipped); uart_putc('\n');
    puts_("ticks_ok="); put_u32(ticks > 100 && handler_saw == 3 * ticks); uart_putc('\n');
    return 0;
}
