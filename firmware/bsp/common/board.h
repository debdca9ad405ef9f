/* What each board directory provides to the shared BSP code. */
#ifndef BSP_BOARD_H
#define BSP_BOARD_H
#include <stdint.h>

/* Runs from the reset handler before .data/.bss exist (no globals!): caches etc. */
void board_early_init(void);
/* RCC/PWR/FLASH sequence to the board's full speed, polling the ready flags. */
void board_clock_init(void);
/* Oscillator that feeds the PLL when HSE is selected (Hz). */
uint32_t board_hse_hz(void);
/* Console UART on the ST-LINK virtual COM port, 115200 8N1, TX polled. */
void board_uart_init(void);
void board_uart_putc(char c);
void board_uart_flush(void); /* wait for transmission complete */
void board_led_init(void);
void board_led_write(int on);

#endif
