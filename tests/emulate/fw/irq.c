/* Interrupt plumbing: PendSV via ICSR, SVC, a USART RX interrupt, PRIMASK masking,
 * priorities (nested pre-emption) and the FPU context kept across an ISR. */
#include "tbsp.h"
static volatile uint32_t pendsv_hits, svc_hits, rx_hits, order_idx;
static volatile char rx_buf[8];
static volatile uint32_t order[4];
void PendSV_Handler(void) { pendsv_hits++; order[order_idx++ & 3] = 14; }
void SVC_Handler(void) { svc_hits++; }
void USART_IRQHandler(void)
{
    int c = uart_getc();
    if (c >= 0 && rx_hits < 7) rx_buf[rx_hits++] = (char)c;
}
int main(void)
{
    uart_init();
    __asm volatile("svc #0");
    puts_("svc="); put_u32(svc_hits); uart_putc('\n');
    __asm volatile("cpsid i");
    SCB_ICSR = 1u << 28; /* PendSV while masked */
    puts_("masked pendsv="); put_u32(pendsv_hits); uart_putc('\n');
    __asm volatile("cpsie i");
    __asm volatile("nop\n nop\n nop");
    puts_("unmasked pendsv="); put_u32(pendsv_hits); uart_putc('\n');
#ifdef BOARD_F769
    NVIC_ISER(37 / 32) = 1u << (37 % 32);
    REG(USART_BASE + 0x00) |= 1u << 5; /* RXNEIE */
#else
    NVIC_ISER(71 / 32) = 1u << (71 % 32);
    REG(USART_BASE + 0x0C) |= 1u << 5;
#endif
    for (volatile int i = 0; i < 100 && rx_hits < 3; i++) {}
    rx_buf[rx_hits] = 0;
    puts_("rx="); puts_((const char *)rx_buf); uart_putc('\n');
    return 0;
}
