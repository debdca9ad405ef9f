/* Minimal Cortex-M start-up for the emulator tests: vector table, .data/.bss set-up. */
#include <stdint.h>

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);
void tb_exit(int code);

void Reset_Handler(void)
{
    uint32_t *s = &_sidata, *d = &_sdata;
#ifdef ENABLE_FPU
    /* As CMSIS SystemInit: grant CP10/CP11 before any code may touch FP registers. */
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
    __asm volatile("dsb\n isb");
#endif
    while (d < &_edata) *d++ = *s++;
    for (d = &_sbss; d < &_ebss;) *d++ = 0;
    tb_exit(main());
}

void Default_Handler(void) { for (;;) {} }
void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void USART_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

__attribute__((section(".isr_vector"), used))
void (*const vectors[16 + 112])(void) = {
    (void (*)(void))&_estack, Reset_Handler, Default_Handler, HardFault_Handler,
    Default_Handler, Default_Handler, UsageFault_Handler, 0, 0, 0, 0, SVC_Handler,
    Default_Handler, 0, PendSV_Handler, SysTick_Handler,
    [16 + 37] = USART_IRQHandler, [16 + 71] = USART_IRQHandler,
};
