/* Reset handler in C: FPU on, board early init (caches), .data/.itcm_text copy, .bss
 * zeroing, stack painting (for bsp_stack_peak), then main(). Symbols come from the
 * board's linker script. */
#include <stdint.h>
#include "board.h"
#include "bsp/bsp.h"
#include "cortex_m.h"
#include "startup.h"

extern uint32_t _sidata[], _sdata[], _edata[];
extern uint32_t _siitcm[], _sitcm[], _eitcm[];
extern uint32_t _sbss[], _ebss[], _ssram_bss[], _esram_bss[];
extern uint32_t _sstack[], _estack[];
extern const bsp_vector_t bsp_vectors[];
int main(void);

/* Plain word loops: the run-time library is not usable until memory is set up. */
static void copy_words(const uint32_t *src, uint32_t *dst, const uint32_t *end)
{
    while (dst < end)
        *dst++ = *src++;
}

static void zero_words(uint32_t *dst, const uint32_t *end)
{
    while (dst < end)
        *dst++ = 0u;
}

void Reset_Handler(void)
{
    /* CP10/CP11 full access (ARMv7-M B3.2.20) before any floating-point instruction;
     * the barriers make the new access rights visible to the next instruction. */
    SCB_CPACR |= 0xFu << 20;
    cm_dsb();
    cm_isb();

    board_early_init();

    copy_words(_sidata, _sdata, _edata);
    copy_words(_siitcm, _sitcm, _eitcm);
    zero_words(_sbss, _ebss);
    zero_words(_ssram_bss, _esram_bss);
    /* Code was just written to ITCM through the data side: make it fetchable. */
    cm_dsb();
    cm_isb();

    /* Paint the unused stack below the current frame (the stack grows down from _estack). */
    uint32_t *paint_end = (uint32_t *)((cm_get_sp() - 64u) & ~3u);
    for (uint32_t *p = _sstack; p < paint_end; ++p)
        *p = BSP_STACK_PAINT;

    SCB_VTOR = (uint32_t)(uintptr_t)bsp_vectors;
    cm_dsb();

    (void)main();
    bsp_exit(1); /* main is not supposed to return */
}
