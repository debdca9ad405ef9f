/* Prints, then sleeps with no interrupt source: the run ends as "idle". */
#include "tbsp.h"
int main(void) { uart_init(); puts_("going to sleep\n"); for (;;) __asm volatile("wfi"); }
