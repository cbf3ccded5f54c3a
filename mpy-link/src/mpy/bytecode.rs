//! Decoding MicroPython version-6 bytecode: instruction lengths, operand
//! formats and names. The merge uses it to find qstr and object operands;
//! the dump uses it to list code.

use std::borrow::Cow;

/// How an instruction's operand is encoded (from the opcode's high nibble).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpFormat {
    /// No operand.
    Byte,
    /// A vuint index into the qstr table.
    Qstr,
    /// A vuint (signed for `LOAD_CONST_SMALL_INT`).
    VarUint,
    /// A jump offset of one or two bytes.
    Offset,
}

/// Opcode numbers the reader and merge need by name.
pub mod opcode {
    /// Pushes a constant from the object table.
    pub const LOAD_CONST_OBJ: u8 = 0x23;
    /// Pushes a small int given as a signed vuint.
    pub const LOAD_CONST_SMALL_INT: u8 = 0x22;
    /// Jumps while unwinding exception handlers; one extra byte.
    pub const UNWIND_JUMP: u8 = 0x40;
    /// Unconditional jump.
    pub const JUMP: u8 = 0x42;
    /// Pops and jumps if true.
    pub const POP_JUMP_IF_TRUE: u8 = 0x43;
    /// Pops and jumps if false.
    pub const POP_JUMP_IF_FALSE: u8 = 0x44;
    /// Pushes `None`.
    pub const LOAD_CONST_NONE: u8 = 0x51;
    /// Discards the top of the stack.
    pub const POP_TOP: u8 = 0x59;
    /// Returns the top of the stack.
    pub const RETURN_VALUE: u8 = 0x63;
    /// Makes a function from child raw code `n`.
    pub const MAKE_FUNCTION: u8 = 0x32;
    /// Calls a function with `n` positional arguments.
    pub const CALL_FUNCTION: u8 = 0x34;
}

/// The operand format of `op`.
pub fn op_format(op: u8) -> OpFormat {
    match op >> 4 {
        1 => OpFormat::Qstr,
        2 | 3 => OpFormat::VarUint,
        4 => OpFormat::Offset,
        _ => OpFormat::Byte,
    }
}

/// Whether `op` is followed by one extra byte after its operand.
pub fn op_has_extra_byte(op: u8) -> bool {
    op & 0x9e == 0
}

/// Whether the jump offset of `op` is signed.
pub fn op_jump_is_signed(op: u8) -> bool {
    matches!(
        op,
        opcode::UNWIND_JUMP | opcode::JUMP | opcode::POP_JUMP_IF_TRUE | opcode::POP_JUMP_IF_FALSE
    )
}

/// The decoded operand of an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    /// No operand.
    None,
    /// A qstr-table index.
    Qstr(u64),
    /// An unsigned number (object index, child index, count, local...).
    Uint(u64),
    /// The signed value of `LOAD_CONST_SMALL_INT`.
    SmallInt(i64),
    /// A jump, to this offset from the first instruction. Offsets are
    /// relative to the end of the offset field (as the VM reads them).
    Jump(i64),
}

/// One decoded bytecode instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instruction {
    /// Offset from the first instruction.
    pub offset: usize,
    /// Encoded size in bytes.
    pub size: usize,
    /// The opcode byte.
    pub opcode: u8,
    /// Its operand.
    pub operand: Operand,
    /// The extra byte, for the opcodes that have one.
    pub extra: Option<u8>,
}

/// Decodes a whole bytecode stream. On failure returns the offset of the
/// bad instruction and a reason.
pub fn decode_bytecode(code: &[u8]) -> Result<Vec<Instruction>, (usize, String)> {
    let mut out = Vec::new();
    let mut ip = 0;
    while ip < code.len() {
        let insn = decode_instruction(code, ip).map_err(|r| (ip, r.to_string()))?;
        ip += insn.size;
        out.push(insn);
    }
    Ok(out)
}

/// Decodes the instruction at `ip`.
pub fn decode_instruction(code: &[u8], ip: usize) -> Result<Instruction, &'static str> {
    const TRUNCATED: &str = "instruction runs past the end of the code";
    let byte = |at: usize| code.get(at).copied().ok_or(TRUNCATED);
    let op = byte(ip)?;
    let mut pos = ip + 1;
    let operand = match op_format(op) {
        OpFormat::Byte => Operand::None,
        OpFormat::Qstr | OpFormat::VarUint => {
            let first = byte(pos)?;
            let signed = op == opcode::LOAD_CONST_SMALL_INT;
            let mut value = i64::from(first & 0x7f);
            if signed && first & 0x40 != 0 {
                value -= 0x80;
            }
            let mut b = first;
            pos += 1;
            while b & 0x80 != 0 {
                b = byte(pos)?;
                pos += 1;
                value = value
                    .checked_mul(128)
                    .map(|v| v + i64::from(b & 0x7f))
                    .ok_or("operand does not fit in 64 bits")?;
            }
            match op_format(op) {
                OpFormat::Qstr => Operand::Qstr(value as u64),
                _ if signed => Operand::SmallInt(value),
                _ => Operand::Uint(value as u64),
            }
        }
        OpFormat::Offset => {
            let first = byte(pos)?;
            let (raw, bias, len) = if first & 0x80 == 0 {
                (i64::from(first), 0x40, 1)
            } else {
                let second = byte(pos + 1)?;
                (i64::from(first & 0x7f) | i64::from(second) << 7, 0x4000, 2)
            };
            pos += len;
            let rel = if op_jump_is_signed(op) {
                raw - bias
            } else {
                raw
            };
            Operand::Jump(pos as i64 + rel)
        }
    };
    let extra = if op_has_extra_byte(op) {
        let b = byte(pos)?;
        pos += 1;
        Some(b)
    } else {
        None
    };
    Ok(Instruction {
        offset: ip,
        size: pos - ip,
        opcode: op,
        operand,
        extra,
    })
}

/// The mnemonic of an opcode, with its implied operand for the
/// one-byte "multi" forms (`LOAD_FAST 2`, `BINARY_OP 27 __add__`).
pub fn op_name(op: u8) -> Cow<'static, str> {
    const QSTR_OPS: [&str; 13] = [
        "LOAD_CONST_STRING",
        "LOAD_NAME",
        "LOAD_GLOBAL",
        "LOAD_ATTR",
        "LOAD_METHOD",
        "LOAD_SUPER_METHOD",
        "STORE_NAME",
        "STORE_GLOBAL",
        "STORE_ATTR",
        "DELETE_NAME",
        "DELETE_GLOBAL",
        "IMPORT_NAME",
        "IMPORT_FROM",
    ];
    const VINT_E_OPS: [&str; 16] = [
        "MAKE_CLOSURE",
        "MAKE_CLOSURE_DEFARGS",
        "LOAD_CONST_SMALL_INT",
        "LOAD_CONST_OBJ",
        "LOAD_FAST_N",
        "LOAD_DEREF",
        "STORE_FAST_N",
        "STORE_DEREF",
        "DELETE_FAST",
        "DELETE_DEREF",
        "BUILD_TUPLE",
        "BUILD_LIST",
        "BUILD_MAP",
        "BUILD_SET",
        "BUILD_SLICE",
        "STORE_COMP",
    ];
    const VINT_O_OPS: [&str; 8] = [
        "UNPACK_SEQUENCE",
        "UNPACK_EX",
        "MAKE_FUNCTION",
        "MAKE_FUNCTION_DEFARGS",
        "CALL_FUNCTION",
        "CALL_FUNCTION_VAR_KW",
        "CALL_METHOD",
        "CALL_METHOD_VAR_KW",
    ];
    const JUMP_OPS: [&str; 12] = [
        "UNWIND_JUMP",
        "",
        "JUMP",
        "POP_JUMP_IF_TRUE",
        "POP_JUMP_IF_FALSE",
        "JUMP_IF_TRUE_OR_POP",
        "JUMP_IF_FALSE_OR_POP",
        "SETUP_WITH",
        "SETUP_EXCEPT",
        "SETUP_FINALLY",
        "POP_EXCEPT_JUMP",
        "FOR_ITER",
    ];
    const BYTE_O_OPS: [&str; 16] = [
        "LOAD_CONST_FALSE",
        "LOAD_CONST_NONE",
        "LOAD_CONST_TRUE",
        "LOAD_NULL",
        "LOAD_BUILD_CLASS",
        "LOAD_SUBSCR",
        "STORE_SUBSCR",
        "DUP_TOP",
        "DUP_TOP_TWO",
        "POP_TOP",
        "ROT_TWO",
        "ROT_THREE",
        "WITH_CLEANUP",
        "END_FINALLY",
        "GET_ITER",
        "GET_ITER_STACK",
    ];
    const BYTE_E_OPS: [&str; 10] = [
        "",
        "",
        "STORE_MAP",
        "RETURN_VALUE",
        "RAISE_LAST",
        "RAISE_OBJ",
        "RAISE_FROM",
        "YIELD_VALUE",
        "YIELD_FROM",
        "IMPORT_STAR",
    ];
    const UNARY: [&str; 4] = ["__pos__", "__neg__", "__invert__", "<not>"];
    const BINARY: [&str; 35] = [
        "__lt__",
        "__gt__",
        "__eq__",
        "__le__",
        "__ge__",
        "__ne__",
        "<in>",
        "<is>",
        "<exception match>",
        "__ior__",
        "__ixor__",
        "__iand__",
        "__ilshift__",
        "__irshift__",
        "__iadd__",
        "__isub__",
        "__imul__",
        "__imatmul__",
        "__ifloordiv__",
        "__itruediv__",
        "__imod__",
        "__ipow__",
        "__or__",
        "__xor__",
        "__and__",
        "__lshift__",
        "__rshift__",
        "__add__",
        "__sub__",
        "__mul__",
        "__matmul__",
        "__floordiv__",
        "__truediv__",
        "__mod__",
        "__pow__",
    ];
    let low = usize::from(op & 0xf);
    let named = |table: &[&'static str], i: usize| {
        table
            .get(i)
            .copied()
            .filter(|name| !name.is_empty())
            .map(Cow::Borrowed)
    };
    let found = match op {
        0x10..=0x1f => named(&QSTR_OPS, low),
        0x20..=0x2f => named(&VINT_E_OPS, low),
        0x30..=0x3f => named(&VINT_O_OPS, low),
        0x40..=0x4f => named(&JUMP_OPS, low),
        0x50..=0x5f => named(&BYTE_O_OPS, low),
        0x60..=0x6f => named(&BYTE_E_OPS, low),
        0x70..=0xaf => Some(Cow::Owned(format!(
            "LOAD_CONST_SMALL_INT {}",
            i32::from(op) - 0x70 - 16
        ))),
        0xb0..=0xbf => Some(Cow::Owned(format!("LOAD_FAST {low}"))),
        0xc0..=0xcf => Some(Cow::Owned(format!("STORE_FAST {low}"))),
        0x00..=0x0f => None,
        0xd0..=0xd6 => {
            let i = usize::from(op - 0xd0);
            UNARY
                .get(i)
                .map(|name| Cow::Owned(format!("UNARY_OP {i} {name}")))
        }
        _ => {
            let i = usize::from(op - 0xd7);
            BINARY
                .get(i)
                .map(|name| Cow::Owned(format!("BINARY_OP {i} {name}")))
        }
    };
    found.unwrap_or_else(|| Cow::Owned(format!("UNKNOWN_{op:#04x}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcode_formats_match_the_vm_table() {
        // Worked from the format rule: 0x1_ qstr, 0x2_/0x3_ vuint, 0x4_ offset.
        assert_eq!(op_format(0x11), OpFormat::Qstr);
        assert_eq!(op_format(0x23), OpFormat::VarUint);
        assert_eq!(op_format(0x34), OpFormat::VarUint);
        assert_eq!(op_format(0x42), OpFormat::Offset);
        assert_eq!(op_format(0x63), OpFormat::Byte);
        assert_eq!(op_format(0xb0), OpFormat::Byte);
        assert!(op_has_extra_byte(0x20) && op_has_extra_byte(0x21));
        assert!(op_has_extra_byte(0x40));
        assert!(!op_has_extra_byte(0x42) && !op_has_extra_byte(0x23));
    }

    #[test]
    fn decode_operands() {
        // LOAD_CONST_SMALL_INT -1 is one byte 0x7f.
        let i = decode_instruction(&[0x22, 0x7f], 0).unwrap();
        assert_eq!((i.size, i.operand), (2, Operand::SmallInt(-1)));
        // 200 = 0b1_1001000 -> 0x81 0x48; sign needs a leading 0x80 for 64.
        let i = decode_instruction(&[0x22, 0x81, 0x48], 0).unwrap();
        assert_eq!(i.operand, Operand::SmallInt(200));
        let i = decode_instruction(&[0x22, 0x80, 0x40], 0).unwrap();
        assert_eq!(i.operand, Operand::SmallInt(64));
        // JUMP with one-byte signed offset 0x40 means "next instruction".
        let i = decode_instruction(&[0x42, 0x40], 0).unwrap();
        assert_eq!(i.operand, Operand::Jump(2));
        // Two-byte unsigned FOR_ITER offset 0x81 0x01 = 1 | 1 << 7 = 129.
        let i = decode_instruction(&[0x4b, 0x81, 0x01], 0).unwrap();
        assert_eq!(i.operand, Operand::Jump(3 + 129));
        // UNWIND_JUMP: the target counts from the end of the offset field,
        // not from after the extra byte.
        let i = decode_instruction(&[0x40, 0x41, 0x01], 0).unwrap();
        assert_eq!((i.size, i.operand, i.extra), (3, Operand::Jump(3), Some(1)));
        assert!(decode_instruction(&[0x40, 0x41], 0).is_err());
        assert!(decode_instruction(&[0x11, 0x80], 0).is_err());
    }

    #[test]
    fn names_of_opcodes() {
        assert_eq!(op_name(0x11), "LOAD_NAME");
        assert_eq!(op_name(0x81), "LOAD_CONST_SMALL_INT 1");
        assert_eq!(op_name(0xf2), "BINARY_OP 27 __add__");
        assert_eq!(op_name(0x41), "UNKNOWN_0x41");
        assert_eq!(op_name(0xff), "UNKNOWN_0xff");
    }
}
