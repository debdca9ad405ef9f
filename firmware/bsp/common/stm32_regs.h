/* STM32F4/F7 peripheral registers shared by both boards. The RCC, PWR, FLASH and GPIO
 * blocks sit at the same addresses with the same layout for everything used here
 * (RM0430 sections 3, 5, 6, 7; RM0410 sections 3, 4, 5, 6). */
#ifndef BSP_STM32_REGS_H
#define BSP_STM32_REGS_H
#include "cortex_m.h"

#define HSI_HZ 16000000u

/* RCC (RM0430 6.3 / RM0410 5.3) */
#define RCC_BASE     0x40023800u
#define RCC_CR       REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR  REG32(RCC_BASE + 0x04u)
#define RCC_CFGR     REG32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR  REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR  REG32(RCC_BASE + 0x40u)
#define RCC_APB2ENR  REG32(RCC_BASE + 0x44u)

#define RCC_CR_HSION   (1u << 0)
#define RCC_CR_HSIRDY  (1u << 1)
#define RCC_CR_HSEON   (1u << 16)
#define RCC_CR_HSERDY  (1u << 17)
#define RCC_CR_HSEBYP  (1u << 18)
#define RCC_CR_PLLON   (1u << 24)
#define RCC_CR_PLLRDY  (1u << 25)

#define RCC_PLLCFGR_PLLM_Pos 0u   /* 6 bits */
#define RCC_PLLCFGR_PLLN_Pos 6u   /* 9 bits */
#define RCC_PLLCFGR_PLLP_Pos 16u  /* 2 bits: 0=/2 1=/4 2=/6 3=/8 */
#define RCC_PLLCFGR_PLLSRC   (1u << 22) /* 1 = HSE */
#define RCC_PLLCFGR_PLLQ_Pos 24u  /* 4 bits */
#define RCC_PLLCFGR_PLLR_Pos 28u  /* 3 bits */

#define RCC_CFGR_SW_Msk    0x3u
#define RCC_CFGR_SW_PLL    0x2u
#define RCC_CFGR_SWS_Pos   2u
#define RCC_CFGR_HPRE_Pos  4u   /* 4 bits */
#define RCC_CFGR_PPRE1_Pos 10u  /* 3 bits */
#define RCC_CFGR_PPRE2_Pos 13u  /* 3 bits */
#define RCC_APB1ENR_PWREN  (1u << 28)

/* PWR: CR (F4) / CR1 (F7) and CSR (F4) / CSR1 (F7) */
#define PWR_BASE     0x40007000u
#define PWR_CR       REG32(PWR_BASE + 0x00u)
#define PWR_CSR      REG32(PWR_BASE + 0x04u)
#define PWR_CR_VOS_Pos   14u
#define PWR_CSR_VOSRDY   (1u << 14)

/* FLASH interface (RM0430 3.8 / RM0410 3.7) */
#define FLASH_ACR    REG32(0x40023C00u)
#define FLASH_ACR_LATENCY_Msk 0xFu

/* GPIO (RM0430 7.4 / RM0410 6.4): port x at 0x40020000 + 0x400 * x */
#define GPIO_BASE(port)   (0x40020000u + 0x400u * (uint32_t)(port))
#define GPIO_MODER(port)  REG32(GPIO_BASE(port) + 0x00u)
#define GPIO_OTYPER(port) REG32(GPIO_BASE(port) + 0x04u)
#define GPIO_OSPEEDR(port) REG32(GPIO_BASE(port) + 0x08u)
#define GPIO_PUPDR(port)  REG32(GPIO_BASE(port) + 0x0Cu)
#define GPIO_IDR(port)    REG32(GPIO_BASE(port) + 0x10u)
#define GPIO_ODR(port)    REG32(GPIO_BASE(port) + 0x14u)
#define GPIO_BSRR(port)   REG32(GPIO_BASE(port) + 0x18u)
#define GPIO_AFRL(port)   REG32(GPIO_BASE(port) + 0x20u)
#define GPIO_AFRH(port)   REG32(GPIO_BASE(port) + 0x24u)

enum { PORT_A, PORT_B, PORT_C, PORT_D, PORT_E, PORT_F, PORT_G, PORT_H, PORT_I, PORT_J, PORT_K };

/* Pin set-up helpers (stm32_gpio.c); the port clock must already be on. */
void stm32_gpio_output(unsigned port, unsigned pin);
void stm32_gpio_alternate(unsigned port, unsigned pin, unsigned af, int pull_up);
/* Enable the AHB1 clock of a GPIO port (RCC_AHB1ENR bit = port index). */
void stm32_gpio_clock_on(unsigned port);

/* Bus clocks computed from the RCC registers as they are now (stm32_rcc.c). */
uint32_t stm32_sysclk_hz(void);
uint32_t stm32_hclk_hz(void);
uint32_t stm32_pclk1_hz(void);
uint32_t stm32_pclk2_hz(void);

#endif
