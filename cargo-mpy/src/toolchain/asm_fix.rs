//! Two fixes to the Xtensa assembly LLVM 22 prints (`clang -S`, rustc's
//! `--emit=asm`) before `llvm-mc` assembles it.
//!
//! 1. **Where literal pools go.** Before each function LLVM prints the
//!    function's literal pool (`.literal_position` and its `.literal`
//!    lines) while still in the section of whatever came before: the
//!    previous function's section, or `.rodata` after a jump table, where
//!    the assembler makes a `.rodata.literal` section that an `l32r` in the
//!    separately loaded code cannot reach. Each pool is moved to just after
//!    the switch into the section of the code that follows it, so it lands
//!    in that code's literal section (`.literal.<function>` with function
//!    sections): right for the loader, and section garbage collection
//!    keeps a pool only with the code that uses it.
//! 2. **Symbol names in `.literal` lines.** LLVM prints them unquoted even
//!    when they contain characters the assembler stops at (`::`, as in
//!    some Rust symbols); such names are quoted.

/// Fixes LLVM's Xtensa assembly `text` (see the module documentation);
/// every other line is kept as it is.
pub fn fix_xtensa_asm(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut sections = SectionStack::default();
    // A literal pool waiting for the code it belongs to.
    let mut pool: Vec<String> = Vec::new();
    for line in text.lines() {
        let directive = first_word(line);
        if directive == ".literal_position" || (directive == ".literal" && !pool.is_empty()) {
            pool.push(quote_literal_symbol(line));
            continue;
        }
        if directive == ".literal" {
            push_line(&mut out, &quote_literal_symbol(line));
            continue;
        }
        if sections.apply(line) {
            push_line(&mut out, line);
            continue;
        }
        let content = !line.trim().is_empty() && !line.trim_start().starts_with('#');
        if content && !pool.is_empty() && sections.in_code() {
            for p in pool.drain(..) {
                push_line(&mut out, &p);
            }
        }
        push_line(&mut out, line);
    }
    if !pool.is_empty() {
        // No code followed: keep the pool in `.text`, whose literals go to
        // `.literal`.
        push_line(&mut out, "\t.text");
        for p in pool.drain(..) {
            push_line(&mut out, &p);
        }
    }
    out
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    out.push('\n');
}

/// The first whitespace-separated word of a line.
fn first_word(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

/// The current section as the assembler tracks it, with `.pushsection`,
/// `.popsection` and `.previous`.
#[derive(Debug, Default)]
struct SectionStack {
    current: Section,
    previous: Section,
    stack: Vec<(Section, Section)>,
}

/// Whether a section holds code (`.text*`, or declared executable).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Section {
    code: bool,
}

impl SectionStack {
    /// Follows a section directive; false when `line` is none.
    fn apply(&mut self, line: &str) -> bool {
        let trimmed = line.trim_start();
        let directive = first_word(trimmed);
        let rest = trimmed[directive.len()..].trim();
        match directive {
            ".text" => self.switch(Section { code: true }),
            ".data" | ".bss" => self.switch(Section { code: false }),
            ".section" => self.switch(parse_section(rest)),
            ".pushsection" => {
                self.stack.push((self.current, self.previous));
                self.switch(parse_section(rest));
            }
            ".popsection" => {
                if let Some((current, previous)) = self.stack.pop() {
                    self.current = current;
                    self.previous = previous;
                }
            }
            ".previous" => std::mem::swap(&mut self.current, &mut self.previous),
            _ => return false,
        }
        true
    }

    fn switch(&mut self, to: Section) {
        self.previous = self.current;
        self.current = to;
    }

    fn in_code(&self) -> bool {
        self.current.code
    }
}

/// `NAME[, "FLAGS"[, @TYPE]]` of a `.section` directive.
fn parse_section(args: &str) -> Section {
    let mut fields = args.split(',').map(str::trim);
    let name = fields.next().unwrap_or("").trim_matches('"');
    let flags = fields.next().unwrap_or("").trim_matches('"');
    Section {
        code: name == ".text" || name.starts_with(".text.") || flags.contains('x'),
    }
}

/// `.literal LABEL, SYMBOL[+-N]` with SYMBOL quoted when it holds a
/// character an assembler symbol cannot.
fn quote_literal_symbol(line: &str) -> String {
    let Some(comma) = line.find(',') else {
        return line.to_string();
    };
    let (head, value) = line.split_at(comma + 1);
    let value = value.trim();
    if value.starts_with('"') {
        return line.to_string();
    }
    // A trailing `+N` or `-N` offset stays outside the quotes.
    let split = value
        .rfind(['+', '-'])
        .filter(|&i| i > 0 && value[i + 1..].bytes().all(|b| b.is_ascii_digit()))
        .filter(|&i| i + 1 < value.len())
        .unwrap_or(value.len());
    let (symbol, offset) = value.split_at(split);
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"_.$".contains(&b);
    if symbol.is_empty()
        || symbol.bytes().all(plain)
        || symbol.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    {
        return line.to_string();
    }
    format!("{head} \"{symbol}\"{offset}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn pools_follow_the_switch_into_their_function() {
        // As rustc prints it: the pool of `b` comes while still in `a`'s
        // section, then `a`'s section is named again, then `b`'s.
        let text = "\t.literal_position\n\t.literal .LCPI0_0, mp_fun_table\n\t.text\n\
            \t.section\t.text.a,\"ax\",@progbits\n\t.p2align\t2\na:\n\tl32r\ta7, .LCPI0_0\n\tretw.n\n\n\
            \t.literal_position\n\t.literal .LCPI1_0, x\n\
            \t.section\t.text.a,\"ax\",@progbits\n\t.section\t.text.b,\"ax\",@progbits\n\
            \t.global\tb\nb:\n\tl32r\ta8, .LCPI1_0\n";
        assert_eq!(
            lines(&fix_xtensa_asm(text)),
            [
                "\t.text",
                "\t.section\t.text.a,\"ax\",@progbits",
                "\t.literal_position",
                "\t.literal .LCPI0_0, mp_fun_table",
                "\t.p2align\t2",
                "a:",
                "\tl32r\ta7, .LCPI0_0",
                "\tretw.n",
                "",
                "\t.section\t.text.a,\"ax\",@progbits",
                "\t.section\t.text.b,\"ax\",@progbits",
                "\t.literal_position",
                "\t.literal .LCPI1_0, x",
                "\t.global\tb",
                "b:",
                "\tl32r\ta8, .LCPI1_0",
            ]
        );
    }

    #[test]
    fn a_pool_after_a_jump_table_waits_for_the_code() {
        // clang without function sections: a jump table in .rodata, then
        // the next function's pool, then `.text` again.
        let text = "\t.section\t.rodata,\"a\",@progbits\n.LJTI0_0:\n\t.long\t.LBB0_2\n\
            \t.literal_position\n\t.literal .LCPI1_0, 1078530011\n\t.text\n\t.global\tf\nf:\n";
        assert_eq!(
            lines(&fix_xtensa_asm(text)),
            [
                "\t.section\t.rodata,\"a\",@progbits",
                ".LJTI0_0:",
                "\t.long\t.LBB0_2",
                "\t.text",
                "\t.literal_position",
                "\t.literal .LCPI1_0, 1078530011",
                "\t.global\tf",
                "f:",
            ]
        );
    }

    #[test]
    fn a_pool_already_in_code_stays_where_it_is() {
        let text = "\t.text\n\t.literal_position\n\t.literal .L0, g\n\t.global\tg\ng:\n";
        assert_eq!(fix_xtensa_asm(text), text);
    }

    #[test]
    fn a_pool_with_no_code_after_it_goes_to_text() {
        let text = "\t.section\t.rodata,\"a\"\n\t.literal_position\n\t.literal .L0, g\n";
        assert_eq!(
            lines(&fix_xtensa_asm(text)),
            [
                "\t.section\t.rodata,\"a\"",
                "\t.text",
                "\t.literal_position",
                "\t.literal .L0, g"
            ]
        );
    }

    #[test]
    fn section_stack_directives() {
        let text = "\t.text\n\t.pushsection .rodata\n\t.literal_position\n\t.literal .L0, g\n\
            \t.byte 1\n\t.popsection\n\tnop\n";
        let fixed = lines(&fix_xtensa_asm(text));
        // The pool waits through the data, then lands back in `.text`.
        let pool = fixed.iter().position(|l| l == "\t.literal_position");
        let pop = fixed.iter().position(|l| l == "\t.popsection");
        assert!(pool > pop, "{fixed:?}");
        let text = "\t.text\n\t.section .rodata\n\t.previous\n\t.literal_position\n\t.literal .L0, g\n\tnop\n";
        assert_eq!(fix_xtensa_asm(text), text);
    }

    #[test]
    fn names_the_assembler_cannot_read_are_quoted() {
        let q = |s: &str| quote_literal_symbol(s);
        assert_eq!(
            q("\t.literal .LCPI3_0, core::panicking::panic"),
            "\t.literal .LCPI3_0, \"core::panicking::panic\""
        );
        assert_eq!(
            q("\t.literal .LCPI3_1, a::b+8"),
            "\t.literal .LCPI3_1, \"a::b\"+8"
        );
        assert_eq!(q("\t.literal .L, a::b-4"), "\t.literal .L, \"a::b\"-4");
        for same in [
            "\t.literal .LCPI0_0, mp_fun_table",
            "\t.literal .LCPI0_1, __mpy_qstr_x$2e",
            "\t.literal .LCPI0_2, .L.str+12",
            "\t.literal .LCPI0_3, 1078530011",
            "\t.literal .LCPI0_4, -1",
            "\t.literal .LCPI0_5, \"a::b\"",
        ] {
            assert_eq!(q(same), same);
        }
    }

    #[test]
    fn every_other_line_is_kept() {
        let text = "\t.file\t\"m.c\"\n\t.text\n# comment\n\tentry\ta1, 32\n\t.ident\t\"clang\"\n";
        assert_eq!(fix_xtensa_asm(text), text);
    }
}
