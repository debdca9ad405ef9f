/* Instruction-cache conflicts: functions 8 KB apart share a set of the F413 ART
 * (32 sets x 2 ways x 16 B) and of the F769 L1 I-cache (256 sets x 2 ways x 32 B).
 * Two of them alternate (way swaps), a third and fourth evict (misses), and a loop of
 * blocks in other sets must keep hitting. Checks the hook's exact I-cache shortcut.
 * -DINVALIDATE (F769): the cache is also invalidated while on, now and then. */
#include "tbsp.h"
#define F(n) __attribute__((noinline, aligned(8192))) int f##n(int x) { return x * 3 + n; }
F(0) F(1) F(2) F(3)
static volatile uint32_t ticks;
void SysTick_Handler(void) { ticks++; }
int main(void)
{
#ifdef BOARD_F769
    enable_icache();
#endif
    clock_init();
    uart_init();
    SYST_RVR = 2000 - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;
    int acc = 1;
    for (int r = 0; r < 3000; r++) {
        acc = f0(acc);
        acc = f1(acc);
        if (r % 3 == 0) acc = f2(acc);
        if (r % 7 == 0) acc = f3(acc) + f2(acc);
        for (int k = 0; k < (r & 7); k++) acc ^= acc >> 3;
#if defined(INVALIDATE) && defined(BOARD_F769)
        if (r % 500 == 250) {            /* SCB_InvalidateICache with the cache on */
            __asm volatile("dsb");
            REG(0xE000EF50) = 0;         /* ICIALLU */
            __asm volatile("dsb\n isb");
        }
#endif
    }
    puts_("acc="); put_hex((uint32_t)acc); puts_(" ticks="); put_u32(ticks); uart_putc('\n');
    return 0;
}
