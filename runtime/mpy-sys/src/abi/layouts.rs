//! Sizes and member offsets of the structures a module shares with the firmware.

/// A size or offset of `words` machine words plus `bytes` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Whole machine words.
    pub words: usize,
    /// Bytes on top.
    pub bytes: usize,
}

impl Span {
    /// The value for a machine word of `word_size` bytes (4 or 8).
    pub const fn at(self, word_size: usize) -> usize {
        self.words * word_size + self.bytes
    }
}

const fn w(words: usize) -> Span {
    Span { words, bytes: 0 }
}

const fn wb(words: usize, bytes: usize) -> Span {
    Span { words, bytes }
}

/// The layout of a C structure a module shares with the firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The C type name.
    pub c_name: &'static str,
    /// `sizeof`.
    pub size: Span,
    /// Members and their `offsetof`.
    pub fields: &'static [(&'static str, Span)],
}

/// Structure layouts, identical in the three ABIs (object representation A). Flexible array
/// members are listed at their offset.
pub const LAYOUTS: &[Layout] = &[
    Layout {
        c_name: "mp_obj_base_t",
        size: w(1),
        fields: &[("type", w(0))],
    },
    Layout {
        c_name: "mp_obj_type_t",
        size: wb(1, 16),
        fields: &[
            ("base", w(0)),
            ("flags", w(1)),
            ("name", wb(1, 2)),
            ("slot_index_make_new", wb(1, 4)),
            ("slot_index_print", wb(1, 5)),
            ("slot_index_call", wb(1, 6)),
            ("slot_index_unary_op", wb(1, 7)),
            ("slot_index_binary_op", wb(1, 8)),
            ("slot_index_attr", wb(1, 9)),
            ("slot_index_subscr", wb(1, 10)),
            ("slot_index_iter", wb(1, 11)),
            ("slot_index_buffer", wb(1, 12)),
            ("slot_index_protocol", wb(1, 13)),
            ("slot_index_parent", wb(1, 14)),
            ("slot_index_locals_dict", wb(1, 15)),
            ("slots", wb(1, 16)),
        ],
    },
    Layout {
        c_name: "mp_obj_full_type_t",
        size: wb(12, 16),
        fields: &[("slots", wb(1, 16))],
    },
    Layout {
        c_name: "mp_obj_fun_builtin_fixed_t",
        size: w(2),
        fields: &[("base", w(0)), ("fun", w(1))],
    },
    Layout {
        c_name: "mp_obj_fun_builtin_var_t",
        size: w(3),
        fields: &[("base", w(0)), ("sig", w(1)), ("fun", w(2))],
    },
    Layout {
        c_name: "mp_map_elem_t",
        size: w(2),
        fields: &[("key", w(0)), ("value", w(1))],
    },
    Layout {
        c_name: "mp_rom_map_elem_t",
        size: w(2),
        fields: &[("key", w(0)), ("value", w(1))],
    },
    // The first word packs all_keys_are_qstrs (bit 0), is_fixed (1), is_ordered (2) and used.
    Layout {
        c_name: "mp_map_t",
        size: w(3),
        fields: &[("alloc", w(1)), ("table", w(2))],
    },
    Layout {
        c_name: "mp_obj_dict_t",
        size: w(4),
        fields: &[("base", w(0)), ("map", w(1))],
    },
    Layout {
        c_name: "mp_obj_module_t",
        size: w(2),
        fields: &[("base", w(0)), ("globals", w(1))],
    },
    Layout {
        c_name: "mp_module_constants_t",
        size: w(2),
        fields: &[("qstr_table", w(0)), ("obj_table", w(1))],
    },
    Layout {
        c_name: "mp_module_context_t",
        size: w(4),
        fields: &[("module", w(0)), ("constants", w(2))],
    },
    Layout {
        c_name: "mp_obj_fun_bc_t",
        size: w(4),
        fields: &[
            ("base", w(0)),
            ("context", w(1)),
            ("child_table", w(2)),
            ("bytecode", w(3)),
        ],
    },
    Layout {
        c_name: "mp_print_t",
        size: w(2),
        fields: &[("data", w(0)), ("print_strn", w(1))],
    },
    // typecode is a C int.
    Layout {
        c_name: "mp_buffer_info_t",
        size: w(3),
        fields: &[("buf", w(0)), ("len", w(1)), ("typecode", w(2))],
    },
    Layout {
        c_name: "mp_obj_iter_buf_t",
        size: w(4),
        fields: &[("base", w(0)), ("buf", w(1))],
    },
    // is_text is bit 0 of the fourth word.
    Layout {
        c_name: "mp_stream_p_t",
        size: w(4),
        fields: &[("read", w(0)), ("write", w(1)), ("ioctl", w(2))],
    },
    Layout {
        c_name: "mp_obj_tuple_t",
        size: w(2),
        fields: &[("len", w(1)), ("items", w(2))],
    },
    Layout {
        c_name: "mp_obj_list_t",
        size: w(4),
        fields: &[("alloc", w(1)), ("len", w(2)), ("items", w(3))],
    },
    Layout {
        c_name: "mp_obj_str_t",
        size: w(4),
        fields: &[("hash", w(1)), ("len", w(2)), ("data", w(3))],
    },
    Layout {
        c_name: "mp_obj_instance_t",
        size: w(4),
        fields: &[("members", w(1)), ("subobj", w(4))],
    },
    Layout {
        c_name: "mp_arg_val_t",
        size: w(1),
        fields: &[],
    },
    Layout {
        c_name: "mp_arg_t",
        size: w(2),
        fields: &[("qst", w(0)), ("flags", wb(0, 2)), ("defval", w(1))],
    },
    // The part of mp_raw_code_t a module fills in; the head's encoding is RawCodeHead.
    Layout {
        c_name: "mp_raw_code_t",
        size: w(3),
        fields: &[("fun_data", w(1)), ("children", w(2))],
    },
];

/// The layout named `c_name`.
pub fn layout(c_name: &str) -> Option<&'static Layout> {
    LAYOUTS.iter().find(|l| l.c_name == c_name)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn layouts_for_both_word_sizes() {
        let ty = layout("mp_obj_type_t").expect("type");
        assert_eq!((ty.size.at(4), ty.size.at(8)), (20, 24));
        let full = layout("mp_obj_full_type_t").expect("full type");
        assert_eq!((full.size.at(4), full.size.at(8)), (64, 112));
    }
}
