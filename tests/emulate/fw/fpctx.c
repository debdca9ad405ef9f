/* Float context across interrupts: the SysTick handler does float arithmetic while
 * the thread accumulates floats; hardware (lazy stacking) keeps s0-s15 intact. */
#include "tbsp.h"
static volatile float isr_acc;
static volatile uint32_t ticks;
static volatile int rounds = 3000;
void SysTick_Handler(void)
{
    float x = isr_acc;
    for (int i = 0; i < 4; i++) x = x * 1.5f + 0.25f;
    isr_acc = x > 1e6f ? 0.0f : x;
    ticks++;
}
__attribute__((noinline)) float work(int n)
{
    float a = 0.0f, b = 1.0f, c = 0.5f;
    for (int i = 0; i < n; i++) { a += b * c; b += 0.125f; c = c * 0.999f + 0.001f; }
    return a;
}
int main(void)
{
    uart_init();
    float ref = work(rounds);  /* no interrupts yet */
    SYST_RVR = 499;
    SYST_CVR = 0;
    SYST_CSR = 7;
    float got = work(rounds);  /* interrupted every 500 cycles */
    SYST_CSR = 0;
    puts_(ticks > 10 ? "ticks ok\n" : "too few ticks\n");
    puts_(got == ref ? "fp context preserved\n" : "fp context CORRUPTED\n");
    return got == ref ? 0 : 1;
}
