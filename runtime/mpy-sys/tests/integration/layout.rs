//! Layout of `MpFunTable`: every entry sits at `index * word size`, and the table has
//! exactly 87 entries. The order below is the order of `mp_fun_table_t` in
//! MicroPython's `py/nativeglue.h` (v1.29).

use core::mem::{offset_of, size_of};
use mpy_sys::*;

macro_rules! check_entries {
    ($($field:ident),* $(,)?) => {{
        let mut index = 0usize;
        $(
            assert_eq!(
                offset_of!(MpFunTable, $field),
                index * size_of::<usize>(),
                "entry {} `{}` is out of place", index, stringify!($field)
            );
            index += 1;
        )*
        index
    }};
}

#[test]
fn fun_table_entries_are_in_order() {
    let n = check_entries!(
        const_none,
        const_false,
        const_true,
        native_from_obj,
        native_to_obj,
        swap_globals,
        load_name,
        load_global,
        load_build_class,
        load_attr,
        load_method,
        load_super_method,
        store_name,
        store_global,
        store_attr,
        obj_subscr,
        obj_is_true,
        unary_op,
        binary_op,
        new_tuple,
        new_list,
        new_dict,
        new_set,
        set_store,
        list_append,
        dict_store,
        make_function_from_proto_fun,
        call_function_n_kw,
        call_method_n_kw,
        call_method_n_kw_var,
        getiter,
        iternext,
        nlr_push,
        nlr_pop,
        raise_,
        import_name,
        import_from,
        import_all,
        new_slice,
        unpack_sequence,
        unpack_ex,
        delete_name,
        delete_global,
        new_closure,
        arg_check_num_sig,
        setup_code_state_native,
        small_int_floor_divide,
        small_int_modulo,
        yield_from,
        setjmp_,
        memset_,
        memmove_,
        realloc_,
        printf_,
        vprintf_,
        raise_msg,
        obj_get_type,
        obj_new_str,
        obj_new_bytes,
        obj_new_bytearray_by_ref,
        obj_new_float_from_f,
        obj_new_float_from_d,
        obj_get_float_to_f,
        obj_get_float_to_d,
        load_method_maybe,
        get_buffer,
        get_stream_raise,
        arg_parse_all,
        arg_parse_all_kw_array,
        binary_get_size,
        binary_get_val_array,
        binary_set_val_array,
        plat_print,
        type_type,
        type_str,
        type_list,
        type_dict,
        type_fun_builtin_0,
        type_fun_builtin_1,
        type_fun_builtin_2,
        type_fun_builtin_3,
        type_fun_builtin_var,
        type_exception,
        stream_read_obj,
        stream_readinto_obj,
        stream_unbuffered_readline_obj,
        stream_write_obj,
    );
    assert_eq!(n, FUN_TABLE_LEN);
    assert_eq!(size_of::<MpFunTable>(), FUN_TABLE_LEN * size_of::<usize>());
}

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
