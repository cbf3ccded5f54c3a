//! Facts of the native-module ABI of every `.mpy` sub-version a board may run.
//!
//! A native `.mpy` file loads only on firmware with the same `.mpy` version (6) and
//! sub-version, and what the module finds in `mp_fun_table` differs between sub-versions.
//! This module is the one place that records those differences, as data:
//!
//! * [`MpyAbi`]: the three ABIs (6.1, 6.2, 6.3), the MicroPython releases that run each, and
//!   the shape of the table (length, index of the first object entry);
//! * [`FUN_TABLE`]: every entry any ABI has, in table order, with its C type, the ABI that
//!   added it and the ABI that removed it; [`MpyAbi::fun_index`] gives an entry's index for
//!   one ABI;
//! * [`ARCHES`]: which firmware and which `mpy_ld.py` first handle each architecture;
//! * [`LAYOUTS`]: the sizes and member offsets of the structures a module shares with the
//!   firmware, for 32- and 64-bit words (the same in every ABI);
//! * a few behaviours that changed inside one ABI ([`NATIVE_TO_OBJ_QSTR_SINCE`], ...).
//!
//! The static qstr list ([`crate::static_qstrs`]) is the same for all three ABIs.
//!
//! The facts were read from MicroPython's sources at v1.20.0, v1.21.0, v1.22.2, v1.23.0 and
//! the reference commit 1c3c201149 (`py/persistentcode.h`, `py/nativeglue.h`, `py/obj.h`,
//! `tools/mpy_ld.py`). The C header cargo-mpy ships (`cargo-mpy/include/natmod.h`) is checked
//! against them by the layout test (`tests/tests/abi_layout.rs`), and this crate's
//! [`crate::MpFunTable`] against [`MpyAbi::V6_3`] (`runtime/mpy-sys/tests/layout.rs`).
//!
//! # Using an entry the target lacks
//!
//! [`MpyAbi::require`] is a `const fn`: evaluated in a constant, it stops the build with a
//! message naming the entry and the ABI that introduced it.
//!
//! ```
//! use mpy_sys::abi::MpyAbi;
//! const _: () = MpyAbi::V6_3.require("load_method_maybe");
//! ```
//!
//! ```compile_fail
//! use mpy_sys::abi::MpyAbi;
//! // error: mp_fun_table entry `load_method_maybe` needs .mpy ABI 6.3 (MicroPython 1.23 or later)
//! const _: () = MpyAbi::V6_2.require("load_method_maybe");
//! ```

/// A MicroPython release, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release {
    /// Major version (1).
    pub major: u8,
    /// Minor version (20 for 1.20).
    pub minor: u8,
}

const fn release(major: u8, minor: u8) -> Release {
    Release { major, minor }
}

/// A native-module ABI: `.mpy` version 6 with a sub-version. Ordered by age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MpyAbi {
    /// Sub-version 1: MicroPython 1.20 and 1.21.
    V6_1,
    /// Sub-version 2: MicroPython 1.22.
    V6_2,
    /// Sub-version 3: MicroPython 1.23 and later.
    V6_3,
}

/// The `.mpy` major version of every ABI here.
pub const MPY_VERSION: u8 = 6;

impl MpyAbi {
    /// Every ABI, oldest first.
    pub const ALL: [MpyAbi; 3] = [MpyAbi::V6_1, MpyAbi::V6_2, MpyAbi::V6_3];

    /// The ABI used when none is asked for: the one current firmware runs.
    pub const DEFAULT: MpyAbi = MpyAbi::V6_3;

    /// The `.mpy` sub-version written into the file header (low two bits of byte 2).
    pub const fn sub_version(self) -> u8 {
        match self {
            MpyAbi::V6_1 => 1,
            MpyAbi::V6_2 => 2,
            MpyAbi::V6_3 => 3,
        }
    }

    /// The ABI of a `.mpy` sub-version, if it is one of these.
    pub const fn from_sub_version(sub_version: u8) -> Option<MpyAbi> {
        match sub_version {
            1 => Some(MpyAbi::V6_1),
            2 => Some(MpyAbi::V6_2),
            3 => Some(MpyAbi::V6_3),
            _ => None,
        }
    }

    /// The name users write (`--mpy-abi 6.2`, `mpy-abi = "6.2"`).
    pub const fn name(self) -> &'static str {
        match self {
            MpyAbi::V6_1 => "6.1",
            MpyAbi::V6_2 => "6.2",
            MpyAbi::V6_3 => "6.3",
        }
    }

    /// Parses a name as written by users: `6.1`, `6.2` or `6.3`.
    pub fn from_name(name: &str) -> Option<MpyAbi> {
        MpyAbi::ALL.into_iter().find(|abi| abi.name() == name)
    }

    /// The first MicroPython release whose firmware loads this ABI.
    pub const fn first_release(self) -> Release {
        match self {
            MpyAbi::V6_1 => release(1, 20),
            MpyAbi::V6_2 => release(1, 22),
            MpyAbi::V6_3 => release(1, 23),
        }
    }

    /// The last MicroPython release that loads this ABI, or `None` while current firmware
    /// still does.
    pub const fn last_release(self) -> Option<Release> {
        match self {
            MpyAbi::V6_1 => Some(release(1, 21)),
            MpyAbi::V6_2 => Some(release(1, 22)),
            MpyAbi::V6_3 => None,
        }
    }

    /// The value of `MPY_ABI` that selects this ABI in cargo-mpy's C header (`0x0603`).
    pub const fn c_macro(self) -> u32 {
        ((MPY_VERSION as u32) << 8) | self.sub_version() as u32
    }

    /// The value of `sys.implementation._mpy` on firmware of this ABI for an architecture
    /// code: version, sub-version in bits 8-9, architecture from bit 10.
    pub const fn sys_implementation_mpy(self, arch_code: u8) -> u32 {
        MPY_VERSION as u32 | (self.sub_version() as u32) << 8 | (arch_code as u32) << 10
    }

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

/// Why a MicroPython tree's `py/persistentcode.h` names no ABI cargo-mpy supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeAbiError {
    /// `#define MPY_VERSION` or `#define MPY_SUB_VERSION` is missing or not a number.
    Missing(&'static str),
    /// The tree writes a `.mpy` version other than 6 (MicroPython before 1.19 or a future one).
    Version(u32),
    /// Version 6 with a sub-version other than 1, 2 or 3 (MicroPython 1.19, which has no
    /// `MPY_SUB_VERSION`, is 6.0).
    SubVersion(u32),
}

impl core::fmt::Display for TreeAbiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TreeAbiError::Missing(name) => write!(f, "no `#define {name} <number>` line"),
            TreeAbiError::Version(v) => write!(
                f,
                "the tree writes .mpy version {v}; cargo-mpy supports version 6 \
                 (sub-versions 1-3: MicroPython 1.20 and later)"
            ),
            TreeAbiError::SubVersion(s) => write!(
                f,
                "the tree writes .mpy version 6.{s}; cargo-mpy supports 6.1, 6.2 and 6.3 \
                 (MicroPython 1.20 and later)"
            ),
        }
    }
}

/// The ABI a MicroPython source tree builds for, from the text of its
/// `py/persistentcode.h` (`#define MPY_VERSION 6`, `#define MPY_SUB_VERSION 2`).
pub fn abi_of_persistentcode_h(text: &str) -> Result<MpyAbi, TreeAbiError> {
    let define = |name: &'static str| -> Result<u32, TreeAbiError> {
        text.lines()
            .filter_map(|line| line.trim().strip_prefix("#define "))
            .filter_map(|rest| rest.trim_start().strip_prefix(name))
            .filter(|rest| rest.starts_with([' ', '\t']))
            .find_map(|rest| {
                rest.trim()
                    .trim_start_matches('(')
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse().ok())
            })
            .ok_or(TreeAbiError::Missing(name))
    };
    let version = define("MPY_VERSION")?;
    if version != MPY_VERSION as u32 {
        return Err(TreeAbiError::Version(version));
    }
    // MicroPython 1.19 wrote version 6 before sub-versions existed: that is 6.0.
    let sub = match define("MPY_SUB_VERSION") {
        Err(TreeAbiError::Missing(_)) => 0,
        other => other?,
    };
    u8::try_from(sub)
        .ok()
        .and_then(MpyAbi::from_sub_version)
        .ok_or(TreeAbiError::SubVersion(sub))
}

/// The ABI this build targets: `cargo mpy build --mpy-abi 6.2` passes `--cfg mpy_abi="6.2"`
/// to every crate of the module; without it, [`MpyAbi::DEFAULT`].
pub const TARGET: MpyAbi = if cfg!(mpy_abi = "6.1") {
    MpyAbi::V6_1
} else if cfg!(mpy_abi = "6.2") {
    MpyAbi::V6_2
} else {
    MpyAbi::DEFAULT
};

/// Stops the build when the target ABI ([`TARGET`]) lacks the `mp_fun_table` entry named
/// (the C member name), with a message naming the entry and the ABI that has it.
///
/// It expands to an inline constant, which the compiler evaluates where the code using it is
/// compiled: in a non-generic function that is when its crate builds, in a generic one when
/// it is instantiated. A library wrapping an optional entry therefore puts the check in a
/// generic function (or a macro), so that only modules that use it need the newer firmware.
///
/// ```
/// fn call_it() {
///     mpy_sys::require_entry!(load_method_maybe); // fine: the default target is 6.3
/// }
/// # call_it();
/// ```
#[macro_export]
macro_rules! require_entry {
    ($name:ident) => {
        const { $crate::abi::TARGET.require(::core::stringify!($name)) }
    };
}

/// Byte-wise string equality usable in constants.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
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

/// `native_to_obj(q, MP_NATIVE_TYPE_QSTR)` makes a qstr object from this release on; 1.20
/// (ABI 6.1) returns an int instead, so a 6.1 module composes the object itself.
pub const NATIVE_TO_OBJ_QSTR_SINCE: Release = release(1, 21);

/// From this release the loader registers a module's bss/rodata block as a GC root (on ports
/// that enable it); before, the block's only reference is the `children` pointer of the raw
/// code the loader builds for `mpy_init` (which must then have no children).
pub const BSS_RODATA_ROOTED_SINCE: Release = release(1, 24);

/// `MP_NATIVE_TYPE_QSTR`, the conversion code for qstrs.
pub const MP_NATIVE_TYPE_QSTR: usize = 0x08;

/// How the description `make_function_from_*` reads begins (`mp_raw_code_t`). The module
/// builds it on its stack; the firmware reads the kind, the generator flag and `fun_data`
/// (one word in) and `children` (two words in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawCodeHead {
    /// 6.1 and 6.2: one machine word of bit fields, from bit 0: kind (3 bits), scope flags (7
    /// bits, bit 0 of which, `MP_SCOPE_FLAG_GENERATOR`, marks a generator), positional
    /// argument count (11 bits).
    BitFields,
    /// 6.3: bytes `0, 0` (telling it from bytecode), then the kind and a generator flag byte.
    Bytes,
}

impl MpyAbi {
    /// The head of `mp_raw_code_t` on this ABI.
    pub const fn raw_code_head(self) -> RawCodeHead {
        match self {
            MpyAbi::V6_1 | MpyAbi::V6_2 => RawCodeHead::BitFields,
            MpyAbi::V6_3 => RawCodeHead::Bytes,
        }
    }
}

/// `MP_CODE_NATIVE_VIPER`: the kind of a native module's functions.
pub const MP_CODE_NATIVE_VIPER: u8 = 4;

/// When firmware and MicroPython's linker first handle an architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchFacts {
    /// The name `mpy_ld.py --arch` takes.
    pub name: &'static str,
    /// The code in the `.mpy` header (bits 2-7 of byte 2).
    pub code: u8,
    /// The first release whose firmware loads native code of this architecture (`None`:
    /// every release with these ABIs).
    pub firmware_since: Option<Release>,
    /// The first release whose `tools/mpy_ld.py` links it.
    pub mpy_ld_since: Option<Release>,
}

/// The architectures of native modules. Loaders accept a file only for their own code (ARM-M
/// loaders also accept lower ARM-M codes).
pub const ARCHES: &[ArchFacts] = &[
    ArchFacts {
        name: "x86",
        code: 1,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "x64",
        code: 2,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "armv6m",
        code: 4,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "armv7m",
        code: 5,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "armv7emsp",
        code: 7,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "armv7emdp",
        code: 8,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "xtensa",
        code: 9,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "xtensawin",
        code: 10,
        firmware_since: None,
        mpy_ld_since: None,
    },
    ArchFacts {
        name: "rv32imc",
        code: 11,
        firmware_since: Some(release(1, 24)),
        mpy_ld_since: Some(release(1, 25)),
    },
    ArchFacts {
        name: "rv64imc",
        code: 12,
        firmware_since: Some(release(1, 28)),
        mpy_ld_since: Some(release(1, 28)),
    },
];

/// The `.mpy` header's architecture-flags extension (feature bit `0x40`, then a vuint; RISC-V
/// extensions zba = 1, zcmp = 2) is understood by firmware from this release and written by
/// `mpy_ld.py` from 1.28.
pub const ARCH_FLAGS_SINCE: Release = release(1, 27);

impl MpyAbi {
    /// Whether some firmware of this ABI loads native code for `arch`: RISC-V needs 6.3 (and
    /// a late enough 6.3 release, see [`ArchFacts::firmware_since`]).
    pub fn supports_arch(self, arch: &ArchFacts) -> bool {
        match arch.firmware_since {
            None => true,
            Some(since) => match self.last_release() {
                None => true,
                Some(last) => since <= last,
            },
        }
    }
}

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
    fn names_versions_and_sys_implementation() {
        for abi in MpyAbi::ALL {
            assert_eq!(MpyAbi::from_name(abi.name()), Some(abi));
            assert_eq!(MpyAbi::from_sub_version(abi.sub_version()), Some(abi));
        }
        assert_eq!(MpyAbi::from_name("6.4"), None);
        assert_eq!(MpyAbi::V6_3.c_macro(), 0x0603);
        // Measured on the unix port: 1.20 and 1.21 give 0x906, 1.22 0xa06, 1.23 and 1.29 0xb06.
        assert_eq!(MpyAbi::V6_1.sys_implementation_mpy(2), 0x906);
        assert_eq!(MpyAbi::V6_2.sys_implementation_mpy(2), 0xa06);
        assert_eq!(MpyAbi::V6_3.sys_implementation_mpy(2), 0xb06);
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

    #[test]
    fn abi_of_a_tree() {
        // The two lines as MicroPython's py/persistentcode.h has them, amid other defines.
        let tree = |sub: &str| {
            std::format!(
                "#define MPY_VERSION 6\n#define MPY_SUB_VERSION {sub}\n#define MPY_VERSION_X 9\n"
            )
        };
        assert_eq!(abi_of_persistentcode_h(&tree("1")), Ok(MpyAbi::V6_1));
        assert_eq!(abi_of_persistentcode_h(&tree("2")), Ok(MpyAbi::V6_2));
        assert_eq!(abi_of_persistentcode_h(&tree("3")), Ok(MpyAbi::V6_3));
        assert_eq!(
            abi_of_persistentcode_h(&tree("0")),
            Err(TreeAbiError::SubVersion(0))
        );
        assert_eq!(
            abi_of_persistentcode_h("#define MPY_VERSION 5\n#define MPY_SUB_VERSION 0\n"),
            Err(TreeAbiError::Version(5))
        );
        assert_eq!(
            abi_of_persistentcode_h("#define MPY_VERSION 6\n"),
            Err(TreeAbiError::SubVersion(0))
        );
        assert_eq!(
            abi_of_persistentcode_h("#define MPY_SUB_VERSION 3\n"),
            Err(TreeAbiError::Missing("MPY_VERSION"))
        );
        let msg = std::format!("{}", TreeAbiError::SubVersion(4));
        assert!(
            msg.contains("6.4") && msg.contains("6.1, 6.2 and 6.3"),
            "{msg}"
        );
    }

    #[test]
    fn riscv_needs_6_3() {
        let rv32 = ARCHES
            .iter()
            .find(|a| a.name == "rv32imc")
            .expect("rv32imc");
        let x64 = ARCHES.iter().find(|a| a.name == "x64").expect("x64");
        assert!(!MpyAbi::V6_2.supports_arch(rv32));
        assert!(MpyAbi::V6_3.supports_arch(rv32));
        assert!(MpyAbi::V6_1.supports_arch(x64));
    }

    #[test]
    fn layouts_for_both_word_sizes() {
        let ty = layout("mp_obj_type_t").expect("type");
        assert_eq!((ty.size.at(4), ty.size.at(8)), (20, 24));
        let full = layout("mp_obj_full_type_t").expect("full type");
        assert_eq!((full.size.at(4), full.size.at(8)), (64, 112));
    }
}
