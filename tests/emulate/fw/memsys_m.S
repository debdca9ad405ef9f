@ memsys.c: the measured loop, in assembly so it is position-independent (memsys.c
@ copies it into the F769's ITCM) and no compiler choice changes it between builds.
    .syntax unified
    .thumb
    .section .text.dot_asm, "ax", %progbits
    .global dot_asm, dot_asm_end
    .thumb_func
dot_asm:                      @ r0 = a (int8), r1 = b (int8), r2 = n > 0 -> r0 = sum a*b
    push {r4}
    movs r3, #0
1:  ldrsb.w r4, [r0], #1
    ldrsb.w r12, [r1], #1
    smlabb r3, r4, r12, r3
    subs r2, r2, #1
    bne 1b
    mov r0, r3
    pop {r4}
    bx lr
dot_asm_end:

    .section .rodata.weights, "a"
    .global weights
    .align 5
weights:
    .fill 4096, 1, 3
