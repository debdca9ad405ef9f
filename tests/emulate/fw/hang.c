/* Never finishes: the emulator must stop on the cycle budget and name this loop. */
#include "tbsp.h"
volatile uint32_t spin_counter;
__attribute__((noinline)) void spin_forever(void) { for (;;) spin_counter++; }
int main(void) { uart_init(); puts_("about to hang\n"); spin_forever(); return 0; }
