/* cur/min/max/avg of one loop phase, in one unit (SysTick ms or DWT cycles). */
#ifndef APP_STATS_H
#define APP_STATS_H
#include <stdint.h>

typedef struct {
    uint32_t cur, min, max, n;
    uint64_t sum;
} phase_stat;

void stat_add(phase_stat *s, uint32_t v);
/* Integer mean over every sample so far (0 before the first). */
uint32_t stat_avg(const phase_stat *s);

#endif
