/* 1 kHz SysTick millisecond counter (ARMv7-M B3.3) and the DWT cycle counter
 * (ARMv7-M C1.8.8: DEMCR.TRCENA then DWT_CTRL.CYCCNTENA). */
#include "bt/platform.h"
#include "cortex_m.h"
#include "startup.h"
#include "timing.h"

static volatile uint32_t ms_ticks;

void SysTick_Handler(void) { ms_ticks++; }

void bsp_timing_init(uint32_t core_hz)
{
    SYST_CSR = 0u;
    SYST_RVR = core_hz / 1000u - 1u; /* 24-bit reload: fine up to 16.7 GHz/1000 */
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;

    DEMCR |= DEMCR_TRCENA;
    DWT_LAR = 0xC5ACCE55u; /* CoreSight unlock; ignored where there is no lock (M4) */
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

void bsp_timing_stop(void) { SYST_CSR = 0u; }

uint32_t bsp_millis(void) { return ms_ticks; }

uint32_t bt_platform_cycles(void) { return DWT_CYCCNT; }
