/* Reads an address with nothing behind it: BusFault -> HardFault; the handler spins. */
#include "tbsp.h"
__attribute__((noinline)) uint32_t read_bad(void) { return REG(0x30000000); }
int main(void) { uart_init(); puts_("reading 0x30000000\n"); return (int)read_bad(); }
