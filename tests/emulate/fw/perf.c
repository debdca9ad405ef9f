/* Throughput workload: int8 dot products (TinyML-like inner loop) with SysTick at 1 kHz. */
#include "tbsp.h"
#ifndef ROUNDS
#define ROUNDS 2000
#endif
static volatile uint32_t ticks;
void SysTick_Handler(void) { ticks++; }
#ifdef WEIGHTS_IN_FLASH
extern const int8_t flash_wts[4096];
#define wts flash_wts
static int8_t act[4096];
#else
static int8_t wts[4096], act[4096];
#endif
__attribute__((noinline)) int32_t dot(const int8_t *a, const int8_t *b, int n)
{
    int32_t s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
int main(void)
{
    clock_init();
    uart_init();
    dwt_init();
    SYST_RVR = core_hz() / 1000 - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;
    for (int i = 0; i < 4096; i++) {
#ifndef WEIGHTS_IN_FLASH
        wts[i] = (int8_t)(i * 7);
#endif
        act[i] = (int8_t)(i * 13 + 1);
    }
    int32_t acc = 0;
    uint32_t c0 = DWT_CYCCNT;
    for (int r = 0; r < ROUNDS; r++) acc += dot(wts + (r & 63), act, 4000);
    uint32_t c1 = DWT_CYCCNT;
    puts_("acc="); put_hex((uint32_t)acc); uart_putc('\n');
    puts_("cycles="); put_u32(c1 - c0); puts_(" ms="); put_u32(ticks); uart_putc('\n');
    return 0;
}
