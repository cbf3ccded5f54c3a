//! The Rust mirrors in this crate against the ABI facts in `mpy_sys::abi`: `MpFunTable` is
//! the 6.3 table, and each mirrored structure has the size and member offsets the facts give
//! for this machine's word size.

use core::mem::{offset_of, size_of};
use mpy_sys::abi::{self, MpyAbi};
use mpy_sys::*;

/// `(Rust field, offset)` of every `MpFunTable` field, in declaration order.
macro_rules! table_fields {
    ($($field:ident),* $(,)?) => {
        [$((stringify!($field), offset_of!(MpFunTable, $field))),*]
    };
}

#[test]
fn fun_table_is_the_6_3_table() {
    let rust = table_fields!(
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
    let facts: Vec<_> = MpyAbi::V6_3.fun_table().collect();
    assert_eq!(rust.len(), facts.len(), "entry count");
    assert_eq!(FUN_TABLE_LEN, MpyAbi::V6_3.fun_table_len());
    assert_eq!(size_of::<MpFunTable>(), facts.len() * size_of::<usize>());
    for (i, ((field, offset), fact)) in rust.iter().zip(&facts).enumerate() {
        // Rust spells `raise` as `raise_` and `type_Exception` in snake case.
        let c_name = field
            .strip_suffix('_')
            .filter(|n| *n == "raise")
            .unwrap_or(field);
        assert!(
            c_name.eq_ignore_ascii_case(fact.name),
            "entry {i}: Rust has `{field}`, the 6.3 table `{}`",
            fact.name
        );
        assert_eq!(*offset, i * size_of::<usize>(), "entry {i} `{field}`");
    }
    assert_eq!(
        offset_of!(MpFunTable, type_type),
        MpyAbi::V6_3.first_object_index() * size_of::<usize>()
    );
}

#[test]
fn object_symbols_are_the_6_3_objects() {
    let symbols: Vec<_> = MpyAbi::V6_3.fun_table().filter_map(|e| e.symbol).collect();
    assert_eq!(symbols, FUN_TABLE_OBJECT_SYMBOLS);
}

/// Checks a Rust mirror against the facts for this word size.
fn check(c_name: &str, size: usize, fields: &[(&str, usize)]) {
    let w = size_of::<usize>();
    let fact = abi::layout(c_name).unwrap_or_else(|| panic!("no facts for {c_name}"));
    assert_eq!(size, fact.size.at(w), "sizeof({c_name})");
    for (name, offset) in fields {
        let (_, expected) = fact
            .fields
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no facts for {c_name}.{name}"));
        assert_eq!(*offset, expected.at(w), "offsetof({c_name}, {name})");
    }
}

#[test]
fn mirrored_structs_match_the_facts() {
    check(
        "mp_obj_base_t",
        size_of::<MpObjBase>(),
        &[("type", offset_of!(MpObjBase, type_))],
    );
    check(
        "mp_obj_type_t",
        size_of::<MpObjType>(),
        &[
            ("flags", offset_of!(MpObjType, flags)),
            ("name", offset_of!(MpObjType, name)),
            (
                "slot_index_make_new",
                offset_of!(MpObjType, slot_index_make_new),
            ),
            ("slot_index_print", offset_of!(MpObjType, slot_index_print)),
            ("slot_index_call", offset_of!(MpObjType, slot_index_call)),
            (
                "slot_index_unary_op",
                offset_of!(MpObjType, slot_index_unary_op),
            ),
            (
                "slot_index_binary_op",
                offset_of!(MpObjType, slot_index_binary_op),
            ),
            ("slot_index_attr", offset_of!(MpObjType, slot_index_attr)),
            (
                "slot_index_subscr",
                offset_of!(MpObjType, slot_index_subscr),
            ),
            ("slot_index_iter", offset_of!(MpObjType, slot_index_iter)),
            (
                "slot_index_buffer",
                offset_of!(MpObjType, slot_index_buffer),
            ),
            (
                "slot_index_protocol",
                offset_of!(MpObjType, slot_index_protocol),
            ),
            (
                "slot_index_parent",
                offset_of!(MpObjType, slot_index_parent),
            ),
            (
                "slot_index_locals_dict",
                offset_of!(MpObjType, slot_index_locals_dict),
            ),
        ],
    );
    check(
        "mp_obj_full_type_t",
        size_of::<MpObjFullType>(),
        &[("slots", offset_of!(MpObjFullType, slots))],
    );
    check(
        "mp_obj_fun_builtin_fixed_t",
        size_of::<MpObjFunBuiltinFixed>(),
        &[("fun", offset_of!(MpObjFunBuiltinFixed, fun))],
    );
    check(
        "mp_obj_fun_builtin_var_t",
        size_of::<MpObjFunBuiltinVar>(),
        &[
            ("sig", offset_of!(MpObjFunBuiltinVar, sig)),
            ("fun", offset_of!(MpObjFunBuiltinVar, fun)),
        ],
    );
    check(
        "mp_map_elem_t",
        size_of::<MpMapElem>(),
        &[("value", offset_of!(MpMapElem, value))],
    );
    check(
        "mp_map_t",
        size_of::<MpMap>(),
        &[
            ("alloc", offset_of!(MpMap, alloc)),
            ("table", offset_of!(MpMap, table)),
        ],
    );
    check(
        "mp_obj_dict_t",
        size_of::<MpObjDict>(),
        &[("map", offset_of!(MpObjDict, map))],
    );
    check(
        "mp_obj_module_t",
        size_of::<MpObjModule>(),
        &[("globals", offset_of!(MpObjModule, globals))],
    );
    check(
        "mp_module_constants_t",
        size_of::<MpModuleConstants>(),
        &[
            ("qstr_table", offset_of!(MpModuleConstants, qstr_table)),
            ("obj_table", offset_of!(MpModuleConstants, obj_table)),
        ],
    );
    check(
        "mp_module_context_t",
        size_of::<MpModuleContext>(),
        &[
            ("module", offset_of!(MpModuleContext, module)),
            ("constants", offset_of!(MpModuleContext, constants)),
        ],
    );
    // MpObjFun mirrors only the head of mp_obj_fun_bc_t.
    check(
        "mp_obj_fun_bc_t",
        4 * size_of::<usize>(),
        &[("context", offset_of!(MpObjFun, context))],
    );
    check(
        "mp_buffer_info_t",
        size_of::<MpBufferInfo>(),
        &[
            ("len", offset_of!(MpBufferInfo, len)),
            ("typecode", offset_of!(MpBufferInfo, typecode)),
        ],
    );
    check(
        "mp_print_t",
        size_of::<MpPrint>(),
        &[("print_strn", offset_of!(MpPrint, print_strn))],
    );
    check(
        "mp_obj_iter_buf_t",
        size_of::<MpObjIterBuf>(),
        &[("buf", offset_of!(MpObjIterBuf, buf))],
    );
    check(
        "mp_obj_tuple_t",
        size_of::<MpObjTuple>(),
        &[
            ("len", offset_of!(MpObjTuple, len)),
            ("items", offset_of!(MpObjTuple, items)),
        ],
    );
    check(
        "mp_obj_list_t",
        size_of::<MpObjList>(),
        &[
            ("alloc", offset_of!(MpObjList, alloc)),
            ("len", offset_of!(MpObjList, len)),
            ("items", offset_of!(MpObjList, items)),
        ],
    );
    check("mp_arg_val_t", size_of::<MpArgVal>(), &[]);
    check(
        "mp_arg_t",
        size_of::<MpArg>(),
        &[
            ("flags", offset_of!(MpArg, flags)),
            ("defval", offset_of!(MpArg, defval)),
        ],
    );
}
