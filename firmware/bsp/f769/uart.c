/* Console on USART1, wired to the ST-LINK virtual COM port of the 32F769IDISCOVERY
 * (UM2033: PA9 = USART1_TX, PA10 = USART1_RX, AF7). The F7 USART has the newer register
 * layout (RM0410 34.8: CR1 UE is bit 0, ISR/TDR separate). USART1's kernel clock is PCLK2
 * (RCC_DCKCFGR2.USART1SEL = 00 at reset). */
#include "board.h"
#include "stm32_regs.h"

#define USART1_BASE 0x40011000u
#define USART_CR1  REG32(USART1_BASE + 0x00u)
#define USART_CR2  REG32(USART1_BASE + 0x04u)
#define USART_CR3  REG32(USART1_BASE + 0x08u)
#define USART_BRR  REG32(USART1_BASE + 0x0Cu)
#define USART_ISR  REG32(USART1_BASE + 0x1Cu)
#define USART_TDR  REG32(USART1_BASE + 0x28u)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_TC  (1u << 6)
#define USART_ISR_TXE (1u << 7)
#define RCC_APB2ENR_USART1EN (1u << 4)
#define BAUD 115200u

void board_uart_init(void)
{
    stm32_gpio_clock_on(PORT_A);
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    (void)RCC_APB2ENR;
    stm32_gpio_alternate(PORT_A, 9, 7, 0);
    stm32_gpio_alternate(PORT_A, 10, 7, 1);

    /* 8N1, oversampling by 16: BRR = f_CK / baud (RM0410 34.5.7). */
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
    while (!(USART_ISR & USART_ISR_TXE)) {
    }
    USART_TDR = (uint8_t)c;
}

void board_uart_flush(void)
{
    if (!(USART_CR1 & USART_CR1_UE))
        return;
    while (!(USART_ISR & USART_ISR_TC)) {
    }
}
