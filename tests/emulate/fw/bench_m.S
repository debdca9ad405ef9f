@ Microbenchmarks timed with DWT CYCCNT. Each function is
@   uint32_t bench_x(volatile uint32_t *cyccnt, uint32_t *mem)
@ and returns the cycles between the two CYCCNT reads. The read, the NOP after it and
@ the body are counted; the body's own cost is (result - bench_empty()).
    .syntax unified
    .thumb
    .text

    .macro BENCH name
    .global \name
    .thumb_func
    .align 2
\name:
    push {r4-r11, lr}
    mov r3, r1
    nop
    ldr r2, [r0]
    nop
    .endm

    .macro END
    ldr.w r12, [r0]
    sub r0, r12, r2
    pop {r4-r11, pc}
    .endm

BENCH bench_empty
END

BENCH bench_ldr_indep8
    ldr r4, [r3]
    ldr r5, [r3, #4]
    ldr r6, [r3, #8]
    ldr r7, [r3, #12]
    ldr r8, [r3, #16]
    ldr r9, [r3, #20]
    ldr r10, [r3, #24]
    ldr r11, [r3, #28]
END

BENCH bench_ldr_dep8
    ldr r4, [r3]
    ldr r4, [r4]
    ldr r4, [r4]
    ldr r4, [r4]
    ldr r4, [r4]
    ldr r4, [r4]
    ldr r4, [r4]
    ldr r4, [r4]
END

BENCH bench_ldr_str
    ldr r4, [r3]
    str r4, [r3, #4]
END

BENCH bench_str_str
    str r4, [r3]
    str r5, [r3, #4]
END

BENCH bench_mla8
    mla r4, r4, r5, r6
    mla r4, r4, r5, r6
    mla r4, r4, r5, r6
    mla r4, r4, r5, r6
    mla r4, r4, r5, r6
    mla r4, r4, r5, r6
    mla r4, r4, r5, r6
    mla r4, r4, r5, r6
END

BENCH bench_smlad4
    smlad r4, r5, r6, r4
    smlad r4, r5, r6, r4
    smlad r4, r5, r6, r4
    smlad r4, r5, r6, r4
END

BENCH bench_alu8
    adds r4, #1
    adds r4, #1
    eors r5, r4
    lsls r6, r5, #3
    adds r4, #1
    orrs r5, r4
    adds r4, #1
    subs r5, r4
END

BENCH bench_b_taken4
    b 1f
    nop
1:  b 2f
    nop
2:  b 3f
    nop
3:  b 4f
    nop
4:
END

BENCH bench_b_not_taken4
    cmp r4, r4
    bne 9f
    bne 9f
    bne 9f
    bne 9f
9:
END

BENCH bench_loop10
    movs r4, #10
1:  subs r4, #1
    bne 1b
END

BENCH bench_ldm4
    ldm r3, {r4-r7}
END

BENCH bench_stm4
    stm r3, {r4-r7}
END

BENCH bench_push_pop4
    push {r4-r7}
    pop {r4-r7}
END
