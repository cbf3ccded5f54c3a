//! The GNU ld scripts that stand in for libraries (Debian's `libm.a` on
//! x64 is one): comments, `OUTPUT_FORMAT(...)` and `GROUP(...)`/`INPUT(...)`
//! lists of archives.

/// Parses the subset of GNU ld scripts that libraries use: comments,
/// `OUTPUT_FORMAT(...)` and `GROUP(...)`/`INPUT(...)` lists, with
/// `AS_NEEDED(...)` flattened. Returns the file names in order.
pub(crate) fn parse_ld_script(text: &str) -> std::result::Result<Vec<String>, String> {
    // Strip /* */ comments.
    let mut clean = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        clean.push_str(&rest[..start]);
        match rest[start + 2..].find("*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => return Err("unterminated `/*` comment".into()),
        }
    }
    clean.push_str(rest);
    let mut files = Vec::new();
    let mut s = clean.trim();
    while !s.is_empty() {
        let open = s
            .find('(')
            .ok_or_else(|| format!("unexpected text `{}`", first_words(s)))?;
        let command = s[..open].trim();
        let close = s[open..].find(')').map(|c| c + open).ok_or("missing `)`")?;
        // AS_NEEDED(...) nests one level inside GROUP.
        let (body, end) = if let Some(inner) = s[open + 1..close].find("AS_NEEDED") {
            let inner_close = s[close + 1..]
                .find(')')
                .map(|c| c + close + 1)
                .ok_or("missing `)`")?;
            let _ = inner;
            (
                s[open + 1..inner_close]
                    .replace("AS_NEEDED", " ")
                    .replace(['(', ')'], " "),
                inner_close,
            )
        } else {
            (s[open + 1..close].to_string(), close)
        };
        match command {
            "GROUP" | "INPUT" => files.extend(
                body.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|w| !w.is_empty())
                    .map(String::from),
            ),
            "OUTPUT_FORMAT" => {}
            other => return Err(format!("unsupported command `{other}`")),
        }
        s = s[end + 1..].trim_start();
    }
    if files.is_empty() {
        return Err("no GROUP(...) names any archive".into());
    }
    Ok(files)
}

fn first_words(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ld_script_group() {
        let text = "/* GNU ld script\n   Use the shared library */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /usr/lib/libm-2.36.a /usr/lib/libmvec.a )\n";
        assert_eq!(
            parse_ld_script(text).unwrap(),
            vec!["/usr/lib/libm-2.36.a", "/usr/lib/libmvec.a"]
        );
        assert_eq!(
            parse_ld_script("GROUP ( libc.so.6 libc_nonshared.a  AS_NEEDED ( ld.so ) )").unwrap(),
            vec!["libc.so.6", "libc_nonshared.a", "ld.so"]
        );
        assert!(parse_ld_script("SECTIONS { }").is_err());
        assert!(parse_ld_script("/* open").is_err());
        assert!(parse_ld_script("OUTPUT_FORMAT(elf32)").is_err());
    }
}
