#include "tbsp.h"

static uint32_t g_core_hz = 16000000u;

void uart_init(void)
{
#ifdef BOARD_F769
    RCC_APB2ENR |= 1u << 4;
    REG(USART_BASE + 0x0C) = g_core_hz / 2 / 115200; /* BRR (APB2 = HCLK/2) */
    REG(USART_BASE + 0x00) = (1u << 3) | (1u << 2) | 1u; /* TE RE UE */
    while (!(REG(USART_BASE + 0x1C) & (1u << 21))) {}   /* TEACK */
#else
    RCC_APB2ENR |= 1u << 5;
    REG(USART_BASE + 0x08) = g_core_hz / 115200;
    REG(USART_BASE + 0x0C) = (1u << 13) | (1u << 3) | (1u << 2); /* UE TE RE */
#endif
}

void uart_putc(char c)
{
#ifdef BOARD_F769
    while (!(REG(USART_BASE + 0x1C) & (1u << 7))) {}
    REG(USART_BASE + 0x28) = (uint8_t)c;
    while (!(REG(USART_BASE + 0x1C) & (1u << 6))) {}
#else
    while (!(REG(USART_BASE + 0x00) & (1u << 7))) {}
    REG(USART_BASE + 0x04) = (uint8_t)c;
    while (!(REG(USART_BASE + 0x00) & (1u << 6))) {}
#endif
}

int uart_getc(void)
{
#ifdef BOARD_F769
    if (REG(USART_BASE + 0x1C) & (1u << 5)) return (int)(REG(USART_BASE + 0x24) & 0xFF);
#else
    if (REG(USART_BASE + 0x00) & (1u << 5)) return (int)(REG(USART_BASE + 0x04) & 0xFF);
#endif
    return -1;
}

void puts_(const char *s) { while (*s) uart_putc(*s++); }

void put_u32(uint32_t v)
{
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do { buf[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    puts_(&buf[i]);
}

void put_hex(uint32_t v)
{
    puts_("0x");
    for (int s = 28; s >= 0; s -= 4) uart_putc("0123456789abcdef"[(v >> s) & 0xF]);
}

void clock_init(void)
{
    RCC_APB1ENR |= 1u << 28; /* PWR clock */
    RCC_CR |= 1u << 16;      /* HSEON */
    while (!(RCC_CR & (1u << 17))) {}
#ifdef BOARD_F769
    PWR_CR1 |= 3u << 14;     /* VOS scale 1 */
    /* 25 MHz HSE / 25 * 432 / 2 = 216 MHz, Q = 9 */
    RCC_PLLCFGR = 25u | (432u << 6) | (0u << 16) | (1u << 22) | (9u << 24);
    RCC_CR |= 1u << 24;
    while (!(RCC_CR & (1u << 25))) {}
    PWR_CR1 |= 1u << 16;     /* over-drive */
    while (!(PWR_CSR1 & (1u << 16))) {}
    PWR_CR1 |= 1u << 17;     /* over-drive switch */
    while (!(PWR_CSR1 & (1u << 17))) {}
    FLASH_ACR = 7u | (1u << 8) | (1u << 9);
    while ((FLASH_ACR & 0xF) != 7u) {}
    RCC_CFGR = (5u << 10) | (4u << 13); /* APB1 /4, APB2 /2 */
    g_core_hz = 216000000u;
#else
    PWR_CR1 |= 3u << 14;
    /* 8 MHz HSE / 8 * 400 / 4 = 100 MHz */
    RCC_PLLCFGR = 8u | (400u << 6) | (1u << 16) | (1u << 22) | (8u << 24) | (2u << 28);
    RCC_CR |= 1u << 24;
    while (!(RCC_CR & (1u << 25))) {}
    FLASH_ACR = 3u | (1u << 8) | (1u << 9) | (1u << 10);
    while ((FLASH_ACR & 0xF) != 3u) {}
    RCC_CFGR = (4u << 10); /* APB1 /2 */
    g_core_hz = 100000000u;
#endif
    RCC_CFGR = (RCC_CFGR & ~3u) | 2u; /* SW = PLL */
    while (((RCC_CFGR >> 2) & 3u) != 2u) {}
}

uint32_t core_hz(void) { return g_core_hz; }

void dwt_init(void)
{
    DEMCR |= 1u << 24;
    REG(0xE0001FB0) = 0xC5ACCE55; /* LAR (M7) */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;
}

void tb_exit(int code)
{
    puts_("BOARDTWIN-EXIT ");
    if (code < 0) { uart_putc('-'); code = -code; }
    put_u32((uint32_t)code);
    uart_putc('\n');
    for (;;) __asm volatile("wfi");
}

#ifdef BOARD_F769
void enable_icache(void)
{
    __asm volatile("dsb\n isb");
    REG(0xE000EF50) = 0;                         /* ICIALLU */
    __asm volatile("dsb\n isb");
    REG(0xE000ED14) |= 1u << 17;                 /* CCR.IC */
    __asm volatile("dsb\n isb");
}

void enable_dcache(void)
{
    REG(0xE000ED84) = 0;                         /* CSSELR: L1 data */
    __asm volatile("dsb");
    uint32_t ccsidr = REG(0xE000ED80);
    uint32_t sets = (ccsidr >> 13) & 0x7FFF;
    do {
        uint32_t ways = (ccsidr >> 3) & 0x3FF;
        do {
            REG(0xE000EF60) = ((sets << 5) & 0x3FE0) | ((ways << 30) & 0xC0000000); /* DCISW */
        } while (ways-- != 0);
    } while (sets-- != 0);
    __asm volatile("dsb");
    REG(0xE000ED14) |= 1u << 16;                 /* CCR.DC */
    __asm volatile("dsb\n isb");
}
#endif
