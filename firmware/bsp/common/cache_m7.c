/* Cortex-M7 L1 cache enable (ARMv7-M B2.2.7 cache maintenance; Cortex-M7 TRM 4.3.5 and
 * ARM's M7 programmer's guidance): caches must be invalidated before they are enabled
 * because their content after reset is unknown; DSB/ISB order the maintenance against
 * the enable. No globals: this runs before .data/.bss are set up. */
#include "cache_m7.h"
#include "cortex_m.h"

void cm7_icache_enable(void)
{
    cm_dsb();
    cm_isb();
    SCB_ICIALLU = 0u;           /* invalidate the whole I-cache */
    cm_dsb();
    cm_isb();
    SCB_CCR |= SCB_CCR_IC;
    cm_dsb();
    cm_isb();
}

void cm7_dcache_enable(void)
{
    SCB_CSSELR = 0u;            /* select the L1 data cache */
    cm_dsb();
    uint32_t ccsidr = SCB_CCSIDR;
    uint32_t sets = ((ccsidr >> 13) & 0x7FFFu) + 1u;
    uint32_t ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
    uint32_t line_shift = (ccsidr & 7u) + 4u;   /* log2(line bytes) */
    uint32_t way_shift = 32u;
    for (uint32_t w = ways - 1u; w; w >>= 1)    /* 32 - ceil(log2(ways)) */
        --way_shift;
    /* Invalidate by set/way (DCISW): way in the top bits, set above the line offset. */
    for (uint32_t set = 0; set < sets; ++set)
        for (uint32_t way = 0; way < ways; ++way)
            SCB_DCISW = (way_shift < 32u ? way << way_shift : 0u) | (set << line_shift);
    cm_dsb();
    SCB_CCR |= SCB_CCR_DC;
    cm_dsb();
    cm_isb();
}
