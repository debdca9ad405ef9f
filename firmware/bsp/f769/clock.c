/* STM32F769 clock tree to 216 MHz (RM0410 5.2, 5.3; over-drive: RM0410 4.1.4).
 * HSE 25 MHz crystal on the 32F769IDISCOVERY (UM2033) -> PLL M=25 (1 MHz VCO input),
 * N=432 (432 MHz VCO), P=/2 (216 MHz), Q=9 (48 MHz). AHB 216, APB1 54 (/4), APB2 108 (/2).
 * If the HSE never becomes ready the PLL falls back to HSI (M=16, same result), so the
 * firmware still reaches 216 MHz on a board with a missing/unsoldered oscillator. */
#include "board.h"
#include "stm32_regs.h"

#define HSE_HZ 25000000u
#define PLL_N 432u
#define PLL_P_DIV2 0u
#define PLL_Q 9u
#define PLL_R 2u   /* DSI/LTDC PLLR output, unused; 2 is the smallest legal value */
#define FLASH_WAIT_STATES 7u /* 210 < HCLK <= 216 MHz at 2.7-3.6 V (RM0410 table 7) */
#define HSE_STARTUP_POLLS 200000u

#define PWR_CR1_ODEN       (1u << 16)
#define PWR_CR1_ODSWEN     (1u << 17)
#define PWR_CSR1_ODRDY     (1u << 16)
#define PWR_CSR1_ODSWRDY   (1u << 17)
#define FLASH_ACR_PRFTEN   (1u << 8)
#define FLASH_ACR_ARTEN    (1u << 9)
#define FLASH_ACR_ARTRST   (1u << 11)

uint32_t board_hse_hz(void) { return HSE_HZ; }

static int hse_start(void)
{
    RCC_CR = (RCC_CR & ~RCC_CR_HSEBYP) | RCC_CR_HSEON; /* crystal, not bypass */
    for (uint32_t i = 0; i < HSE_STARTUP_POLLS; ++i)
        if (RCC_CR & RCC_CR_HSERDY)
            return 1;
    RCC_CR &= ~RCC_CR_HSEON;
    return 0;
}

void board_clock_init(void)
{
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR;
    PWR_CR = (PWR_CR & ~(3u << PWR_CR_VOS_Pos)) | (3u << PWR_CR_VOS_Pos); /* scale 1 */

    RCC_CR |= RCC_CR_HSION;
    while (!(RCC_CR & RCC_CR_HSIRDY)) {
    }
    int hse = hse_start();

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

    /* 216 MHz needs over-drive: enable it, then switch the regulator to it, each step
     * acknowledged by its ready flag (RM0410 4.1.4, "Entering Over-drive mode"). */
    PWR_CR |= PWR_CR1_ODEN;
    while (!(PWR_CSR & PWR_CSR1_ODRDY)) {
    }
    PWR_CR |= PWR_CR1_ODSWEN;
    while (!(PWR_CSR & PWR_CSR1_ODSWRDY)) {
    }

    /* Wait states first, read back (RM0410 3.3.2); ART reset while disabled, then on. */
    FLASH_ACR = FLASH_ACR_ARTRST;
    FLASH_ACR = 0u;
    FLASH_ACR = FLASH_WAIT_STATES | FLASH_ACR_PRFTEN | FLASH_ACR_ARTEN;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_Msk) != FLASH_WAIT_STATES) {
    }

    /* HPRE /1, PPRE1 /4 (101b), PPRE2 /2 (100b), then SYSCLK = PLL. */
    RCC_CFGR = (RCC_CFGR & ~((0xFu << RCC_CFGR_HPRE_Pos) | (7u << RCC_CFGR_PPRE1_Pos) |
                             (7u << RCC_CFGR_PPRE2_Pos))) |
               (5u << RCC_CFGR_PPRE1_Pos) | (4u << RCC_CFGR_PPRE2_Pos);
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_Msk) | RCC_CFGR_SW_PLL;
    while (((RCC_CFGR >> RCC_CFGR_SWS_Pos) & 3u) != RCC_CFGR_SW_PLL) {
    }
}
