/* Cortex-M4/M7 system registers used by the BSP, written from the ARMv7-M Architecture
 * Reference Manual (B3.2 SCB, B3.3 SysTick, C1.8 DWT, C1.6 DEMCR) and the Cortex-M7 TRM
 * (cache maintenance). Addresses are architectural, identical on both boards. */
#ifndef BSP_CORTEX_M_H
#define BSP_CORTEX_M_H
#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* System Control Block */
#define SCB_ICSR    REG32(0xE000ED04u)
#define SCB_VTOR    REG32(0xE000ED08u)
#define SCB_CCR     REG32(0xE000ED14u)
#define SCB_CFSR    REG32(0xE000ED28u)
#define SCB_HFSR    REG32(0xE000ED2Cu)
#define SCB_MMFAR   REG32(0xE000ED34u)
#define SCB_BFAR    REG32(0xE000ED38u)
#define SCB_CPACR   REG32(0xE000ED88u)
#define SCB_CCR_DC  (1u << 16) /* data cache enable (M7) */
#define SCB_CCR_IC  (1u << 17) /* instruction cache enable (M7) */
#define SCB_CCR_DIV_0_TRP (1u << 4)

/* Cache identification and maintenance (ARMv7-M B3.2.3 / Cortex-M7 TRM 4.3) */
#define SCB_CCSIDR  REG32(0xE000ED80u)
#define SCB_CSSELR  REG32(0xE000ED84u)
#define SCB_ICIALLU REG32(0xE000EF50u)
#define SCB_DCISW   REG32(0xE000EF60u)

/* SysTick */
#define SYST_CSR    REG32(0xE000E010u)
#define SYST_RVR    REG32(0xE000E014u)
#define SYST_CVR    REG32(0xE000E018u)
#define SYST_CSR_ENABLE    (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* 1 = processor clock */

/* Debug: DEMCR.TRCENA gates the DWT; the M7's DWT also has a CoreSight software lock. */
#define DEMCR       REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL    REG32(0xE0001000u)
#define DWT_CYCCNT  REG32(0xE0001004u)
#define DWT_LAR     REG32(0xE0001FB0u)
#define DWT_CTRL_CYCCNTENA (1u << 0)

static inline void cm_dsb(void) { __asm volatile("dsb 0xF" ::: "memory"); }
static inline void cm_isb(void) { __asm volatile("isb 0xF" ::: "memory"); }
static inline void cm_wfi(void) { __asm volatile("wfi"); }
static inline void cm_disable_irq(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void cm_enable_irq(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline uint32_t cm_get_sp(void)
{
    uint32_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

#endif
