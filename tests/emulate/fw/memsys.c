/* The memory system matters: one int8 dot product (weights in flash, activations in
 * RAM) timed with DWT CYCCNT under the configuration the defines select:
 *   ACR=<value>  F413: FLASH_ACR after clock set-up (wait states, ART on/off)
 *   CACHES       F769: L1 I/D caches on (invalidate, then CCR.IC/DC)
 *   ITCM         F769: the loop copied into ITCM RAM and run from there */
#include "tbsp.h"
extern const int8_t weights[4096];
extern const char dot_asm[], dot_asm_end[];
static int8_t act[4096];


int main(void)
{
    clock_init();
#ifdef ACR
    FLASH_ACR = ACR;
    while ((FLASH_ACR & 0xF) != (ACR & 0xF)) {}
#endif
#ifdef CACHES
    enable_icache();
    enable_dcache();
#endif
    uart_init();
    dwt_init();
    for (int i = 0; i < 4096; i++) act[i] = (int8_t)(i * 13 + 1);
    int32_t (*dot)(const int8_t *, const int8_t *, int) =
        (int32_t (*)(const int8_t *, const int8_t *, int))((uintptr_t)dot_asm | 1);
#ifdef ITCM
    const volatile uint16_t *src = (const uint16_t *)((uintptr_t)dot_asm & ~1u);
    volatile uint16_t *itcm = (volatile uint16_t *)0x00000000;   /* no libc here */
    __asm volatile("" : "+r"(itcm));   /* address 0 is ITCM RAM, not a null pointer */
    for (int i = 0; i < (dot_asm_end - dot_asm + 1) / 2; i++) itcm[i] = src[i];
    __asm volatile("dsb\n isb");
    dot = (int32_t (*)(const int8_t *, const int8_t *, int))(uintptr_t)1;
#endif
    int32_t acc = dot(weights, act, 64);          /* warm-up: same state for every build */
    uint32_t c0 = DWT_CYCCNT;
    for (int r = 0; r < 8; r++) acc += dot(weights, act, 4000);
    uint32_t c1 = DWT_CYCCNT;
    puts_("acc="); put_hex((uint32_t)acc); uart_putc('\n');
    puts_("cycles="); put_u32(c1 - c0); uart_putc('\n');
    return 0;
}
