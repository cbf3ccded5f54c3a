//! Which archive members a link pulls in: those that define a symbol the
//! link still needs, transitively.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::arch::spec::ArchSpec;
use crate::archive::{Archive, MemberId};
use crate::elf::load_object;
use crate::error::{LinkError, Result};
use crate::input::Library;
use crate::model::{Bind, InputRef, Object, SymDef};
use crate::options::Improvements;

/// Picks the archive members that define still-undefined symbols,
/// transitively, breadth first, and reads them. The order is deterministic:
/// symbols in the order they are first referenced, archives in the order
/// given. (`mpy_ld.py` walks Python sets here, so its order depends on the
/// hash seed; ours is one of the orders it can produce.)
pub(crate) fn select_members(
    spec: &ArchSpec,
    improvements: Improvements,
    mains: &[Object<'_>],
    libs: &[Library],
) -> Result<Vec<(InputRef, Vec<u8>)>> {
    let mut defined: HashSet<&str> = HashSet::new();
    for obj in mains {
        for sym in &obj.symbols {
            if sym.is_global_definition() {
                defined.insert(sym.name);
            }
        }
    }
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut queued: HashSet<String> = HashSet::new();
    for obj in mains {
        for sym in &obj.symbols {
            if sym.def == SymDef::Undefined
                && sym.bind == Bind::Global
                && !defined.contains(sym.name)
                && queued.insert(sym.name.to_string())
            {
                queue.push_back(sym.name.to_string());
            }
        }
    }
    let archives: Vec<&Archive> = libs.iter().flat_map(|lib| lib.archives.iter()).collect();
    let mut chosen: Vec<(usize, MemberId)> = Vec::new();
    let mut out: Vec<(InputRef, Vec<u8>)> = Vec::new();
    let mut provided: HashMap<String, String> = HashMap::new();
    let relaxed = Improvements {
        static_data: true,
        ..improvements
    };
    while let Some(name) = queue.pop_front() {
        if provided.contains_key(&name) {
            continue;
        }
        let Some((a, member)) = archives
            .iter()
            .enumerate()
            .find_map(|(a, ar)| ar.lookup(name.as_bytes()).map(|m| (a, m)))
        else {
            continue;
        };
        if chosen.contains(&(a, member)) {
            continue;
        }
        chosen.push((a, member));
        let (member_name, data) = archives[a].member(member)?;
        {
            let obj = load_object(spec, &member_name, &data, &relaxed)?;
            for sym in &obj.symbols {
                let is_def = matches!(
                    sym.def,
                    SymDef::Section(_) | SymDef::Unloaded(_) | SymDef::Absolute | SymDef::Common
                );
                if sym.bind == Bind::Local || sym.name.is_empty() || !is_def {
                    continue;
                }
                if let Some(prev) = provided.get(sym.name) {
                    if !sym.name.starts_with("__x86.get_pc_thunk.") && sym.bind != Bind::Weak {
                        return Err(LinkError::ArchiveDuplicate {
                            symbol: sym.name.to_string(),
                            first: prev.clone(),
                            second: member_name.to_string(),
                        });
                    }
                    continue;
                }
                provided.insert(sym.name.to_string(), member_name.to_string());
            }
            for sym in &obj.symbols {
                if sym.def == SymDef::Undefined && sym.bind == Bind::Global && !sym.name.is_empty()
                {
                    let n = sym.name;
                    if !provided.contains_key(n)
                        && !defined.contains(n)
                        && queued.insert(n.to_string())
                    {
                        queue.push_back(n.to_string());
                    }
                }
            }
        }
        out.push((member_name, data));
    }
    Ok(out)
}
