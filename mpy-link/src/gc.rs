//! Which sections a link keeps: all of them, or with `gc_sections` (an
//! improvement over `mpy_ld.py`) those reachable from `mpy_init` through
//! relocations.

use crate::model::{ObjId, Objects, SecId, SymDef, SymId};
use crate::symbols::SymbolTable;

/// The kept sections.
#[derive(Debug)]
pub(crate) struct Live {
    /// Per object, per section: kept? `None` keeps everything.
    kept: Option<Vec<Vec<bool>>>,
}

impl Live {
    /// Keeps every section.
    pub(crate) fn everything() -> Live {
        Live { kept: None }
    }

    /// Keeps only the sections reachable from `entry` (the section holding
    /// it, then every section a relocation of a kept section lands in,
    /// following undefined symbols to their definitions).
    pub(crate) fn reachable(
        objects: &Objects<'_>,
        symbols: &SymbolTable<'_>,
        entry: (ObjId, SymId),
    ) -> Live {
        let mut kept: Vec<Vec<bool>> = objects
            .iter()
            .map(|(_, o)| vec![false; o.sections.len()])
            .collect();
        let mut work = Vec::new();
        let mut mark = |(o, s): (ObjId, SecId), work: &mut Vec<(ObjId, SecId)>| {
            let slot = &mut kept[o.index()][s.index()];
            if !*slot {
                *slot = true;
                work.push((o, s));
            }
        };
        if let Some(root) = target_section(objects, symbols, entry.0, entry.1) {
            mark(root, &mut work);
        }
        while let Some((o, s)) = work.pop() {
            for r in &objects.section(o, s).relocs {
                if let Some(t) = target_section(objects, symbols, o, r.sym) {
                    mark(t, &mut work);
                }
            }
        }
        Live { kept: Some(kept) }
    }

    /// Whether a section is kept.
    pub(crate) fn contains(&self, obj: ObjId, sec: SecId) -> bool {
        self.kept
            .as_ref()
            .is_none_or(|k| k[obj.index()][sec.index()])
    }

    /// Whether only some sections are kept.
    pub(crate) fn is_partial(&self) -> bool {
        self.kept.is_some()
    }
}

/// The section a symbol lands in, following an undefined symbol to its
/// global definition.
fn target_section(
    objects: &Objects<'_>,
    symbols: &SymbolTable<'_>,
    obj: ObjId,
    sym: SymId,
) -> Option<(ObjId, SecId)> {
    let s = objects.symbol(obj, sym);
    match s.def {
        SymDef::Section(sec) => Some((obj, sec)),
        SymDef::Undefined => {
            let (o, i) = symbols.get(s.name)?;
            match objects.symbol(o, i).def {
                SymDef::Section(sec) => Some((o, sec)),
                _ => None,
            }
        }
        _ => None,
    }
}
