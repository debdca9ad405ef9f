/* Board support API used by the applications (the runtime only sees bt/platform.h).
 * One implementation per board under firmware/bsp/<board>/, shared Cortex-M parts in common/. */
#ifndef BSP_BSP_H
#define BSP_BSP_H
#include <stddef.h>
#include <stdint.h>

/* Clocks (to the board's full speed), SysTick 1 kHz, DWT cycle counter, console UART, LED. */
void bsp_init(void);
/* Milliseconds since bsp_init (SysTick interrupt count). */
uint32_t bsp_millis(void);
/* Drive the user LED (hello_world's "brightness" output). */
void bsp_led_set(int on);
/* Deepest stack use so far, from the pattern painted at reset (bytes). */
size_t bsp_stack_peak(void);
/* Bytes reserved for the stack by the linker script. */
size_t bsp_stack_size(void);
/* Print "BOARDTWIN-EXIT <code>", drain the UART, stop SysTick and sleep in WFI forever. */
void bsp_exit(int code) __attribute__((noreturn));

#endif
