/* SysTick in every situation the emulator's native tick path (native_tick.py) must hand
 * over to Python: a handler that reads peripherals, pends PendSV, calls SVC (nested,
 * higher priority), runs longer than the tick period; ticks masked by BASEPRI and
 * PRIMASK; COUNTFLAG read in thread code between natively taken ticks; a priority
 * change while ticking. The same ELF must give identical results with the native path
 * on and off (tests/emulate/test_native_tick.py). */
#include "tbsp.h"

#define SHPR2 REG(0xE000ED1C)   /* SVCall priority, byte 3 */
#define SHPR3 REG(0xE000ED20)   /* PendSV byte 2, SysTick byte 3 */

static volatile uint32_t ticks, pendsv_hits, svc_hits, cvr_sum, mode, long_ticks;

void SVC_Handler(void) { svc_hits++; }
void PendSV_Handler(void) { pendsv_hits++; }

void SysTick_Handler(void)
{
    ticks++;
    switch (mode) {
    case 1: cvr_sum += SYST_CVR & 0xF; break;                  /* MMIO read inside */
    case 2: if (!(ticks & 3)) SCB_ICSR = 1u << 28; break;      /* pend PendSV (tail-chain) */
    case 3: if (!(ticks & 7)) __asm volatile("svc #0"); break; /* nested SVC */
    case 4:                                                    /* longer than a period */
        if (!(ticks & 15)) {
            long_ticks++;
            for (volatile int i = 0; i < 3000; i++) {}
        }
        break;
    default: break;
    }
}

static uint32_t spin(uint32_t n)
{
    uint32_t acc = 0;
    for (volatile uint32_t i = 0; i < n; i++) acc += i ^ (acc >> 3);
    return acc;
}

static void report(const char *what, uint32_t v)
{
    puts_(what); puts_("="); put_u32(v); uart_putc('\n');
}

int main(void)
{
    uart_init();
    SHPR2 = 0x00u << 24;                 /* SVCall: most urgent */
    SHPR3 = (0xF0u << 24) | (0xF0u << 16); /* SysTick, PendSV: least urgent */
    SYST_RVR = 999;                      /* a tick every 1000 cycles */
    SYST_CVR = 0;
    SYST_CSR = 7;

    spin(2000);                          /* phase 0: plain ticks */
    report("plain", ticks > 20);

    uint32_t flags = 0;                  /* COUNTFLAG: set by a wrap, cleared by the read */
    for (int k = 0; k < 50; k++) {
        spin(40);
        flags += (SYST_CSR >> 16) & 1;
    }
    report("countflag_seen", flags > 0);

    mode = 1; spin(2000); report("mmio_in_handler", cvr_sum > 0);
    mode = 2; spin(2000); report("pendsv", pendsv_hits > 0);
    mode = 3; spin(2000); report("svc_nested", svc_hits > 0);
    mode = 4; spin(4000); report("long_handler", long_ticks > 0);
    mode = 0;

    uint32_t t0 = ticks;                 /* BASEPRI masks SysTick (0xF0 >= 0x80) */
    __asm volatile("msr basepri, %0" :: "r"(0x80u));
    spin(2000);
    uint32_t masked = ticks - t0;
    __asm volatile("msr basepri, %0" :: "r"(0u));
    spin(200);
    report("basepri_masked", masked == 0 && ticks > t0);

    t0 = ticks;                          /* PRIMASK */
    __asm volatile("cpsid i");
    spin(2000);
    masked = ticks - t0;
    __asm volatile("cpsie i");
    spin(200);
    report("primask_masked", masked == 0 && ticks > t0);

    SHPR3 = (0x40u << 24) | (0xF0u << 16); /* re-prioritise while ticking */
    t0 = ticks;
    spin(2000);
    report("reprioritised", ticks > t0);

    SYST_CSR = 0;
    report("ticks", ticks);
    report("pendsv_hits", pendsv_hits);
    report("svc_hits", svc_hits);
    tb_exit(0);
    return 0;
}
