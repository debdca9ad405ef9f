/* GPIO pin configuration (RM0430 7.3 / RM0410 6.3: MODER, OTYPER, OSPEEDR, PUPDR, AFR). */
#include "stm32_regs.h"

void stm32_gpio_clock_on(unsigned port)
{
    RCC_AHB1ENR |= 1u << port;
    (void)RCC_AHB1ENR; /* read back: the errata asks for a delay after enabling a clock */
}

void stm32_gpio_output(unsigned port, unsigned pin)
{
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << (2 * pin))) | (1u << (2 * pin));
    GPIO_OTYPER(port) &= ~(1u << pin);                       /* push-pull */
    GPIO_OSPEEDR(port) &= ~(3u << (2 * pin));                /* low speed is enough for a LED */
    GPIO_PUPDR(port) &= ~(3u << (2 * pin));
}

void stm32_gpio_alternate(unsigned port, unsigned pin, unsigned af, int pull_up)
{
    volatile uint32_t *afr = pin < 8 ? &GPIO_AFRL(port) : &GPIO_AFRH(port);
    unsigned shift = 4 * (pin & 7u);
    *afr = (*afr & ~(0xFu << shift)) | (af << shift);
    GPIO_OTYPER(port) &= ~(1u << pin);
    GPIO_OSPEEDR(port) = (GPIO_OSPEEDR(port) & ~(3u << (2 * pin))) | (2u << (2 * pin)); /* high */
    GPIO_PUPDR(port) = (GPIO_PUPDR(port) & ~(3u << (2 * pin))) | ((pull_up ? 1u : 0u) << (2 * pin));
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << (2 * pin))) | (2u << (2 * pin));
}
