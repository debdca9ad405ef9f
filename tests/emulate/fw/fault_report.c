/* HardFault handler that reports CFSR/BFAR and exits: the firmware decides. */
#include "tbsp.h"
void HardFault_Handler(void)
{
    puts_("hardfault cfsr="); put_hex(SCB_CFSR); puts_(" hfsr="); put_hex(SCB_HFSR);
    puts_(" bfar="); put_hex(SCB_BFAR); uart_putc('\n');
    tb_exit(3);
}
__attribute__((noinline)) uint32_t read_bad(void) { return REG(0x30000010); }
int main(void) { uart_init(); return (int)read_bad(); }
