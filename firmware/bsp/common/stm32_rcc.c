/* Clock tree read back from RCC_CFGR / RCC_PLLCFGR (RM0430 6.2 / RM0410 5.2), so the
 * reported core clock is what the hardware was actually programmed to, not a constant. */
#include "bt/platform.h"
#include "board.h"
#include "stm32_regs.h"

uint32_t stm32_sysclk_hz(void)
{
    uint32_t cfgr = RCC_CFGR;
    switch ((cfgr >> RCC_CFGR_SWS_Pos) & 3u) {
    case 1u:
        return board_hse_hz();
    case 2u: {
        uint32_t pll = RCC_PLLCFGR;
        uint32_t m = (pll >> RCC_PLLCFGR_PLLM_Pos) & 0x3Fu;
        uint32_t n = (pll >> RCC_PLLCFGR_PLLN_Pos) & 0x1FFu;
        uint32_t p = 2u * (((pll >> RCC_PLLCFGR_PLLP_Pos) & 3u) + 1u);
        uint32_t src = (pll & RCC_PLLCFGR_PLLSRC) ? board_hse_hz() : HSI_HZ;
        if (m == 0u)
            return 0u;
        return (uint32_t)(((uint64_t)src / m * n) / p);
    }
    default:
        return HSI_HZ;
    }
}

uint32_t stm32_hclk_hz(void)
{
    /* HPRE: 0xxx = /1, 1000..1111 = /2 /4 /8 /16 /64 /128 /256 /512 */
    static const uint8_t shift[8] = {1, 2, 3, 4, 6, 7, 8, 9};
    uint32_t hpre = (RCC_CFGR >> RCC_CFGR_HPRE_Pos) & 0xFu;
    uint32_t sys = stm32_sysclk_hz();
    return (hpre & 8u) ? sys >> shift[hpre & 7u] : sys;
}

static uint32_t apb_hz(uint32_t ppre)
{
    /* PPREx: 0xx = /1, 100 /2, 101 /4, 110 /8, 111 /16 */
    uint32_t hclk = stm32_hclk_hz();
    return (ppre & 4u) ? hclk >> ((ppre & 3u) + 1u) : hclk;
}

uint32_t stm32_pclk1_hz(void) { return apb_hz((RCC_CFGR >> RCC_CFGR_PPRE1_Pos) & 7u); }
uint32_t stm32_pclk2_hz(void) { return apb_hz((RCC_CFGR >> RCC_CFGR_PPRE2_Pos) & 7u); }

/* The core runs on HCLK. */
uint32_t bt_platform_core_hz(void) { return stm32_hclk_hz(); }
