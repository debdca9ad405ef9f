/* Shared between the startup code, the vector table and the stack-peak measurement. */
#ifndef BSP_STARTUP_H
#define BSP_STARTUP_H
#include <stdint.h>

#define BSP_STACK_PAINT 0xC5A5C5A5u

typedef void (*bsp_vector_t)(void);

void Reset_Handler(void);
void HardFault_Handler(void);
void SysTick_Handler(void);
void Default_Handler(void);

#endif
