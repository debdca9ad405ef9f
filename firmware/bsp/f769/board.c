/* 32F769IDISCOVERY specifics: user LED, and L1 caches on before anything runs. */
#include "board.h"
#include "cache_m7.h"
#include "stm32_regs.h"

/* LD2 green on PJ5, active high (UM2033 LED section). */
#define LED_PORT PORT_J
#define LED_PIN 5u

void board_early_init(void)
{
    cm7_icache_enable();
    cm7_dcache_enable();
}

void board_led_init(void)
{
    stm32_gpio_clock_on(LED_PORT);
    board_led_write(0);
    stm32_gpio_output(LED_PORT, LED_PIN);
}

void board_led_write(int on)
{
    GPIO_BSRR(LED_PORT) = on ? (1u << LED_PIN) : (1u << (LED_PIN + 16u));
}
