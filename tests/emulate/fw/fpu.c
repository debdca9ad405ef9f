/* FPU instruction before CPACR grants access: NOCP UsageFault -> HardFault. With
 * -DENABLE_FPU, startup.c grants access first and the arithmetic works. */
#include "tbsp.h"
volatile float a = 1.5f, b = 2.25f;
__attribute__((noinline)) float fmul(void) { return a * b; }
void HardFault_Handler(void)
{
    puts_("hardfault cfsr="); put_hex(SCB_CFSR); uart_putc('\n');
    tb_exit(4);
}
int main(void)
{
    uart_init();
    float r = fmul();
    puts_("product x4="); put_u32((uint32_t)(r * 4.0f)); uart_putc('\n');
    return 0;
}
