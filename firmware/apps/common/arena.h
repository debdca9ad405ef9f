/* The tensor arena: BT_ARENA_BYTES from the build, or the board's default when 0.
 * Small enough arenas go to the board's fastest RAM (DTCM on the F769). */
#ifndef APP_ARENA_H
#define APP_ARENA_H

#if BT_ARENA_BYTES > 0
#define APP_ARENA_BYTES BT_ARENA_BYTES
#else
#define APP_ARENA_BYTES BSP_ARENA_DEFAULT
#endif

#if APP_ARENA_BYTES <= BSP_ARENA_FAST_MAX
#define APP_ARENA_SECTION ".bss.bt_arena_fast"
#else
#define APP_ARENA_SECTION ".bss.bt_arena_sram"
#endif

#endif
