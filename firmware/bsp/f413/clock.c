/* STM32F413 clock tree to 100 MHz (RM0430 6.2 and 6.3).
 * Source: HSE in bypass mode, the 8 MHz MCO of the on-board ST-LINK (UM2135) -> PLL
 * M=8 (1 MHz VCO input), N=200 (200 MHz VCO), P=/2 (100 MHz). If HSE never becomes ready
 * (MCO not routed on this board revision) the PLL takes HSI 16 MHz with M=16: same result.
 * AHB 100 MHz, APB1 50 MHz (its maximum), APB2 100 MHz. */
#include "board.h"
#include "stm32_regs.h"

#define HSE_HZ 8000000u
#define PLL_N 200u
#define PLL_P_DIV2 0u
#define PLL_Q 4u   /* 50 MHz on the 48 MHz domain: USB/SDIO are not used */
#define PLL_R 2u   /* I2S/DFSDM, unused; 2 is the smallest legal value */
#define FLASH_WAIT_STATES 3u /* 90 < HCLK <= 100 MHz at 2.7-3.6 V (RM0430 table 6) */

#define HSE_STARTUP_POLLS 200000u
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN   (1u << 9)
#define FLASH_ACR_DCEN   (1u << 10)
#define FLASH_ACR_ICRST  (1u << 11)
#define FLASH_ACR_DCRST  (1u << 12)

uint32_t board_hse_hz(void) { return HSE_HZ; }

static int hse_start(void)
{
    RCC_CR |= RCC_CR_HSEBYP; /* external clock, not a crystal: set before HSEON */
    RCC_CR |= RCC_CR_HSEON;
    for (uint32_t i = 0; i < HSE_STARTUP_POLLS; ++i)
        if (RCC_CR & RCC_CR_HSERDY)
            return 1;
    RCC_CR &= ~RCC_CR_HSEON;
    RCC_CR &= ~RCC_CR_HSEBYP;
    return 0;
}

void board_clock_init(void)
{
    /* Voltage scale 1 allows 100 MHz; PWR needs its APB1 clock to be written. */
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR;
    PWR_CR = (PWR_CR & ~(3u << PWR_CR_VOS_Pos)) | (3u << PWR_CR_VOS_Pos);

    RCC_CR |= RCC_CR_HSION;
    while (!(RCC_CR & RCC_CR_HSIRDY)) {
    }
    int hse = hse_start();

    /* The PLL must be off while it is configured. */
    RCC_CR &= ~RCC_CR_PLLON;
    while (RCC_CR & RCC_CR_PLLRDY) {
    }
    uint32_t m = hse ? HSE_HZ / 1000000u : HSI_HZ / 1000000u;
    RCC_PLLCFGR = (m << RCC_PLLCFGR_PLLM_Pos) | (PLL_N << RCC_PLLCFGR_PLLN_Pos) |
                  (PLL_P_DIV2 << RCC_PLLCFGR_PLLP_Pos) | (hse ? RCC_PLLCFGR_PLLSRC : 0u) |
                  (PLL_Q << RCC_PLLCFGR_PLLQ_Pos) | (PLL_R << RCC_PLLCFGR_PLLR_Pos);
    RCC_CR |= RCC_CR_PLLON;
    while (!(RCC_CR & RCC_CR_PLLRDY)) {
    }
    /* The new voltage scale only takes effect once the PLL runs (RM0430 5.1.3). */
    while (!(PWR_CSR & PWR_CSR_VOSRDY)) {
    }

    /* Wait states before raising the clock, and check they were taken (RM0430 3.5.1).
     * Reset the ART caches while they are off, then enable prefetch + I/D caches. */
    FLASH_ACR = FLASH_ACR_ICRST | FLASH_ACR_DCRST;
    FLASH_ACR = 0u;
    FLASH_ACR = FLASH_WAIT_STATES | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_Msk) != FLASH_WAIT_STATES) {
    }

    /* HPRE /1, PPRE1 /2 (100b), PPRE2 /1, then switch SYSCLK to the PLL. */
    RCC_CFGR = (RCC_CFGR & ~((0xFu << RCC_CFGR_HPRE_Pos) | (7u << RCC_CFGR_PPRE1_Pos) |
                             (7u << RCC_CFGR_PPRE2_Pos))) |
               (4u << RCC_CFGR_PPRE1_Pos);
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_Msk) | RCC_CFGR_SW_PLL;
    while (((RCC_CFGR >> RCC_CFGR_SWS_Pos) & 3u) != RCC_CFGR_SW_PLL) {
    }
}
