#include "stats.h"

void stat_add(phase_stat *s, uint32_t v)
{
    s->cur = v;
    if (s->n == 0u || v < s->min)
        s->min = v;
    if (s->n == 0u || v > s->max)
        s->max = v;
    s->sum += v;
    s->n++;
}

uint32_t stat_avg(const phase_stat *s) { return s->n ? (uint32_t)(s->sum / s->n) : 0u; }
