/* Prints the cycle count of each microbenchmark in bench_m.S, at reset clocks
 * (HSI 16 MHz, zero flash wait states). */
#include "tbsp.h"
typedef uint32_t (*bench_fn)(volatile uint32_t *, uint32_t *);
#define B(n) extern uint32_t bench_##n(volatile uint32_t *, uint32_t *);
B(empty) B(ldr_indep8) B(ldr_dep8) B(ldr_str) B(str_str) B(mla8) B(smlad4) B(alu8)
B(b_taken4) B(b_not_taken4) B(loop10) B(ldm4) B(stm4) B(push_pop4)
static uint32_t mem[16];
static const struct { const char *name; bench_fn fn; } benches[] = {
#define E(n) {#n, bench_##n},
    E(empty) E(ldr_indep8) E(ldr_dep8) E(ldr_str) E(str_str) E(mla8) E(smlad4) E(alu8)
    E(b_taken4) E(b_not_taken4) E(loop10) E(ldm4) E(stm4) E(push_pop4)
};
int main(void)
{
    uart_init();
    dwt_init();
    mem[0] = (uint32_t)&mem[0];
    for (unsigned i = 0; i < sizeof benches / sizeof benches[0]; i++) {
        uint32_t c = benches[i].fn(&DWT_CYCCNT, mem);
        puts_("bench "); puts_(benches[i].name); uart_putc('='); put_u32(c); uart_putc('\n');
    }
    return 0;
}
