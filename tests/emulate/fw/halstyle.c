/* The register sequences STM32Cube HAL start-up performs (written out, no HAL sources):
 * priority grouping, SysTick priority, HAL_Delay on a SysTick-incremented tick, clock
 * enable read-back, voltage scaling ready flag, GPIO BSRR, and on the M7 the CMSIS
 * SCB_EnableICache / SCB_EnableDCache set/way invalidate loops. */
#include "tbsp.h"
static volatile uint32_t uwTick;
void SysTick_Handler(void) { uwTick++; }
static void HAL_Delay(uint32_t ms)
{
    uint32_t start = uwTick;
    while ((uwTick - start) < ms + 1) {}
}
#define SCB_AIRCR REG(0xE000ED0C)
#define SCB_SHPR3 REG(0xE000ED20)
#define GPIOA_MODER REG(0x40020000)
#define GPIOA_ODR REG(0x40020014)
#define GPIOA_BSRR REG(0x40020018)
#define RCC_AHB1ENR REG(0x40023830)
int main(void)
{
#ifdef BOARD_F769
    enable_icache();
    enable_dcache();
#endif
    SCB_AIRCR = 0x05FA0000u | (3u << 8);                  /* NVIC_PRIORITYGROUP_4 */
    *(volatile uint8_t *)0xE000ED23 = 0xF0;               /* SysTick priority (SHPR3 byte) */
    clock_init();
    uart_init();
    RCC_AHB1ENR |= 1u;                                    /* GPIOA clock, read back */
    (void)RCC_AHB1ENR;
    GPIOA_MODER = (GPIOA_MODER & ~(3u << 10)) | (1u << 10);
    GPIOA_BSRR = 1u << 5;
    uint32_t on = GPIOA_ODR & (1u << 5);
    GPIOA_BSRR = 1u << (5 + 16);
    uint32_t off = GPIOA_ODR & (1u << 5);
    SYST_RVR = core_hz() / 1000 - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;
    HAL_Delay(5);
    uint32_t ticks = uwTick;   /* before printing: the UART takes ~87 us a character */
    puts_("aircr="); put_hex(SCB_AIRCR); uart_putc('\n');
    puts_("shpr3="); put_hex(SCB_SHPR3); uart_putc('\n');
    puts_("gpio="); put_u32(on ? 1 : 0); put_u32(off ? 1 : 0); uart_putc('\n');
    puts_("ticks="); put_u32(ticks); uart_putc('\n');
    puts_("ccr="); put_hex(SCB_CCR); uart_putc('\n');
    return 0;
}
