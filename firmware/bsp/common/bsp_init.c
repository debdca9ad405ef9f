/* Board bring-up order: clocks first (everything below derives from them), then the
 * 1 kHz tick and cycle counter, the console and the LED. */
#include "board.h"
#include "bsp/bsp.h"
#include "bt/platform.h"
#include "cortex_m.h"
#include "timing.h"

void bsp_init(void)
{
    board_clock_init();
    bsp_timing_init(bt_platform_core_hz());
    board_uart_init();
    board_led_init();
    cm_enable_irq();
}

void bsp_led_set(int on) { board_led_write(on); }
