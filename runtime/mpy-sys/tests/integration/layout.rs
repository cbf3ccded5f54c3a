//! Layout of `MpFunTable` entries the runtime finds by index. That every entry sits at
//! `index * word size`, in the 6.3 table's order, is checked against the ABI facts in
//! `abi_facts::fun_table_is_the_6_3_table`.

use core::mem::{offset_of, size_of};
use mpy_sys::*;

#[test]
fn memory_functions_are_entries_50_and_51() {
    use mpy_sys::fun_table::{FUN_TABLE_MEMMOVE_INDEX, FUN_TABLE_MEMSET_INDEX};
    let w = size_of::<usize>();
    assert_eq!(offset_of!(MpFunTable, memset_), FUN_TABLE_MEMSET_INDEX * w);
    assert_eq!(
        offset_of!(MpFunTable, memmove_),
        FUN_TABLE_MEMMOVE_INDEX * w
    );
    assert_eq!((FUN_TABLE_MEMSET_INDEX, FUN_TABLE_MEMMOVE_INDEX), (50, 51));
}

#[test]
fn object_entries_start_at_73() {
    assert_eq!(offset_of!(MpFunTable, type_type), 73 * size_of::<usize>());
    assert_eq!(
        offset_of!(MpFunTable, stream_write_obj),
        86 * size_of::<usize>()
    );
    assert_eq!(FUN_TABLE_OBJECT_SYMBOLS.len(), FUN_TABLE_LEN - 73);
}

#[test]
fn object_layouts() {
    let w = size_of::<usize>();
    // mp_obj_type_t: base, two u16, twelve u8 slot indices.
    assert_eq!(size_of::<MpObjType>(), if w == 8 { 24 } else { 20 });
    assert_eq!(offset_of!(MpObjType, slot_index_make_new), w + 4);
    assert_eq!(offset_of!(MpObjType, slot_index_locals_dict), w + 15);
    assert_eq!(offset_of!(MpObjFullType, slots), size_of::<MpObjType>());
    assert_eq!(size_of::<MpObjFullType>(), size_of::<MpObjType>() + 11 * w);
    assert_eq!(size_of::<MpObjFunBuiltinFixed>(), 2 * w);
    assert_eq!(
        offset_of!(MpObjFunBuiltinVar, fun),
        if w == 8 { 16 } else { 8 }
    );
    assert_eq!(size_of::<MpMap>(), 3 * w);
    assert_eq!(offset_of!(MpObjDict, map), w);
    assert_eq!(offset_of!(MpObjFun, context), w);
    assert_eq!(
        offset_of!(MpModuleContext, module) + offset_of!(MpObjModule, globals),
        w
    );
    assert_eq!(size_of::<MpBufferInfo>(), 3 * w);
    assert_eq!(offset_of!(MpObjTuple, items), 2 * w);
    assert_eq!(offset_of!(MpObjList, items), 3 * w);
    assert_eq!(size_of::<MpArg>(), 2 * w);
}

#[test]
fn small_int_and_qstr_encoding() {
    for v in [
        0isize,
        1,
        -1,
        12345,
        -98765,
        MP_SMALL_INT_MAX,
        MP_SMALL_INT_MIN,
    ] {
        assert!(mp_small_int_fits(v));
        let o = mp_obj_new_small_int(v);
        assert!(mp_obj_is_small_int(o));
        assert!(!mp_obj_is_obj(o));
        assert_eq!(mp_obj_small_int_value(o), v);
    }
    assert!(!mp_small_int_fits(MP_SMALL_INT_MAX + 1));
    assert!(!mp_small_int_fits(MP_SMALL_INT_MIN - 1));
    assert!(!mp_small_int_fits(isize::MAX));
    let q = mp_obj_new_qstr(321);
    assert!(mp_obj_is_qstr(q) && !mp_obj_is_small_int(q) && !mp_obj_is_obj(q));
    assert_eq!(mp_obj_qstr_value(q), 321);
    assert!(mp_obj_is_immediate_obj(0x1e as MpObj));
    assert_eq!(
        mp_obj_fun_make_sig(1, MP_OBJ_FUN_ARGS_MAX, true),
        (1 << 17) | (0xffff << 1) | 1
    );
}
