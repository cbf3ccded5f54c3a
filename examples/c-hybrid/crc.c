// The fast part of the hybrid module: CRC-32 (IEEE 802.3, reflected,
// polynomial 0xEDB88320) over any object with the buffer protocol.
#include "py/dynruntime.h"

// Filled by init_table() the first time crc32() runs. Global (not static)
// so it lives in bss without --static-data.
uint32_t hybrid_crc_table[256];

static void init_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        }
        hybrid_crc_table[i] = c;
    }
}

// crc32(data[, start]): the CRC of `data`, continuing from `start`.
static mp_obj_t crc32(size_t n_args, const mp_obj_t *args) {
    if (hybrid_crc_table[1] == 0) {
        init_table();
    }
    mp_buffer_info_t buf;
    mp_get_buffer_raise(args[0], &buf, MP_BUFFER_READ);
    uint32_t crc = n_args > 1 ? ~(uint32_t)mp_obj_get_int_truncated(args[1]) : 0xffffffffu;
    const uint8_t *p = buf.buf;
    for (size_t i = 0; i < buf.len; i++) {
        crc = hybrid_crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    }
    return mp_obj_new_int_from_uint(~crc);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(crc32_obj, 1, 2, crc32);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_crc32, MP_OBJ_FROM_PTR(&crc32_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
