/* 32F413HDISCOVERY specifics: user LED and early init (the M4 has no L1 caches). */
#include "board.h"
#include "stm32_regs.h"

/* LD3 green on PC5 (LD4 red is PE3), per UM2135; active low like the other F4
 * Discovery kits' user LEDs -- flip LED_ACTIVE_LOW if the board shows the opposite. */
#define LED_PORT PORT_C
#define LED_PIN 5u
#define LED_ACTIVE_LOW 1

void board_early_init(void) {}

void board_led_init(void)
{
    stm32_gpio_clock_on(LED_PORT);
    board_led_write(0);
    stm32_gpio_output(LED_PORT, LED_PIN);
}

void board_led_write(int on)
{
    int level = LED_ACTIVE_LOW ? !on : on;
    GPIO_BSRR(LED_PORT) = level ? (1u << LED_PIN) : (1u << (LED_PIN + 16u));
}
