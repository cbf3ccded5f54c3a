/*
 * mpy_nlr_protect for Rust modules on Xtensa: runs frame->body(frame->ctx)
 * under an nlr handler (see runtime/mpy-sys/src/nlr.rs for the contract
 * and the ProtectFrame layout: buf, nlr_push, setjmp, nlr_pop, body, ctx).
 * rustc has no inline assembly for Xtensa, so it lives here, in assembly,
 * where the code that sees the handler return twice is code whose register
 * use is known.
 *
 * Windowed ABI: the frame pointer stays in a2, which every call (callx8)
 * preserves and the firmware's setjmp/longjmp (the ESP32 port uses the
 * setjmp flavour of nlr) restores. Call0 ABI: it stays in a12, callee-saved.
 */
#if defined(__XTENSA_CALL0_ABI__)
__asm__(".text\n"
        ".global mpy_nlr_protect\n"
        ".type mpy_nlr_protect, @function\n"
        ".p2align 2\n"
        "mpy_nlr_protect:\n"
        "addi a1, a1, -16\n"
        "s32i a0, a1, 0\n"
        "s32i a12, a1, 4\n"
        "mov a12, a2\n"
        "l32i a2, a12, 0\n"      /* nlr_push(buf) */
        "l32i a3, a12, 4\n"
        "callx0 a3\n"
        "bnez a2, .Lmpy_protect_raised\n"
        "l32i a3, a12, 8\n"      /* setjmp(&buf->jmpbuf), when the firmware has it */
        "beqz a3, .Lmpy_protect_body\n"
        "l32i a2, a12, 0\n"
        "addi a2, a2, 8\n"
        "callx0 a3\n"
        "bnez a2, .Lmpy_protect_raised\n"
        ".Lmpy_protect_body:\n"
        "l32i a2, a12, 20\n"     /* body(ctx) */
        "l32i a3, a12, 16\n"
        "callx0 a3\n"
        "l32i a3, a12, 12\n"     /* nlr_pop() */
        "callx0 a3\n"
        "movi a2, 0\n"
        "j .Lmpy_protect_out\n"
        ".Lmpy_protect_raised:\n"
        "movi a2, 1\n"
        ".Lmpy_protect_out:\n"
        "l32i a0, a1, 0\n"
        "l32i a12, a1, 4\n"
        "addi a1, a1, 16\n"
        "ret\n");
#else
__asm__(".text\n"
        ".global mpy_nlr_protect\n"
        ".type mpy_nlr_protect, @function\n"
        ".p2align 2\n"
        "mpy_nlr_protect:\n"
        "entry a1, 32\n"
        "l32i a10, a2, 0\n"      /* nlr_push(buf) */
        "l32i a8, a2, 4\n"
        "callx8 a8\n"
        "bnez a10, .Lmpy_protect_raised\n"
        "l32i a8, a2, 8\n"       /* setjmp(&buf->jmpbuf), when the firmware has it */
        "beqz a8, .Lmpy_protect_body\n"
        "l32i a10, a2, 0\n"
        "addi a10, a10, 8\n"
        "callx8 a8\n"
        "bnez a10, .Lmpy_protect_raised\n"
        ".Lmpy_protect_body:\n"
        "l32i a10, a2, 20\n"     /* body(ctx) */
        "l32i a8, a2, 16\n"
        "callx8 a8\n"
        "l32i a8, a2, 12\n"      /* nlr_pop() */
        "callx8 a8\n"
        "movi a2, 0\n"
        "retw\n"
        ".Lmpy_protect_raised:\n"
        "movi a2, 1\n"
        "retw\n");
#endif
