/* Console on USART6, wired to the ST-LINK virtual COM port of the 32F413HDISCOVERY
 * (UM2135: PG14 = USART6_TX, PG9 = USART6_RX, alternate function AF8 per the STM32F413
 * datasheet's AF table). USART register layout: RM0430 26.6. */
#include "board.h"
#include "stm32_regs.h"

#define USART6_BASE 0x40011400u
#define USART_SR   REG32(USART6_BASE + 0x00u)
#define USART_DR   REG32(USART6_BASE + 0x04u)
#define USART_BRR  REG32(USART6_BASE + 0x08u)
#define USART_CR1  REG32(USART6_BASE + 0x0Cu)
#define USART_CR2  REG32(USART6_BASE + 0x10u)
#define USART_CR3  REG32(USART6_BASE + 0x14u)
#define USART_SR_TC  (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)
#define RCC_APB2ENR_USART6EN (1u << 5)
#define BAUD 115200u

void board_uart_init(void)
{
    stm32_gpio_clock_on(PORT_G);
    RCC_APB2ENR |= RCC_APB2ENR_USART6EN;
    (void)RCC_APB2ENR;
    stm32_gpio_alternate(PORT_G, 14, 8, 0);
    stm32_gpio_alternate(PORT_G, 9, 8, 1);

    /* 8N1, oversampling by 16: BRR = f_PCLK2 / baud (mantissa.fraction in 1/16ths). */
    USART_CR1 = 0u;
    USART_CR2 = 0u;
    USART_CR3 = 0u;
    USART_BRR = (stm32_pclk2_hz() + BAUD / 2u) / BAUD;
    USART_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void board_uart_putc(char c)
{
    /* Not enabled yet (e.g. a fault during clock set-up): drop, don't spin forever. */
    if (!(USART_CR1 & USART_CR1_UE))
        return;
    while (!(USART_SR & USART_SR_TXE)) {
    }
    USART_DR = (uint8_t)c;
}

void board_uart_flush(void)
{
    if (!(USART_CR1 & USART_CR1_UE))
        return;
    while (!(USART_SR & USART_SR_TC)) {
    }
}
