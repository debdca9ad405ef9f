/* Vector table (ARMv7-M B1.5.3): initial SP, 15 system exceptions, then BSP_NUM_IRQ
 * device interrupts (board-specific count, set by the board's CMake). Placed first in
 * flash by the linker script; VTOR is also written explicitly at reset. */
#include "startup.h"

#ifndef BSP_NUM_IRQ
#error "BSP_NUM_IRQ must be defined by the board"
#endif

extern uint32_t _estack[];

__attribute__((section(".isr_vector"), used))
const bsp_vector_t bsp_vectors[16 + BSP_NUM_IRQ] = {
    [0] = (bsp_vector_t)(uintptr_t)_estack,
    [1] = Reset_Handler,
    [2] = Default_Handler,   /* NMI */
    [3] = HardFault_Handler,
    [4] = HardFault_Handler, /* MemManage: disabled in SHCSR, escalates anyway */
    [5] = HardFault_Handler, /* BusFault */
    [6] = HardFault_Handler, /* UsageFault */
    [11] = Default_Handler,  /* SVCall */
    [12] = Default_Handler,  /* DebugMonitor */
    [14] = Default_Handler,  /* PendSV */
    [15] = SysTick_Handler,
    [16 ... 16 + BSP_NUM_IRQ - 1] = Default_Handler,
};
