/* Touches a peripheral the emulator does not model (SPI1 at 0x40013000). */
#include "tbsp.h"
int main(void)
{
    uart_init();
    puts_("poking spi1\n");
    REG(0x40013000) = 0x44;
    puts_("after spi1\n");
    return 0;
}
