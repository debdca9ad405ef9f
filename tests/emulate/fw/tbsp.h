/* Register-level board support for the emulator test firmware (F413 / F769). */
#ifndef TBSP_H
#define TBSP_H
#include <stdint.h>
#define REG(a) (*(volatile uint32_t *)(a))

#define RCC_CR REG(0x40023800)
#define RCC_PLLCFGR REG(0x40023804)
#define RCC_CFGR REG(0x40023808)
#define RCC_APB1ENR REG(0x40023840)
#define RCC_APB2ENR REG(0x40023844)
#define FLASH_ACR REG(0x40023C00)
#define PWR_CR1 REG(0x40007000)
#define PWR_CSR1 REG(0x40007004)
#define SYST_CSR REG(0xE000E010)
#define SYST_RVR REG(0xE000E014)
#define SYST_CVR REG(0xE000E018)
#define SCB_CPUID REG(0xE000ED00)
#define SCB_ICSR REG(0xE000ED04)
#define SCB_VTOR REG(0xE000ED08)
#define SCB_CCR REG(0xE000ED14)
#define SCB_SHCSR REG(0xE000ED24)
#define SCB_CFSR REG(0xE000ED28)
#define SCB_HFSR REG(0xE000ED2C)
#define SCB_BFAR REG(0xE000ED38)
#define SCB_CPACR REG(0xE000ED88)
#define DEMCR REG(0xE000EDFC)
#define DWT_CTRL REG(0xE0001000)
#define DWT_CYCCNT REG(0xE0001004)
#define NVIC_ISER(n) REG(0xE000E100 + 4 * (n))

#ifdef BOARD_F769
#define USART_BASE 0x40011000u /* USART1: ST-LINK VCP */
#else
#define USART_BASE 0x40011400u /* USART6: ST-LINK VCP */
#endif

void uart_init(void);
void uart_putc(char c);
int uart_getc(void); /* -1 if nothing received */
void puts_(const char *s);
void put_u32(uint32_t v);
void put_hex(uint32_t v);
void clock_init(void);   /* PLL at the board's full speed, with the HAL-style handshakes */
uint32_t core_hz(void);
void dwt_init(void);
#ifdef BOARD_F769
void enable_icache(void);  /* invalidate, then SCB->CCR.IC (CMSIS SCB_EnableICache order) */
void enable_dcache(void);  /* invalidate by set/way, then SCB->CCR.DC */
#endif
void tb_exit(int code);
#endif
