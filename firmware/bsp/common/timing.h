#ifndef BSP_TIMING_H
#define BSP_TIMING_H
#include <stdint.h>
void bsp_timing_init(uint32_t core_hz);
void bsp_timing_stop(void);
#endif
