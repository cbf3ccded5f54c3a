//! Writing a static archive: the common `ar` format with a GNU symbol
//! index (the `/` member), which GNU ld needs and mpy-link reads. Members
//! carry no dates, owners or modes beyond fixed values, so the same objects
//! always give the same bytes.

use anyhow::{bail, Result};
use object::{Object as _, ObjectSymbol as _};

/// One member: its name (at most 15 bytes), its bytes and the global
/// symbols it defines.
#[derive(Debug, Clone)]
pub(super) struct Member {
    pub(super) name: String,
    pub(super) data: Vec<u8>,
    pub(super) symbols: Vec<String>,
}

/// The global and weak symbols an object defines.
pub(super) fn defined_globals(object: &[u8]) -> Result<Vec<String>> {
    let file = object::File::parse(object)?;
    Ok(file
        .symbols()
        .filter(|s| (s.is_global() || s.is_weak()) && !s.is_undefined())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| !n.is_empty())
        .collect())
}

/// A 60-byte member header.
fn header(name: &str, size: usize) -> Vec<u8> {
    let h = format!("{name:<16}{:<12}{:<6}{:<6}{:<8}{size:<10}`\n", 0, 0, 0, 644);
    debug_assert_eq!(h.len(), 60);
    h.into_bytes()
}

/// The archive holding `members`, in order.
pub(super) fn write(members: &[Member]) -> Result<Vec<u8>> {
    for m in members {
        if m.name.len() > 15 || m.name.contains('/') {
            bail!("archive member name `{}` is longer than 15 bytes", m.name);
        }
    }
    // The index: a count, one member offset per symbol, then the names.
    let count: usize = members.iter().map(|m| m.symbols.len()).sum();
    let names_len: usize = members
        .iter()
        .flat_map(|m| &m.symbols)
        .map(|s| s.len() + 1)
        .sum();
    let mut index_len = 4 + 4 * count + names_len;
    index_len += index_len % 2;
    let mut offset = 8 + 60 + index_len;
    let mut offsets = Vec::with_capacity(count);
    for m in members {
        offsets.extend(std::iter::repeat_n(offset, m.symbols.len()));
        offset += 60 + m.data.len() + m.data.len() % 2;
    }
    let mut out = b"!<arch>\n".to_vec();
    out.extend(header("/", index_len));
    out.extend(u32::try_from(count)?.to_be_bytes());
    for o in offsets {
        out.extend(u32::try_from(o)?.to_be_bytes());
    }
    for s in members.iter().flat_map(|m| &m.symbols) {
        out.extend(s.as_bytes());
        out.push(0);
    }
    if out.len() % 2 == 1 {
        out.push(0);
    }
    for m in members {
        out.extend(header(&format!("{}/", m.name), m.data.len()));
        out.extend(&m.data);
        if out.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_an_archive() {
        let members = [
            Member {
                name: "a.o".into(),
                data: b"abc".to_vec(),
                symbols: vec!["f".into(), "g".into()],
            },
            Member {
                name: "b.o".into(),
                data: b"wxyz".to_vec(),
                symbols: vec!["h".into()],
            },
        ];
        let ar = write(&members).unwrap();
        assert!(ar.starts_with(
            b"!<arch>\n/               0           0     0     644     22        `\n"
        ));
        // Index: 3 symbols; a.o's header at 8 + 60 + 22 = 90, b.o's after
        // 60 + 3 bytes and a pad byte = 154.
        let index = &ar[68..90];
        assert_eq!(&index[..4], &3u32.to_be_bytes());
        assert_eq!(&index[4..8], &90u32.to_be_bytes());
        assert_eq!(&index[8..12], &90u32.to_be_bytes());
        assert_eq!(&index[12..16], &154u32.to_be_bytes());
        assert_eq!(&index[16..22], b"f\0g\0h\0");
        assert_eq!(&ar[90..106], b"a.o/            ");
        assert_eq!(&ar[150..154], b"abc\n");
        assert_eq!(&ar[154..158], b"b.o/");
        assert_eq!(&ar[214..], b"wxyz");
        // mpy-link reads it back.
        let parsed = mpy_link::archive::Archive::parse("t.a".into(), ar).unwrap();
        assert_eq!(parsed.symbol_count(), 3, "the index is read");
    }

    #[test]
    fn long_names_are_refused() {
        let m = Member {
            name: "a_very_long_name.o".into(),
            data: vec![],
            symbols: vec![],
        };
        assert!(write(&[m]).is_err());
    }
}
