/* Stack high-water mark from the pattern the reset handler painted. */
#include "bsp/bsp.h"
#include "startup.h"

extern uint32_t _sstack[], _estack[];

size_t bsp_stack_peak(void)
{
    const uint32_t *p = _sstack;
    while (p < _estack && *p == BSP_STACK_PAINT)
        ++p;
    return (size_t)((uintptr_t)_estack - (uintptr_t)p);
}

size_t bsp_stack_size(void) { return (size_t)((uintptr_t)_estack - (uintptr_t)_sstack); }
