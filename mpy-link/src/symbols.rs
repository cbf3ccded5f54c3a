//! The global symbol table: every global or weak symbol defined in a linked
//! section, by name, with duplicate definitions refused.

use std::collections::HashMap;

use crate::error::{LinkError, Result};
use crate::model::{ObjId, Objects, SymId};

/// x86 objects each carry their own copy of these helpers; they may repeat.
const REPEATABLE_PREFIX: &str = "__x86.get_pc_thunk.";

/// Defined global and weak symbols by name.
#[derive(Debug, Default)]
pub(crate) struct SymbolTable<'d> {
    globals: HashMap<&'d str, (ObjId, SymId)>,
}

impl<'d> SymbolTable<'d> {
    /// Collects the definitions of all objects, in load order. A name
    /// defined twice is an error (naming both inputs, or the one input that
    /// defines it twice), except the repeatable x86 PC thunks, where the
    /// last definition wins as in `mpy_ld.py`.
    pub(crate) fn build(objects: &Objects<'d>) -> Result<SymbolTable<'d>> {
        let mut globals: HashMap<&'d str, (ObjId, SymId)> = HashMap::new();
        for (id, obj) in objects.iter() {
            for (sym_id, sym) in obj.symbols() {
                if !sym.is_global_definition() {
                    continue;
                }
                if let Some(&(prev, _)) = globals.get(sym.name) {
                    if !sym.name.starts_with(REPEATABLE_PREFIX) {
                        return Err(LinkError::Duplicate {
                            symbol: sym.name.to_string(),
                            first: objects.get(prev).input.clone(),
                            second: obj.input.clone(),
                        });
                    }
                }
                globals.insert(sym.name, (id, sym_id));
            }
        }
        Ok(SymbolTable { globals })
    }

    /// The definition of a global name.
    pub(crate) fn get(&self, name: &str) -> Option<(ObjId, SymId)> {
        self.globals.get(name).copied()
    }

    /// Whether some object defines `name`.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.globals.contains_key(name)
    }

    /// The entry point `mpy_init`.
    pub(crate) fn entry(&self) -> Option<(ObjId, SymId)> {
        self.get("mpy_init")
    }
}
