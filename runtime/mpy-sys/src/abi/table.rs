//! `mp_fun_table_t` of every ABI as one list of entries, each with the ABI that added it
//! and the one that removed it.

use super::{str_eq, MpyAbi};

impl MpyAbi {
    /// Whether `entry` is in this ABI's table.
    pub const fn has(self, entry: &FunEntry) -> bool {
        let added = entry.added as u8 <= self as u8;
        let not_removed = match entry.removed {
            Some(removed) => (self as u8) < removed as u8,
            None => true,
        };
        added && not_removed
    }

    /// Number of entries in this ABI's `mp_fun_table`.
    pub const fn fun_table_len(self) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i < FUN_TABLE.len() {
            if self.has(&FUN_TABLE[i]) {
                n += 1;
            }
            i += 1;
        }
        n
    }

    /// The index of the entry named `name` (the C member name), or `None` when this ABI's
    /// table lacks it.
    pub const fn fun_index(self, name: &str) -> Option<usize> {
        let mut index = 0;
        let mut i = 0;
        while i < FUN_TABLE.len() {
            let entry = &FUN_TABLE[i];
            if self.has(entry) {
                if str_eq(entry.name, name) {
                    return Some(index);
                }
                index += 1;
            }
            i += 1;
        }
        None
    }

    /// The index of the entry whose value is the firmware object `symbol` (`mp_type_dict`,
    /// `mp_stream_write_obj`, ...): where the linker points an undefined symbol of that name.
    pub const fn object_index(self, symbol: &str) -> Option<usize> {
        let mut index = 0;
        let mut i = 0;
        while i < FUN_TABLE.len() {
            let entry = &FUN_TABLE[i];
            if self.has(entry) {
                if let Some(s) = entry.symbol {
                    if str_eq(s, symbol) {
                        return Some(index);
                    }
                }
                index += 1;
            }
            i += 1;
        }
        None
    }

    /// Index of the first firmware-object entry (`type_type`): what `mpy_ld.py` calls
    /// `MP_FUN_TABLE_MP_TYPE_TYPE_OFFSET` (67 before 6.3, 73 from 6.3).
    pub const fn first_object_index(self) -> usize {
        match self.fun_index("type_type") {
            Some(i) => i,
            None => panic!("every ABI has type_type"),
        }
    }

    /// This ABI's entries in table order (index `i` is the `i`th item).
    pub fn fun_table(self) -> impl Iterator<Item = &'static FunEntry> {
        FUN_TABLE.iter().filter(move |e| self.has(e))
    }

    /// Stops a constant evaluation (and so the build) when this ABI's table lacks the entry
    /// `name`, with a message naming the entry and the ABI that has it. Unknown names stop it
    /// too. Outside constants it panics the same way.
    pub const fn require(self, name: &str) {
        let mut i = 0;
        while i < FUN_TABLE.len() {
            let entry = &FUN_TABLE[i];
            if str_eq(entry.name, name) {
                if self.has(entry) {
                    return;
                }
                // An entry can share its name with an entry of another ABI only if one replaced
                // the other; keep looking for one this ABI has.
                let mut j = i + 1;
                while j < FUN_TABLE.len() {
                    if str_eq(FUN_TABLE[j].name, name) && self.has(&FUN_TABLE[j]) {
                        return;
                    }
                    j += 1;
                }
                panic!("{}", entry.unavailable);
            }
            i += 1;
        }
        panic!("no such mp_fun_table entry (names are the C member names of mp_fun_table_t)");
    }
}

/// One entry of `mp_fun_table_t` (`py/nativeglue.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunEntry {
    /// The C member name (`load_method_maybe`, `raise`, `type_Exception`).
    pub name: &'static str,
    /// The member's C type, as a declaration without the name.
    pub c_type: &'static str,
    /// The first ABI with this entry.
    pub added: MpyAbi,
    /// The first ABI without it, if it was removed or replaced.
    pub removed: Option<MpyAbi>,
    /// For entries holding the address of a firmware object: the C symbol a module uses for
    /// that object, which the linker resolves to this entry's value.
    pub symbol: Option<&'static str>,
    /// What the build says when a module uses this entry with an ABI that lacks it.
    pub unavailable: &'static str,
}

/// The text for ABIs in messages, by the ABI's variant name.
macro_rules! abi_text {
    (V6_1) => {
        "6.1 (MicroPython 1.20-1.21)"
    };
    (V6_2) => {
        "6.2 (MicroPython 1.22)"
    };
    (V6_3) => {
        "6.3 (MicroPython 1.23 or later)"
    };
}

/// Builds [`FUN_TABLE`] from lines `name: "C type", since ABI [, until ABI] [, object
/// "symbol"];`.
macro_rules! fun_table {
    (@removed) => { None };
    (@removed $until:ident) => { Some(MpyAbi::$until) };
    (@symbol) => { None };
    (@symbol $symbol:literal) => { Some($symbol) };
    (@unavailable $name:ident, $since:ident) => {
        concat!("mp_fun_table entry `", stringify!($name), "` needs .mpy ABI ", abi_text!($since))
    };
    (@unavailable $name:ident, $since:ident, $until:ident) => {
        concat!(
            "mp_fun_table entry `", stringify!($name), "` exists only before .mpy ABI ",
            abi_text!($until), "; the ABI selected lacks it"
        )
    };
    ($($name:ident : $c_type:literal, since $since:ident $(, until $until:ident)? $(, object $symbol:literal)?;)*) => {
        /// Every `mp_fun_table` entry of any ABI, in table order. An ABI's table is the
        /// subsequence of entries it has ([`MpyAbi::has`]); an entry's index is its position
        /// there ([`MpyAbi::fun_index`]).
        pub const FUN_TABLE: &[FunEntry] = &[$(
            FunEntry {
                name: stringify!($name),
                c_type: $c_type,
                added: MpyAbi::$since,
                removed: fun_table!(@removed $($until)?),
                symbol: fun_table!(@symbol $($symbol)?),
                unavailable: fun_table!(@unavailable $name, $since $(, $until)?),
            },
        )*];
    };
}

fun_table! {
    // 0: the constant objects
    const_none: "mp_const_obj_t", since V6_1;
    const_false: "mp_const_obj_t", since V6_1;
    const_true: "mp_const_obj_t", since V6_1;
    // 3: viper conversions between objects and machine values
    native_from_obj: "mp_uint_t (*)(mp_obj_t obj, mp_uint_t type)", since V6_1;
    native_to_obj: "mp_obj_t (*)(mp_uint_t val, mp_uint_t type)", since V6_1;
    // 5: names, globals, attributes
    swap_globals: "mp_obj_dict_t *(*)(mp_obj_dict_t *new_globals)", since V6_1;
    load_name: "mp_obj_t (*)(qstr qst)", since V6_1;
    load_global: "mp_obj_t (*)(qstr qst)", since V6_1;
    load_build_class: "mp_obj_t (*)(void)", since V6_1;
    load_attr: "mp_obj_t (*)(mp_obj_t base, qstr attr)", since V6_1;
    load_method: "void (*)(mp_obj_t base, qstr attr, mp_obj_t *dest)", since V6_1;
    load_super_method: "void (*)(qstr attr, mp_obj_t *dest)", since V6_1;
    store_name: "void (*)(qstr qst, mp_obj_t obj)", since V6_1;
    store_global: "void (*)(qstr qst, mp_obj_t obj)", since V6_1;
    store_attr: "void (*)(mp_obj_t base, qstr attr, mp_obj_t val)", since V6_1;
    // 15: operators
    obj_subscr: "mp_obj_t (*)(mp_obj_t base, mp_obj_t index, mp_obj_t val)", since V6_1;
    obj_is_true: "bool (*)(mp_obj_t arg)", since V6_1;
    unary_op: "mp_obj_t (*)(mp_unary_op_t op, mp_obj_t arg)", since V6_1;
    binary_op: "mp_obj_t (*)(mp_binary_op_t op, mp_obj_t lhs, mp_obj_t rhs)", since V6_1;
    // 19: containers
    new_tuple: "mp_obj_t (*)(size_t n, const mp_obj_t *items)", since V6_1;
    new_list: "mp_obj_t (*)(size_t n, mp_obj_t *items)", since V6_1;
    new_dict: "mp_obj_t (*)(size_t n_args)", since V6_1;
    new_set: "mp_obj_t (*)(size_t n_args, mp_obj_t *items)", since V6_1;
    set_store: "void (*)(mp_obj_t self_in, mp_obj_t item)", since V6_1;
    list_append: "mp_obj_t (*)(mp_obj_t self_in, mp_obj_t arg)", since V6_1;
    dict_store: "mp_obj_t (*)(mp_obj_t self_in, mp_obj_t key, mp_obj_t value)", since V6_1;
    // 26: function objects from a raw-code description; 6.3 changed the description's
    // layout (see RAW_CODE_HEADS) and the entry's name
    make_function_from_raw_code:
        "mp_obj_t (*)(const mp_raw_code_t *rc, const mp_module_context_t *cm, const mp_obj_t *def_args)",
        since V6_1, until V6_3;
    make_function_from_proto_fun:
        "mp_obj_t (*)(mp_proto_fun_t proto_fun, const mp_module_context_t *cm, const mp_obj_t *def_args)",
        since V6_3;
    // 27: calls
    call_function_n_kw: "mp_obj_t (*)(mp_obj_t fun_in, size_t n_args_kw, const mp_obj_t *args)", since V6_1;
    call_method_n_kw: "mp_obj_t (*)(size_t n_args, size_t n_kw, const mp_obj_t *args)", since V6_1;
    call_method_n_kw_var: "mp_obj_t (*)(bool have_self, size_t n_args_n_kw, const mp_obj_t *args)", since V6_1;
    // 30: iteration
    getiter: "mp_obj_t (*)(mp_obj_t obj, mp_obj_iter_buf_t *iter)", since V6_1;
    iternext: "mp_obj_t (*)(mp_obj_iter_buf_t *iter)", since V6_1;
    // 32: non-local returns (nlr_push is nlr_push_tail on setjmp ports)
    nlr_push: "unsigned int (*)(nlr_buf_t *)", since V6_1;
    nlr_pop: "void (*)(void)", since V6_1;
    raise: "void (*)(mp_obj_t o)", since V6_1;
    // 35: imports
    import_name: "mp_obj_t (*)(qstr name, mp_obj_t fromlist, mp_obj_t level)", since V6_1;
    import_from: "mp_obj_t (*)(mp_obj_t module, qstr name)", since V6_1;
    import_all: "void (*)(mp_obj_t module)", since V6_1;
    // 38: for the native emitter
    new_slice: "mp_obj_t (*)(mp_obj_t start, mp_obj_t stop, mp_obj_t step)", since V6_1;
    unpack_sequence: "void (*)(mp_obj_t seq, size_t num, mp_obj_t *items)", since V6_1;
    unpack_ex: "void (*)(mp_obj_t seq, size_t num, mp_obj_t *items)", since V6_1;
    delete_name: "void (*)(qstr qst)", since V6_1;
    delete_global: "void (*)(qstr qst)", since V6_1;
    new_closure: "mp_obj_t (*)(mp_obj_t fun, size_t n_closed_over, const mp_obj_t *closed)", since V6_1;
    arg_check_num_sig: "void (*)(size_t n_args, size_t n_kw, uint32_t sig)", since V6_1;
    setup_code_state_native:
        "void (*)(mp_code_state_native_t *code_state, size_t n_args, size_t n_kw, const mp_obj_t *args)",
        since V6_1;
    small_int_floor_divide: "mp_int_t (*)(mp_int_t num, mp_int_t denom)", since V6_1;
    small_int_modulo: "mp_int_t (*)(mp_int_t dividend, mp_int_t divisor)", since V6_1;
    yield_from: "bool (*)(mp_obj_t gen, mp_obj_t send_value, mp_obj_t *ret_value)", since V6_1;
    // 49: the C library's setjmp on setjmp-nlr ports, else NULL
    setjmp_: "void *", since V6_1;
    // 50: entries for native modules
    memset_: "void *(*)(void *s, int c, size_t n)", since V6_1;
    memmove_: "void *(*)(void *dest, const void *src, size_t n)", since V6_1;
    realloc_: "void *(*)(void *ptr, size_t n_bytes, bool allow_move)", since V6_1;
    printf_: "int (*)(const mp_print_t *print, const char *fmt, ...)", since V6_1;
    vprintf_: "int (*)(const mp_print_t *print, const char *fmt, va_list args)", since V6_1;
    // NULL on firmware without error reporting (after 1.28)
    raise_msg: "noreturn void (*)(const mp_obj_type_t *exc_type, mp_rom_error_text_t msg)", since V6_1;
    obj_get_type: "const mp_obj_type_t *(*)(mp_const_obj_t o_in)", since V6_1;
    obj_new_str: "mp_obj_t (*)(const char *data, size_t len)", since V6_1;
    obj_new_bytes: "mp_obj_t (*)(const byte *data, size_t len)", since V6_1;
    obj_new_bytearray_by_ref: "mp_obj_t (*)(size_t n, void *items)", since V6_1;
    obj_new_float_from_f: "mp_obj_t (*)(float f)", since V6_1;
    obj_new_float_from_d: "mp_obj_t (*)(double d)", since V6_1;
    obj_get_float_to_f: "float (*)(mp_obj_t o)", since V6_1;
    obj_get_float_to_d: "double (*)(mp_obj_t o)", since V6_1;
    // 64: 6.1 raises on objects without a buffer; 6.2 returns false unless asked to raise
    get_buffer_raise: "void (*)(mp_obj_t obj, mp_buffer_info_t *bufinfo, mp_uint_t flags)", since V6_1, until V6_2;
    load_method_maybe: "void (*)(mp_obj_t base, qstr attr, mp_obj_t *dest)", since V6_3;
    get_buffer: "bool (*)(mp_obj_t obj, mp_buffer_info_t *bufinfo, mp_uint_t flags)", since V6_2;
    get_stream_raise: "const mp_stream_p_t *(*)(mp_obj_t self_in, int flags)", since V6_1;
    arg_parse_all:
        "void (*)(size_t n_pos, const mp_obj_t *pos, mp_map_t *kws, size_t n_allowed, const mp_arg_t *allowed, mp_arg_val_t *out_vals)",
        since V6_3;
    arg_parse_all_kw_array:
        "void (*)(size_t n_pos, size_t n_kw, const mp_obj_t *args, size_t n_allowed, const mp_arg_t *allowed, mp_arg_val_t *out_vals)",
        since V6_3;
    binary_get_size: "size_t (*)(char struct_type, char val_type, size_t *palign)", since V6_3;
    binary_get_val_array: "mp_obj_t (*)(char typecode, void *p, size_t index)", since V6_3;
    binary_set_val_array: "void (*)(char typecode, void *p, size_t index, mp_obj_t val_in)", since V6_3;
    plat_print: "const mp_print_t *", since V6_1;
    // 67 (6.1, 6.2) / 73 (6.3): firmware objects
    type_type: "const mp_obj_type_t *", since V6_1, object "mp_type_type";
    type_str: "const mp_obj_type_t *", since V6_1, object "mp_type_str";
    type_list: "const mp_obj_type_t *", since V6_1, object "mp_type_list";
    type_dict: "const mp_obj_type_t *", since V6_1, object "mp_type_dict";
    type_fun_builtin_0: "const mp_obj_type_t *", since V6_1, object "mp_type_fun_builtin_0";
    type_fun_builtin_1: "const mp_obj_type_t *", since V6_1, object "mp_type_fun_builtin_1";
    type_fun_builtin_2: "const mp_obj_type_t *", since V6_1, object "mp_type_fun_builtin_2";
    type_fun_builtin_3: "const mp_obj_type_t *", since V6_1, object "mp_type_fun_builtin_3";
    type_fun_builtin_var: "const mp_obj_type_t *", since V6_1, object "mp_type_fun_builtin_var";
    type_Exception: "const mp_obj_type_t *", since V6_3, object "mp_type_Exception";
    stream_read_obj: "const mp_obj_fun_builtin_var_t *", since V6_1, object "mp_stream_read_obj";
    stream_readinto_obj: "const mp_obj_fun_builtin_var_t *", since V6_1, object "mp_stream_readinto_obj";
    stream_unbuffered_readline_obj:
        "const mp_obj_fun_builtin_var_t *", since V6_1, object "mp_stream_unbuffered_readline_obj";
    stream_write_obj: "const mp_obj_fun_builtin_var_t *", since V6_1, object "mp_stream_write_obj";
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    #[test]
    fn table_lengths_and_object_offsets() {
        assert_eq!(MpyAbi::V6_1.fun_table_len(), 80);
        assert_eq!(MpyAbi::V6_2.fun_table_len(), 80);
        assert_eq!(MpyAbi::V6_3.fun_table_len(), 87);
        assert_eq!(MpyAbi::V6_1.first_object_index(), 67);
        assert_eq!(MpyAbi::V6_2.first_object_index(), 67);
        assert_eq!(MpyAbi::V6_3.first_object_index(), 73);
        for abi in MpyAbi::ALL {
            assert_eq!(abi.fun_table().count(), abi.fun_table_len());
            assert_eq!(abi.fun_index("memset_"), Some(50), "{abi:?}");
            assert_eq!(abi.fun_index("memmove_"), Some(51), "{abi:?}");
            assert_eq!(
                abi.fun_index("stream_write_obj"),
                Some(abi.fun_table_len() - 1)
            );
        }
    }

    #[test]
    fn the_differences_between_abis() {
        use MpyAbi::*;
        assert_eq!(V6_1.fun_index("get_buffer_raise"), Some(64));
        assert_eq!(V6_2.fun_index("get_buffer_raise"), None);
        assert_eq!(V6_2.fun_index("get_buffer"), Some(64));
        assert_eq!(V6_3.fun_index("get_buffer"), Some(65));
        assert_eq!(V6_3.fun_index("load_method_maybe"), Some(64));
        assert_eq!(V6_2.fun_index("make_function_from_raw_code"), Some(26));
        assert_eq!(V6_3.fun_index("make_function_from_proto_fun"), Some(26));
        assert_eq!(V6_3.fun_index("make_function_from_raw_code"), None);
        assert_eq!(V6_3.fun_index("plat_print"), Some(72));
        assert_eq!(V6_1.fun_index("plat_print"), Some(66));
        assert_eq!(V6_2.object_index("mp_type_Exception"), None);
        assert_eq!(V6_3.object_index("mp_type_Exception"), Some(82));
        assert_eq!(V6_2.object_index("mp_stream_write_obj"), Some(79));
        assert_eq!(V6_3.object_index("mp_stream_write_obj"), Some(86));
        // Names are unique within each ABI.
        for abi in MpyAbi::ALL {
            let names: Vec<_> = abi.fun_table().map(|e| e.name).collect();
            for (i, n) in names.iter().enumerate() {
                assert!(!names[i + 1..].contains(n), "{n} twice in {abi:?}");
            }
        }
    }

    #[test]
    fn object_symbols_match_the_linker_order() {
        // mpy_ld.py maps these names to first_object_index + i, in this order.
        for abi in MpyAbi::ALL {
            let first = abi.first_object_index();
            let symbols: Vec<_> = abi.fun_table().filter_map(|e| e.symbol).collect();
            for (i, s) in symbols.iter().enumerate() {
                assert_eq!(abi.object_index(s), Some(first + i));
            }
            assert_eq!(first + symbols.len(), abi.fun_table_len());
        }
    }

    #[test]
    fn messages_name_the_releases_as_mpyabi_does() {
        // abi_text! (needed by concat!) and MpyAbi::releases say the same.
        for entry in FUN_TABLE {
            let since = entry.added;
            let text = std::format!("{since} ({})", since.releases());
            let until = entry
                .removed
                .map(|u| std::format!("{u} ({})", u.releases()));
            assert!(
                entry.unavailable.contains(&text)
                    || until.is_some_and(|u| entry.unavailable.contains(&u)),
                "{}: {}",
                entry.name,
                entry.unavailable
            );
        }
    }

    #[test]
    fn require_names_the_entry_and_the_abi() {
        MpyAbi::V6_3.require("load_method_maybe");
        MpyAbi::V6_1.require("get_buffer_raise");
        MpyAbi::V6_2.require("make_function_from_raw_code");
        let err = std::panic::catch_unwind(|| MpyAbi::V6_2.require("load_method_maybe"))
            .expect_err("6.2 lacks load_method_maybe");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.contains("`load_method_maybe`") && msg.contains("6.3 (MicroPython 1.23"),
            "{msg}"
        );
        let err = std::panic::catch_unwind(|| MpyAbi::V6_3.require("get_buffer_raise"))
            .expect_err("6.3 lacks get_buffer_raise");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.contains("`get_buffer_raise`") && msg.contains("before .mpy ABI 6.2"),
            "{msg}"
        );
        assert!(std::panic::catch_unwind(|| MpyAbi::V6_3.require("no_such_entry")).is_err());
    }
}
