//! cargo-mpy's runtime helper library (`cargo-mpy/helpers`), compiled for
//! the ESP32 (xtensawin: Debian's clang through cargo-mpy's LLVM route,
//! windowed ABI) and the ESP8266 (xtensa: Debian's xtensa-lx106 gcc, call0
//! ABI), run under qemu-xtensa on many inputs and compared with the host's
//! IEEE arithmetic, integer arithmetic and libm.
//!
//! The inputs mix special values (zeros, infinities, NaNs, subnormals, the
//! largest and smallest normals), random bit patterns, values near 1, values
//! with short significands (exact results and rounding ties), and pairs of
//! nearby values (cancellation). Results must match bit for bit (any NaN
//! matches any NaN), except expf/logf/powf, which must be within one unit in
//! the last place of the host's (correctly rounded nearly always; the count
//! of exact matches is printed).
//!
//! Operation numbers are those of `tests/support/helpers/driver.c`.

use std::path::PathBuf;
use std::process::Command;

use mpy_link::Arch;
use mpy_tests::{
    compile_support_c, helpers_archive, link_xtensa_program, qemu, qemu_cpu, skip_unless,
    support_dir, temp_dir, Skip, TestResult, Trial,
};

pub(crate) fn trials() -> Vec<Trial> {
    mpy_tests::trials!(
        "helpers",
        [
            helpers_match_the_host_on_xtensawin,
            helpers_match_the_host_on_xtensa
        ]
    )
}

/// xorshift64*: a fixed sequence, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A floating-point format's shape, for generating inputs of either width.
#[derive(Clone, Copy)]
struct Fmt {
    bits: u32,
    mant: u32,
}

const F32: Fmt = Fmt { bits: 32, mant: 23 };
const F64: Fmt = Fmt { bits: 64, mant: 52 };

impl Fmt {
    fn exp_max(self) -> u64 {
        (1 << (self.bits - 1 - self.mant)) - 1
    }
    fn bias(self) -> u64 {
        self.exp_max() >> 1
    }
    fn sign(self) -> u64 {
        1 << (self.bits - 1)
    }
    fn mant_mask(self) -> u64 {
        (1 << self.mant) - 1
    }
    fn make(self, sign: bool, exp: u64, mant: u64) -> u64 {
        (if sign { self.sign() } else { 0 }) | exp << self.mant | (mant & self.mant_mask())
    }

    /// Special values of the format.
    fn specials(self) -> Vec<u64> {
        let m = self.mant_mask();
        let e = self.exp_max();
        let b = self.bias();
        let mut v = vec![
            0,
            1,                                           // smallest subnormal
            m,                                           // largest subnormal
            1 << self.mant,                              // smallest normal
            (e - 1) << self.mant | m,                    // largest finite
            e << self.mant,                              // infinity
            e << self.mant | 1 << (self.mant - 1),       // quiet NaN
            e << self.mant | 1,                          // signalling NaN
            b << self.mant,                              // 1
            (b - 1) << self.mant,                        // 0.5
            (b + 1) << self.mant,                        // 2
            (b + 1) << self.mant | 1 << (self.mant - 1), // 3
            b << self.mant | 1,                          // 1 + ulp
            (b - 1) << self.mant | m,                    // 1 - ulp/2
            (b - 2) << self.mant | (m / 3),              // ~1/3
            (b + 30) << self.mant,                       // 2^30
            (b + 31) << self.mant,                       // 2^31
            (b + 32) << self.mant,                       // 2^32
            (b + 63) << self.mant,                       // 2^63
            (b + 64) << self.mant,                       // 2^64
            (b + 31) << self.mant | m,                   // just below 2^32
            (b + 62) << self.mant | m,                   // just below 2^63
        ];
        let neg: Vec<u64> = v.iter().map(|x| x | self.sign()).collect();
        v.extend(neg);
        v
    }

    /// One input: a special value, random bits, a value of moderate
    /// magnitude, one with a short significand, or a subnormal.
    fn value(self, rng: &mut Rng) -> u64 {
        let sign = rng.below(2) == 1;
        match rng.below(8) {
            0 => {
                let s = self.specials();
                s[rng.below(s.len() as u64) as usize]
            }
            1 | 2 => rng.next() & (if self.bits == 32 { 0xffff_ffff } else { !0 }),
            3 | 4 => {
                let exp = self.bias() - 40 + rng.below(80);
                self.make(sign, exp, rng.next())
            }
            5 => {
                // A short significand: exact results and halfway cases.
                let keep = rng.below(6) + 1;
                let mant = rng.next() & !((1u64 << (self.mant - keep as u32)) - 1);
                let exp = self.bias() - 10 + rng.below(20);
                self.make(sign, exp, mant)
            }
            6 => self.make(sign, 0, rng.next() >> rng.below(self.mant as u64)),
            _ => {
                let exp = 1 + rng.below(self.exp_max() - 1);
                self.make(sign, exp, rng.next())
            }
        }
    }

    /// A second operand: independent, or close to `a` (same or nearby
    /// exponent, or a few units in the last place away).
    fn partner(self, rng: &mut Rng, a: u64) -> u64 {
        match rng.below(4) {
            0 | 1 => self.value(rng),
            2 => {
                let exp = ((a >> self.mant) & self.exp_max()) as i64 + rng.below(7) as i64 - 3;
                let exp = exp.clamp(0, self.exp_max() as i64 - 1) as u64;
                self.make(rng.below(2) == 1, exp, rng.next())
            }
            _ => {
                let d = rng.below(5);
                let v = if rng.below(2) == 0 {
                    a.wrapping_add(d)
                } else {
                    a.wrapping_sub(d)
                };
                (v ^ if rng.below(2) == 0 { 0 } else { self.sign() })
                    & if self.bits == 32 { 0xffff_ffff } else { !0 }
            }
        }
    }
}

/// Interesting integers of `bits` bits, or random ones.
fn int_value(rng: &mut Rng, bits: u32) -> u64 {
    let mask = if bits == 64 { !0 } else { (1u64 << bits) - 1 };
    let v = match rng.below(5) {
        0 => {
            let k = rng.below(bits as u64) as u32;
            let p = 1u64 << k;
            [
                p,
                p.wrapping_sub(1),
                p + 1,
                p.wrapping_neg(),
                !p,
                0,
                1,
                mask,
                mask >> 1,
            ][rng.below(9) as usize]
        }
        1 => rng.next() >> rng.below(64),
        2 => rng.below(1000),
        _ => rng.next(),
    };
    v & mask
}

/// What a test case checks about the driver's answer.
#[derive(Clone, Copy)]
enum Check {
    /// The same bits (for floats of this width: any NaN equals any NaN).
    Exact(Option<Fmt>),
    /// A float result within one unit in the last place (f32).
    Ulp1,
}

struct Case {
    op: u32,
    name: &'static str,
    a: u64,
    b: u64,
    want: u64,
    check: Check,
}

fn f32v(x: u64) -> f32 {
    f32::from_bits(x as u32)
}

fn f64v(x: u64) -> f64 {
    f64::from_bits(x)
}

fn fb(x: f32) -> u64 {
    u64::from(x.to_bits())
}

fn db(x: f64) -> u64 {
    x.to_bits()
}

/// The comparison helpers' answers as the driver packs them: a == b,
/// a != b (true when unordered), a < b, a <= b, a > b, a >= b, unordered.
fn cmp_bits<T: PartialOrd>(x: T, y: T, unordered: bool) -> u64 {
    [x == y, x != y, x < y, x <= y, x > y, x >= y, unordered]
        .iter()
        .enumerate()
        .fold(0, |acc, (i, b)| acc | u64::from(*b) << i)
}

type BinF32 = (u32, &'static str, fn(f32, f32) -> f32);
type BinF64 = (u32, &'static str, fn(f64, f64) -> f64);

/// Every case, in a fixed order.
fn cases() -> Vec<Case> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    let n = 2500;
    let mut push = |op, name, a, b, want, check| {
        out.push(Case {
            op,
            name,
            a,
            b,
            want,
            check,
        })
    };

    let bin32: [BinF32; 6] = [
        (0, "__addsf3", |a, b| a + b),
        (1, "__subsf3", |a, b| a - b),
        (2, "__mulsf3", |a, b| a * b),
        (3, "__divsf3", |a, b| a / b),
        (65, "fmodf", |a, b| a % b),
        (70, "copysignf", f32::copysign),
    ];
    for (op, name, f) in bin32 {
        for _ in 0..2 * n {
            let a = F32.value(&mut rng);
            let b = F32.partner(&mut rng, a);
            push(
                op,
                name,
                a,
                b,
                fb(f(f32v(a), f32v(b))),
                Check::Exact(Some(F32)),
            );
        }
    }
    let bin64: [BinF64; 6] = [
        (20, "__adddf3", |a, b| a + b),
        (21, "__subdf3", |a, b| a - b),
        (22, "__muldf3", |a, b| a * b),
        (23, "__divdf3", |a, b| a / b),
        (85, "fmod", |a, b| a % b),
        (87, "copysign", f64::copysign),
    ];
    for (op, name, f) in bin64 {
        for _ in 0..2 * n {
            let a = F64.value(&mut rng);
            let b = F64.partner(&mut rng, a);
            push(
                op,
                name,
                a,
                b,
                db(f(f64v(a), f64v(b))),
                Check::Exact(Some(F64)),
            );
        }
    }
    for _ in 0..n {
        let a = F32.value(&mut rng);
        let b = if rng.below(4) == 0 {
            a
        } else {
            F32.partner(&mut rng, a)
        };
        let (x, y) = (f32v(a), f32v(b));
        let want = cmp_bits(x, y, x.is_nan() || y.is_nan());
        push(4, "__cmpsf2 family", a, b, want, Check::Exact(None));
        let a = F64.value(&mut rng);
        let b = if rng.below(4) == 0 {
            a
        } else {
            F64.partner(&mut rng, a)
        };
        let (x, y) = (f64v(a), f64v(b));
        let want = cmp_bits(x, y, x.is_nan() || y.is_nan());
        push(24, "__cmpdf2 family", a, b, want, Check::Exact(None));
    }

    type UnF32 = (u32, &'static str, fn(f32) -> u64, Option<Fmt>);
    let un32: [UnF32; 12] = [
        (5, "__fixsfsi", |x| u64::from(x as i32 as u32), None),
        (6, "__fixunssfsi", |x| u64::from(x as u32), None),
        (7, "__fixsfdi", |x| x as i64 as u64, None),
        (8, "__fixunssfdi", |x| x as u64, None),
        (13, "__negsf2", |x| fb(-x), Some(F32)),
        (34, "__extendsfdf2", |x| db(f64::from(x)), Some(F64)),
        (60, "sqrtf", |x| fb(x.sqrt()), Some(F32)),
        (61, "truncf", |x| fb(x.trunc()), Some(F32)),
        (62, "floorf", |x| fb(x.floor()), Some(F32)),
        (63, "ceilf", |x| fb(x.ceil()), Some(F32)),
        (64, "roundf", |x| fb(x.round()), Some(F32)),
        (69, "fabsf", |x| fb(x.abs()), Some(F32)),
    ];
    for (op, name, f, fmt) in un32 {
        for _ in 0..n {
            let a = F32.value(&mut rng);
            push(op, name, a, 0, f(f32v(a)), Check::Exact(fmt));
        }
    }
    type UnF64 = (u32, &'static str, fn(f64) -> u64, Option<Fmt>);
    let un64: [UnF64; 12] = [
        (25, "__fixdfsi", |x| u64::from(x as i32 as u32), None),
        (26, "__fixunsdfsi", |x| u64::from(x as u32), None),
        (27, "__fixdfdi", |x| x as i64 as u64, None),
        (28, "__fixunsdfdi", |x| x as u64, None),
        (33, "__negdf2", |x| db(-x), Some(F64)),
        (35, "__truncdfsf2", |x| fb(x as f32), Some(F32)),
        (80, "sqrt", |x| db(x.sqrt()), Some(F64)),
        (81, "trunc", |x| db(x.trunc()), Some(F64)),
        (82, "floor", |x| db(x.floor()), Some(F64)),
        (83, "ceil", |x| db(x.ceil()), Some(F64)),
        (84, "round", |x| db(x.round()), Some(F64)),
        (86, "fabs", |x| db(x.abs()), Some(F64)),
    ];
    for (op, name, f, fmt) in un64 {
        for _ in 0..n {
            let a = F64.value(&mut rng);
            push(op, name, a, 0, f(f64v(a)), Check::Exact(fmt));
        }
    }

    type FromInt = (u32, &'static str, u32, fn(u64) -> u64, Fmt);
    let from_int: [FromInt; 8] = [
        (9, "__floatsisf", 32, |v| fb(v as u32 as i32 as f32), F32),
        (10, "__floatunsisf", 32, |v| fb(v as u32 as f32), F32),
        (11, "__floatdisf", 64, |v| fb(v as i64 as f32), F32),
        (12, "__floatundisf", 64, |v| fb(v as f32), F32),
        (
            29,
            "__floatsidf",
            32,
            |v| db(f64::from(v as u32 as i32)),
            F64,
        ),
        (30, "__floatunsidf", 32, |v| db(f64::from(v as u32)), F64),
        (31, "__floatdidf", 64, |v| db(v as i64 as f64), F64),
        (32, "__floatundidf", 64, |v| db(v as f64), F64),
    ];
    for (op, name, bits, f, fmt) in from_int {
        for _ in 0..n {
            let a = int_value(&mut rng, bits);
            push(op, name, a, 0, f(a), Check::Exact(Some(fmt)));
        }
    }

    type IntOp = (u32, &'static str, u32, fn(u64, u64) -> Option<u64>);
    let ints: [IntOp; 12] = [
        (40, "__udivsi3", 32, |a, b| {
            (a as u32).checked_div(b as u32).map(u64::from)
        }),
        (41, "__divsi3", 32, |a, b| {
            (b as u32 != 0).then(|| u64::from((a as i32).wrapping_div(b as i32) as u32))
        }),
        (42, "__umodsi3", 32, |a, b| {
            (a as u32).checked_rem(b as u32).map(u64::from)
        }),
        (43, "__modsi3", 32, |a, b| {
            (b as u32 != 0).then(|| u64::from((a as i32).wrapping_rem(b as i32) as u32))
        }),
        (44, "__udivdi3", 64, |a, b| a.checked_div(b)),
        (45, "__divdi3", 64, |a, b| {
            (b != 0).then(|| (a as i64).wrapping_div(b as i64) as u64)
        }),
        (46, "__umoddi3", 64, |a, b| a.checked_rem(b)),
        (47, "__moddi3", 64, |a, b| {
            (b != 0).then(|| (a as i64).wrapping_rem(b as i64) as u64)
        }),
        (48, "__muldi3", 64, |a, b| Some(a.wrapping_mul(b))),
        (49, "__ashldi3", 6, |a, b| Some(a << b)),
        (50, "__lshrdi3", 6, |a, b| Some(a >> b)),
        (51, "__ashrdi3", 6, |a, b| Some(((a as i64) >> b) as u64)),
    ];
    for (op, name, bits, f) in ints {
        let mut made = 0;
        while made < n {
            let (a, b) = if bits == 6 {
                (int_value(&mut rng, 64), rng.below(64))
            } else {
                (int_value(&mut rng, bits), int_value(&mut rng, bits))
            };
            if let Some(want) = f(a, b) {
                push(op, name, a, b, want, Check::Exact(None));
                made += 1;
            }
        }
    }

    // Powers to an integer exponent: the same roundings as the host's
    // compiler builtins (square and multiply, one final reciprocal).
    for _ in 0..n {
        let e = match rng.below(4) {
            0 => rng.next() as u32 as i32,
            _ => rng.below(81) as i32 - 40,
        };
        let a = F32.value(&mut rng);
        push(
            71,
            "__powisf2",
            a,
            e as u32 as u64,
            fb(f32v(a).powi(e)),
            Check::Exact(Some(F32)),
        );
        let a = F64.value(&mut rng);
        push(
            88,
            "__powidf2",
            a,
            e as u32 as u64,
            db(f64v(a).powi(e)),
            Check::Exact(Some(F64)),
        );
    }

    // libm functions that need not be correctly rounded.
    for _ in 0..n {
        let a = F32.value(&mut rng);
        push(66, "expf", a, 0, fb(f32v(a).exp()), Check::Ulp1);
        // Arguments that land in range more often.
        let a = fb((rng.below(20_000) as f32 - 10_000.0) / 100.0);
        push(66, "expf", a, 0, fb(f32v(a).exp()), Check::Ulp1);
        let a = F32.value(&mut rng);
        push(67, "logf", a, 0, fb(f32v(a).ln()), Check::Ulp1);
        let a = F32.value(&mut rng);
        let b = F32.value(&mut rng);
        push(68, "powf", a, b, fb(f32v(a).powf(f32v(b))), Check::Ulp1);
        let a = fb(rng.below(1000) as f32 / 37.0);
        let b = fb((rng.below(4000) as f32 - 2000.0) / 64.0);
        push(68, "powf", a, b, fb(f32v(a).powf(f32v(b))), Check::Ulp1);
        let a = fb(-(rng.below(64) as f32) / 4.0);
        let b = fb(rng.below(21) as f32 - 10.0);
        push(68, "powf", a, b, fb(f32v(a).powf(f32v(b))), Check::Ulp1);
    }

    // The same operations written as C operators: the calls the compiler
    // emits for them (and on the ESP32 the FPU's add/sub/mul).
    let c32: [BinF32; 4] = [
        (100, "C float +", |a, b| a + b),
        (101, "C float -", |a, b| a - b),
        (102, "C float *", |a, b| a * b),
        (103, "C float /", |a, b| a / b),
    ];
    for (op, name, f) in c32 {
        for _ in 0..n {
            let a = F32.value(&mut rng);
            let b = F32.partner(&mut rng, a);
            push(
                op,
                name,
                a,
                b,
                fb(f(f32v(a), f32v(b))),
                Check::Exact(Some(F32)),
            );
        }
    }
    let c64: [BinF64; 3] = [
        (104, "C double +", |a, b| a + b),
        (105, "C double *", |a, b| a * b),
        (106, "C double /", |a, b| a / b),
    ];
    for (op, name, f) in c64 {
        for _ in 0..n {
            let a = F64.value(&mut rng);
            let b = F64.partner(&mut rng, a);
            push(
                op,
                name,
                a,
                b,
                db(f(f64v(a), f64v(b))),
                Check::Exact(Some(F64)),
            );
        }
    }
    for _ in 0..n {
        let a = F32.value(&mut rng);
        push(
            107,
            "C (double)float",
            a,
            0,
            db(f64::from(f32v(a))),
            Check::Exact(Some(F64)),
        );
        let a = F64.value(&mut rng);
        push(
            108,
            "C (float)double",
            a,
            0,
            fb(f64v(a) as f32),
            Check::Exact(Some(F32)),
        );
        // C leaves out-of-range conversions undefined: in range only.
        let a = F32.value(&mut rng);
        if f32v(a).abs() < 9.2e18 {
            push(
                109,
                "C (int64_t)float",
                a,
                0,
                f32v(a) as i64 as u64,
                Check::Exact(None),
            );
        }
        let a = int_value(&mut rng, 64);
        push(
            110,
            "C (float)int64_t",
            a,
            0,
            fb(a as i64 as f32),
            Check::Exact(Some(F32)),
        );
        let (a, b) = (int_value(&mut rng, 64), int_value(&mut rng, 64));
        if b != 0 && !(a == 1 << 63 && b == !0) {
            push(
                111,
                "C int64_t /",
                a,
                b,
                (a as i64 / b as i64) as u64,
                Check::Exact(None),
            );
        }
        if b != 0 {
            push(112, "C uint64_t %", a, b, a % b, Check::Exact(None));
        }
        push(
            113,
            "C uint64_t *",
            a,
            b,
            a.wrapping_mul(b),
            Check::Exact(None),
        );
    }
    out
}

fn is_nan(fmt: Fmt, x: u64) -> bool {
    let abs = x & !fmt.sign() & if fmt.bits == 32 { 0xffff_ffff } else { !0 };
    abs > fmt.exp_max() << fmt.mant
}

/// Distance in units in the last place between two f32 results (ordered
/// as integers through the sign); NaN only matches NaN.
fn ulps32(a: u64, b: u64) -> u64 {
    let key = |x: u64| {
        let x = x as u32;
        if x & 0x8000_0000 != 0 {
            -i64::from(x & 0x7fff_ffff)
        } else {
            i64::from(x)
        }
    };
    if is_nan(F32, a) || is_nan(F32, b) {
        return if is_nan(F32, a) && is_nan(F32, b) {
            0
        } else {
            u64::MAX
        };
    }
    key(a).abs_diff(key(b))
}

/// Builds the driver for `arch` with the helper library, both compiled
/// by cargo-mpy's own code (for the ESP32, clang through assembly; the
/// multiply-high instructions the ESP32 has and qemu's core lacks are
/// completed by the driver's SIGILL handler in `sys.h`).
fn build_driver(arch: Arch, dir: &std::path::Path) -> Result<PathBuf, Skip> {
    let lib = helpers_archive(arch)?;
    let obj = dir.join("driver.o");
    let mut flags = cargo_mpy::helpers::cflags(arch);
    flags.push(format!("-I{}", support_dir().join("loader").display()));
    compile_support_c(arch, &flags, &support_dir().join("helpers/driver.c"), &obj)?;
    let exe = dir.join("driver");
    link_xtensa_program(&[obj, lib], &exe)?;
    Ok(exe)
}

fn run_cases(arch: Arch) -> TestResult {
    let dir = temp_dir(&format!("helpers-{arch}"));
    let exe = skip_unless!(build_driver(arch, dir.path()));
    let qemu = skip_unless!(qemu(arch)).expect("Xtensa runs under qemu");
    let cases = cases();
    let mut input = Vec::with_capacity(cases.len() * 20);
    for c in &cases {
        input.extend(c.op.to_le_bytes());
        input.extend(c.a.to_le_bytes());
        input.extend(c.b.to_le_bytes());
    }
    let input_path = dir.path().join("cases.bin");
    std::fs::write(&input_path, &input).unwrap();
    let mut cmd = Command::new(qemu);
    cmd.args(["-cpu", qemu_cpu(arch).expect("an Xtensa cpu")])
        .arg(&exe)
        .stdin(std::fs::File::open(&input_path).unwrap());
    let output = cmd.output().expect("run the helper driver");
    assert!(
        output.status.success(),
        "{arch}: driver failed: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let got: Vec<u64> = output
        .stdout
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(got.len(), cases.len(), "{arch}: one result per case");

    let mut failures = Vec::new();
    let (mut ulp_cases, mut ulp_exact) = (0, 0);
    for (c, &g) in cases.iter().zip(&got) {
        let ok = match c.check {
            Check::Exact(Some(fmt)) if is_nan(fmt, c.want) => is_nan(fmt, g),
            Check::Exact(Some(fmt)) => {
                let mask = if fmt.bits == 32 { 0xffff_ffff } else { !0 };
                g & mask == c.want
            }
            Check::Exact(None) => g == c.want,
            Check::Ulp1 => {
                ulp_cases += 1;
                let d = ulps32(g, c.want);
                ulp_exact += u32::from(d == 0);
                d <= 1
            }
        };
        if !ok {
            failures.push(format!(
                "{} (op {}) a={:#x} b={:#x}: got {:#x}, want {:#x}",
                c.name, c.op, c.a, c.b, g, c.want
            ));
        }
    }
    eprintln!(
        "{arch}: {} cases, {} failures; expf/logf/powf: {ulp_exact} of {ulp_cases} exact, the rest within 1 ulp",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{arch}: {} of {} cases differ from the host:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    Ok(())
}

fn helpers_match_the_host_on_xtensawin() -> TestResult {
    run_cases(Arch::Xtensawin)
}

fn helpers_match_the_host_on_xtensa() -> TestResult {
    run_cases(Arch::Xtensa)
}
