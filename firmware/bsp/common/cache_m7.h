#ifndef BSP_CACHE_M7_H
#define BSP_CACHE_M7_H
void cm7_icache_enable(void);
void cm7_dcache_enable(void);
#endif
