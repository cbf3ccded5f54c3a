//! Malformed input to every parser: mutated and random bytes must give an
//! error or a result, never a panic.

use mpy_link::{Arch, Input, Library, LinkOptions};

use crate::common::{archive, Obj};
use crate::support::{trials, Trial};

pub(crate) fn trials() -> Vec<Trial> {
    trials!(
        "robustness",
        [
            mutated_archives,
            random_text_inputs,
            random_bytes_as_objects_and_mpy_files,
        ]
    )
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn member(def: &str) -> Vec<u8> {
    let mut o = Obj::new(Arch::X64);
    let t = o.text(&[0xc3; 8]);
    o.func(def, t, 0);
    o.finish()
}

fn mutated_archives() {
    let good = archive(
        &[("a.o", member("a")), ("b.o", member("b"))],
        &[("a", 0), ("b", 1)],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lib.a");
    let mut main = Obj::new(Arch::X64);
    let t = main.text(&[0xe8, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0xc3]);
    main.func("mpy_init", t, 0);
    let (a, b) = (main.undef("a"), main.undef("b"));
    main.reloc(t, 1, a, 4, -4);
    main.reloc(t, 6, b, 4, -4);
    let inputs = vec![Input::from_bytes("main.o", main.finish())];
    let opts = LinkOptions::new(Arch::X64, "m.mpy");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..600 {
        let mut bytes = good.clone();
        match round % 3 {
            0 => bytes.truncate(rng.below(good.len())),
            1 => {
                for _ in 0..1 + rng.below(4) {
                    let i = rng.below(bytes.len());
                    bytes[i] = rng.next() as u8;
                }
            }
            _ => {
                // Damage the header fields that hold sizes and offsets.
                let i = 8 + rng.below(bytes.len().saturating_sub(8).max(1));
                bytes[i] = b"0123456789 /`\n"[rng.below(14)];
            }
        }
        std::fs::write(&path, &bytes).unwrap();
        let started = std::time::Instant::now();
        if let Ok(lib) = Library::open(&path) {
            let _ = mpy_link::link(&opts, &inputs, &[lib]);
        }
        // A corrupt size must be refused, not honoured by allocating it.
        assert!(
            started.elapsed().as_secs() < 2,
            "round {round} took {:?}",
            started.elapsed()
        );
    }
}

fn random_text_inputs() {
    let mut rng = Rng(12345);
    let alphabet = b"GROUP()/* */ ,\nINPUT AS_NEEDED OUTPUT_FORMAT PROVIDE = 0x;abcdef0123456789_#define MP_QSTR_ (mp_native";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("script");
    for _ in 0..2000 {
        let len = rng.below(80);
        let text: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let s = String::from_utf8_lossy(&text);
        let _ = mpy_link::externs::parse(&s, "e.ld");
        let _ = mpy_link::qstr::parse_config_header(&s);
        let _ = mpy_link::arch::parse_arch_flags(Arch::Rv32imc, &s);
        std::fs::write(&path, &text).unwrap();
        let _ = Library::open(&path);
    }
}

fn random_bytes_as_objects_and_mpy_files() {
    let mut rng = Rng(777);
    for _ in 0..2000 {
        let len = rng.below(200);
        let mut data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if len > 20 && rng.below(2) == 0 {
            data[..4].copy_from_slice(b"\x7fELF");
            data[4] = 1 + rng.below(2) as u8;
            data[5] = 1;
            data[18] = 62;
        }
        let _ = mpy_link::link(
            &LinkOptions::new(Arch::X64, "m.mpy"),
            &[Input::from_bytes("r.o", data.clone())],
            &[],
        );
        if len > 4 && rng.below(2) == 0 {
            data[0] = b'M';
            data[1] = 6;
        }
        if let Ok(m) = mpy_link::mpy::read::read("r.mpy", &data) {
            let _ = mpy_link::mpy::dump::dump(&m);
        }
    }
}
