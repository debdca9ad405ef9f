@ Read-only "weights" in flash for perf.c -DWEIGHTS_IN_FLASH (kept out of C so the
@ compiler cannot fold the loads).
    .section .rodata.flash_wts, "a"
    .global flash_wts
    .align 4
flash_wts:
    .fill 4096, 1, 7
