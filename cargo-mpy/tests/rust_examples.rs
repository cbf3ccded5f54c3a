//! The Rust counterparts of MicroPython's feature examples (`examples/rust-*`),
//! built with `cargo mpy build`: on x64 imported into the real MicroPython and
//! checked, exceptions included; on every other Rust architecture decoded,
//! relocation-checked and run under qemu-user through the test loader.
//!
//! Expected values follow from each example's source (comments say how).

mod common;

use common::{build_manifest, build_named, check, rust_target_installed, RUST_ARCHES};
use mpy_link::Arch;
use mpy_tests::{run_loader, run_micropython, temp_dir};

/// Builds `example` for x64, imports it with `code` and returns stdout lines.
fn run_x64(example: &str, module: &str, code: &str) -> Option<Vec<String>> {
    if let Err(skip) = rust_target_installed(Arch::X64) {
        eprintln!("skipped: {skip}");
        return None;
    }
    let dir = temp_dir(&format!("rx-{module}"));
    let path = build_named(example, module, &[Arch::X64], dir.path()).remove(0);
    check(Arch::X64, &path);
    let out = match run_micropython(dir.path(), code) {
        Ok(o) => o,
        Err(skip) => {
            eprintln!("skipped: {skip}");
            return None;
        }
    };
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    Some(out.lines().into_iter().map(str::to_owned).collect())
}

#[test]
fn basics_runs_in_micropython() {
    let code = "import basics as b\n\
print(b.nothing(), b.add(2, 3), b.add3(1, 2, 3), b.add(1, 1), b.add_calls())\n\
print(b.bump_state(1), b.bump_state(10), b.square(5), b.sum_list([1, 2, 3]), b.sum_list((4, 5)), b.squares(4))\n\
print(b.divide(7, 2), b.divide(-7, 2))\n\
try:\n    b.divide(1, 0)\nexcept ZeroDivisionError as e:\n    print('ZeroDivisionError', e)\n\
def f(x):\n    if x < 0:\n        raise ValueError\n    if x == 0:\n        raise KeyError(x)\n    return x * 2\n\
print(b.guarded(f, 4), b.guarded(f, -1))\n\
try:\n    b.guarded(f, 0)\nexcept KeyError as e:\n    print('KeyError', e)\n\
print(b.allocate(10), b.VERSION, b.TABLE_SIZE, b.BIG)\n\
print(b.choose([], 1, 2), b.choose('x', 1, 2), b.choose(0, 1, 2), b.choose(True, 1, 2))\n\
for bad in (lambda: b.square(16), lambda: b.add(1 << 62, 1 << 62)):\n    try:\n        bad()\n    except ValueError as e:\n        print('ValueError', e)\n\
try:\n    b.entry(99)\nexcept RuntimeError as e:\n    print('RuntimeError', 'panicked' in str(e))\n\
print(b.entry(3))\n\
print(b.classify(2), b.classify(16))\n\
print(b.even(4), b.parity(4), b.parity(5))\n\
try:\n    b.even(5)\nexcept ValueError as e:\n    print('ValueError', e.args)\n";
    let Some(lines) = run_x64("rust-basics", "basics", code) else {
        return;
    };
    assert_eq!(
        lines,
        [
            // add_calls counts the two `add` calls (BSS starts at zero)
            "None 5 6 2 2",
            // .data starts at 7: 7+1, 8+10; 5*5; the first four squares
            "8 18 25 6 9 [0, 1, 4, 9]",
            // floor division rounds towards minus infinity
            "3 -4",
            "ZeroDivisionError divide by zero",
            "8 caught",
            "KeyError 0",
            // even-length blocks of 1..=10 bytes: 2+4+6+8+10; 2**40
            "30 1.0 16 1099511627776",
            // truthiness: empty list, non-empty str, zero, True
            "2 1 2 1",
            "ValueError index out of table",
            "ValueError overflow",
            // a panic (index out of bounds) raises and the module keeps working
            "RuntimeError True",
            "9",
            // a lazily created error examined in Rust
            "ok ValueError",
            // a message-less static error: raised as the bare type, examined in Rust
            "4 even odd",
            "ValueError ()",
        ]
    );
}

#[test]
fn objects_runs_in_micropython() {
    let code = "import objects as o\n\
print(o.type_name(1), o.type_name('a'), o.type_name([]), o.type_name(o))\n\
print(o.kind(None), o.kind(3), o.kind(1 << 70), o.kind('x'), o.kind((1,)), o.kind({}), o.kind(1.5))\n\
print(o.constants())\n\
print(o.squares_dict(4))\n\
print(sorted(o.invert({'a': 1, 'b': 2}).items()))\n\
print(o.lookup({1: 'x'}, 1, None), o.lookup({1: 'x'}, 2, 'dflt'))\n\
print(sorted(o.tally(['a', 'b', 'a']).items()), sorted(o.CONFIG.items()))\n\
for bad in (lambda: o.lookup([], 'k', 0), lambda: o.invert({'a': 'b'}), lambda: o.invert([1])):\n    try:\n        bad()\n    except TypeError as e:\n        print('TypeError')\n";
    let Some(lines) = run_x64("rust-objects", "objects", code) else {
        return;
    };
    assert_eq!(
        lines,
        [
            "int str list module",
            // 1 << 70 is a big int, 1.5 a float: neither is classified
            "none small int other str sequence dict other",
            "(None, False, True, (), 'constant')",
            "{0: 0, 1: 1, 2: 4, 3: 9}",
            "[(1, 'a'), (2, 'b')]",
            "x dflt",
            "[('a', 2), ('b', 1)] [('level', 3), ('mode', 'fast')]",
            // list index by str; str value where an int is needed; a list is not a dict
            "TypeError",
            "TypeError",
            "TypeError",
        ]
    );
}

#[test]
fn hybrid_runs_in_micropython() {
    let code = "import hybrid as h\n\
print(h.isqrt(99), h.isqrt(100), h.poly_int([1, 0, -2], 3), h.is_square(49), h.is_square(50))\n\
print(h.poly([0.5, 1.0], 2.0), h.dot([1.0, 2.0], [3.0, 4.0]), h.scale32(1.5, 2), h.norm([3.0, 4.0]))\n\
print(h.describe(), h.HAS_FLOAT)\n\
for bad in (lambda: h.dot([1.0], []), lambda: h.isqrt(-1)):\n    try:\n        bad()\n    except ValueError as e:\n        print('ValueError', e)\n";
    let Some(lines) = run_x64("rust-hybrid", "hybrid", code) else {
        return;
    };
    assert_eq!(
        lines,
        [
            // 3*3 - 2 = 7
            "9 10 7 True False",
            // 0.5*2 + 1; 1*3 + 2*4; 1.5*2; sqrt(9 + 16) via the Python half
            "2.0 11.0 3.0 5.0",
            "hybrid: Rust ints and floats + Python True",
            "ValueError lengths differ",
            "ValueError math domain error",
        ]
    );
}

#[test]
fn classes_runs_in_micropython() {
    let code = "import classes\n\
f = classes.Factorial(4)\n\
print(f.calculate(), type(f).__name__, classes.Factorial(0).calculate())\n\
try:\n    classes.Factorial(-1)\nexcept classes.FactorialError as e:\n    print('FactorialError', e, isinstance(e, Exception))\n\
c = classes.Counter(5)\n\
print(c.incr(), c.incr(by=3), c.value, c.even, repr(c), str(c))\n\
c.value = 4\n\
print(c.value, c.LIMIT, classes.Counter.LIMIT, c.even)\n\
try:\n    c.value = -3\nexcept ValueError as e:\n    print('ValueError', e)\n\
try:\n    c.nope\nexcept AttributeError:\n    print('AttributeError')\n\
try:\n    c.even = True\nexcept AttributeError:\n    print('AttributeError')\n\
c.reset()\n\
print(c, classes.Counter() == c, classes.Counter(1) == c, classes.Counter(1) != c, c == 0)\n\
try:\n    classes.Counter.incr(f)\nexcept TypeError:\n    print('TypeError')\n\
print(classes.Counter, classes.Factorial)\n\
p = classes.Point(3, 4)\n\
print(p.norm2(), classes.ORIGIN.norm2(), type(classes.ORIGIN) is classes.Point, type(p).__name__)\n\
for bad in (lambda: classes.Point(1), lambda: classes.Point.norm2(c)):\n    try:\n        bad()\n    except TypeError:\n        print('TypeError')\n\
print(classes.Span(3).len(), classes.Span(1, 5).len(), classes.Span(start=2, stop=9).len(), classes.Span(1, stop=4).len())\n\
print(classes.Scale(4).scaled(), classes.Scale(4, 3).scaled())\n\
b = classes.Span(2, 7).bounds()\n\
print(b.sum(), type(b).__name__, type(classes.Span(1).bounds()) is type(b), hasattr(classes, 'Pair'))\n\
for bad in (lambda: classes.Span(), lambda: classes.Span(5, 1), lambda: classes.Span(1, 2, 3), lambda: classes.Span(1, nope=2), lambda: classes.Span(1, start=2), lambda: classes.Scale(1, factor=2), lambda: classes.Scale(), lambda: classes.Scale(1, 2, 3)):\n    try:\n        bad()\n    except Exception as e:\n        print(type(e).__name__, e)\n";
    let Some(lines) = run_x64("rust-classes", "classes", code) else {
        return;
    };
    assert_eq!(
        lines,
        [
            // 4! and 0!
            "24 Factorial 1",
            "FactorialError argument must be zero or above True",
            // 5+1, 6+3, then the attribute view of the same count
            "6 9 9 False Counter(9) Counter(9)",
            "4 1000 1000 True",
            "ValueError value must be zero or above",
            // no such attribute; `even` is read-only
            "AttributeError",
            "AttributeError",
            "Counter(0) True False True False",
            // a method of Counter refuses a Factorial
            "TypeError",
            "<class 'Counter'> <class 'Factorial'>",
            // a declared class; ORIGIN was made in init, before the module stored Point
            "25 0 True Point",
            // one argument short; a Counter as `self`
            "TypeError",
            "TypeError",
            // declared classes whose constructors take keywords / optional positionals
            "1 4 7 3",
            "8 12",
            // an unlisted declared class, built when `bounds` first made one
            "9 Pair True False",
            // a declared constructor's argument errors name the class
            "TypeError Span() missing required argument 'start'",
            // an exception neither listed nor registered: built when first raised
            "SpanError stop before start",
            "TypeError Span() takes 2 positional arguments but 3 were given",
            "TypeError Span() got an unexpected keyword argument 'nope'",
            "TypeError Span() got multiple values for argument 'start'",
            // the firmware's own argument check, as for a call of the function
            "TypeError function doesn't take keyword arguments",
            "TypeError function missing 1 required positional arguments",
            "TypeError function expected at most 2 arguments, got 3",
        ]
    );
}

/// Builds `example` for every Rust architecture but x64, checks each output and
/// runs `commands` under the loader; returns each architecture's stdout lines.
fn run_loader_everywhere(
    example: &str,
    module: &str,
    commands: &[&str],
) -> Option<Vec<(Arch, Vec<String>)>> {
    let manifest = mpy_tests::workspace_root()
        .join("examples")
        .join(example)
        .join("Cargo.toml");
    run_loader_everywhere_at(&manifest, module, commands)
}

/// [`run_loader_everywhere`] for any package.
fn run_loader_everywhere_at(
    manifest: &std::path::Path,
    module: &str,
    commands: &[&str],
) -> Option<Vec<(Arch, Vec<String>)>> {
    if let Err(skip) = RUST_ARCHES
        .iter()
        .try_for_each(|a| rust_target_installed(*a))
    {
        eprintln!("skipped: {skip}");
        return None;
    }
    let dir = temp_dir(&format!("rl-{module}"));
    let mut all = vec![];
    for (arch, path) in
        RUST_ARCHES
            .iter()
            .zip(build_manifest(manifest, module, &RUST_ARCHES, dir.path()))
    {
        check(*arch, &path);
        let out = match run_loader(*arch, &path, commands) {
            Ok(o) => o,
            Err(skip) => {
                eprintln!("skipped: {skip}");
                return None;
            }
        };
        assert_eq!(out.code, Some(0), "{arch}: {}\n{}", out.stdout, out.stderr);
        all.push((*arch, out.lines().into_iter().map(str::to_owned).collect()));
    }
    Some(all)
}

#[test]
fn basics_runs_under_the_loader_on_every_rust_arch() {
    let Some(runs) = run_loader_everywhere(
        "rust-basics",
        "basics",
        &[
            "call nothing",
            "call add 2 3",
            "call add3 1 2 3",
            "call add_calls",
            "call bump_state 1",
            "call bump_state 10",
            "call square 5",
            "call square 16",
            "call entry 3",
            "call entry 99",
            "call sum_list [1, 2, 3]",
            "call sum_list (4, 5)",
            "call squares 4",
            "call divide -7 2",
            "call divide 1 0",
            "call guarded @square 3",
            "call guarded @square 20",
            "call guarded @entry 99",
            "call choose [] 1 2",
            "call choose 'x' 1 2",
            "call allocate 10",
            "call classify 2",
            "call classify 16",
            "call even 4",
            "call even 5",
            "call parity 5",
            "get VERSION",
            "get TABLE_SIZE",
        ],
    ) else {
        return;
    };
    for (arch, lines) in runs {
        assert_eq!(
            lines,
            [
                "None",
                "5",
                "6",
                // one `add` call so far (BSS starts at zero)
                "1",
                // `.data` starts at 7
                "8",
                "18",
                "25",
                "exception: ValueError: index out of table",
                "9",
                "exception: RuntimeError: Rust code panicked (enable the `mpy/panic-message` feature for the message and location)",
                "6",
                "9",
                "[0, 1, 4, 9]",
                "-4",
                "exception: ZeroDivisionError: divide by zero",
                // a builtin called back from Rust; its ValueError is caught in Rust
                "9",
                "'caught'",
                "exception: RuntimeError: Rust code panicked (enable the `mpy/panic-message` feature for the message and location)",
                "2",
                "1",
                "30",
                "'ok'",
                "'ValueError'",
                "4",
                "exception: ValueError",
                "'odd'",
                "'1.0'",
                "16",
            ],
            "{arch}"
        );
    }
}

#[test]
fn objects_runs_under_the_loader_on_every_rust_arch() {
    let Some(runs) = run_loader_everywhere(
        "rust-objects",
        "objects",
        &[
            "call type_name 1",
            "call type_name [1]",
            "call kind None",
            "call kind 3",
            "call kind 'x'",
            "call kind (1, 2)",
            "call kind {}",
            "call constants",
            "call squares_dict 4",
            "call invert {'a': 1, 'b': 2}",
            "call invert {'a': 'b'}",
            "call lookup {1: 'x'} 1 None",
            "call lookup {1: 'x'} 2 'dflt'",
            "call tally ['a', 'b', 'a']",
            "get CONFIG",
        ],
    ) else {
        return;
    };
    for (arch, mut lines) in runs {
        if lines[10].starts_with("exception: TypeError:") {
            lines[10] = "exception: TypeError".into();
        }
        assert_eq!(
            lines,
            [
                "'int'",
                "'list'",
                "'none'",
                "'small int'",
                "'str'",
                "'sequence'",
                "'dict'",
                "(None, False, True, (), 'constant')",
                // the BTreeMap iterates in key order; the loader's dict keeps insertion order
                "{0: 0, 1: 1, 2: 4, 3: 9}",
                "{1: 'a', 2: 'b'}",
                // (the message differs: 32-bit targets read an i64 in halves)
                "exception: TypeError",
                "'x'",
                "'dflt'",
                "{'a': 2, 'b': 1}",
                "{'mode': 'fast', 'level': 3}",
            ],
            "{arch}"
        );
    }
}

/// A copy of a hybrid example without its Python half (the loader runs no
/// bytecode): the manifest without the `sources` line, pointing at this
/// workspace's runtime, and the listed Rust sources.
fn rust_only_copy(example: &str, py_source: &str, rust_files: &[&str]) -> tempfile::TempDir {
    let copy = temp_dir(&format!("{example}-rust-only"));
    let dir = mpy_tests::workspace_root().join("examples").join(example);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
        .unwrap()
        .replace(&format!("sources = [\"{py_source}\"]"), "")
        .replace(
            "path = \"../../runtime/mpy\"",
            &format!(
                "path = {:?}",
                mpy_tests::workspace_root()
                    .join("runtime/mpy")
                    .display()
                    .to_string()
            ),
        );
    assert!(!manifest.contains("sources ="), "{manifest}");
    std::fs::create_dir_all(copy.path().join("src")).unwrap();
    std::fs::write(copy.path().join("Cargo.toml"), manifest).unwrap();
    for f in rust_files {
        std::fs::copy(dir.join("src").join(f), copy.path().join("src").join(f)).unwrap();
    }
    copy
}

#[test]
fn hybrid_rust_part_runs_under_the_loader_on_every_rust_arch() {
    // The Python half is bytecode, which the loader does not run (it is
    // checked in `micropython` above): build a copy of the example without it.
    // Floats: not on RISC-V (see the example).
    let copy = rust_only_copy(
        "rust-hybrid",
        "hybrid.py",
        &["lib.rs", "ints.rs", "floats.rs"],
    );
    let Some(runs) = run_loader_everywhere_at(
        &copy.path().join("Cargo.toml"),
        "hybrid",
        &[
            "call isqrt 99",
            "call isqrt 100",
            "call isqrt -1",
            "call poly_int [1, 0, -2] 3",
            "get HAS_FLOAT",
            "call dot [1.0, 2.0] [3.0, 4.0]",
            "call poly [0.5, 1.0] 2.0",
            "call scale32 1.5 2.0",
        ],
    ) else {
        return;
    };
    for (arch, lines) in runs {
        let float = !matches!(arch, Arch::Rv32imc | Arch::Rv64imc);
        let mut expect = vec!["9", "10", "exception: ValueError: math domain error", "7"];
        if float {
            expect.extend(["True", "11.0", "2.0", "3.0"]);
        } else {
            expect.extend([
                "False",
                "exception: AttributeError: module has no attribute 'dot'",
                "exception: AttributeError: module has no attribute 'poly'",
                "exception: AttributeError: module has no attribute 'scale32'",
            ]);
        }
        assert_eq!(lines, expect, "{arch}");
    }
}

#[test]
fn classes_runs_under_the_loader_on_every_rust_arch() {
    let Some(runs) = run_loader_everywhere(
        "rust-classes",
        "classes",
        &[
            "let %f = call Factorial 4",
            "call %f.calculate",
            "get %f",
            "call Factorial -1",
            "let %c = call Counter 5",
            "call %c.incr",
            "call %c.incr 3",
            "get %c.value",
            "get %c.even",
            "get %c",
            "set %c.value 4",
            "get %c.value",
            "set %c.value -3",
            "set %c.even True",
            "get %c.nope",
            "get %c.LIMIT",
            "get Counter.LIMIT",
            "let %m = get %c.reset",
            "call %m",
            "get %c",
            "let %d = call Counter",
            "call %c.__eq__ %d",
            "call Counter.incr %f",
            "get Counter",
            "get FactorialError",
            "let %p = call Point 3 4",
            "call %p.norm2",
            "call ORIGIN.norm2",
            "get Point",
            "let %s = call Span 1 5",
            "call %s.len",
            "let %s = call Span 3",
            "call %s.len",
            "call Span 5 1",
            "let %b = call %s.bounds",
            "call %b.sum",
            "get %b",
            "let %k = call Scale 4 3",
            "call %k.scaled",
            "let %k = call Scale 4",
            "call %k.scaled",
        ],
    ) else {
        return;
    };
    for (arch, lines) in runs {
        assert_eq!(
            lines,
            [
                "24",
                "<Factorial object>",
                "exception: FactorialError: argument must be zero or above",
                "6",
                "9",
                "9",
                "False",
                "Counter(9)",
                "4",
                "exception: ValueError: value must be zero or above",
                // `even` is computed and read-only; `nope` does not exist
                "exception: AttributeError: can't set attribute 'even'",
                "exception: AttributeError: 'Counter' object has no attribute 'nope'",
                "1000",
                "1000",
                "None",
                "Counter(0)",
                // no `__eq__` method: equality is the binary_op slot (checked in micropython)
                "exception: AttributeError: 'Counter' object has no attribute '__eq__'",
                // the runtime's own type check on `&Counter` (the loader does not check
                // self): a fixed message, since naming the types would link the message
                // builder into every class module
                "exception: TypeError: argument has wrong type",
                "<class 'Counter'>",
                "<class 'FactorialError'>",
                // the declared class; ORIGIN was made before the module stored Point
                "25",
                "0",
                "<class 'Point'>",
                // constructors with keyword / optional positional parameters
                "4",
                "1",
                "exception: SpanError: stop before start",
                "7",
                "<Pair object>",
                "12",
                "8",
            ],
            "{arch}"
        );
    }
}

#[test]
fn minimal_runs_in_micropython_and_under_the_loader() {
    let code = "import minimal\n\
print(minimal.factorial(0), minimal.factorial(5), minimal.factorial(20))\n\
try:\n    minimal.factorial('x')\nexcept TypeError:\n    print('TypeError')\n";
    let Some(lines) = run_x64("rust-minimal", "minimal", code) else {
        return;
    };
    // 20! = 2432902008176640000 still fits a 64-bit word.
    assert_eq!(lines, ["1 120 2432902008176640000", "TypeError"]);
    let Some(runs) = run_loader_everywhere(
        "rust-minimal",
        "minimal",
        &["call factorial 0", "call factorial 5", "call factorial 12"],
    ) else {
        return;
    };
    for (arch, lines) in runs {
        // 12! = 479001600 fits a 32-bit word.
        assert_eq!(lines, ["1", "120", "479001600"], "{arch}");
    }
}

/// What features1's functions compute, in the order both checks below ask.
const FEATURES1_EXPECTED: [&str; 9] = [
    "5",
    // fibonacci: from the rodata table, then by recursion (fib(20) = 6765)
    "13",
    "6765",
    "ValueError: can't compute negative Fibonacci number",
    // BSS starts zeroed; a store goes through the relocated pointer table
    "[0, 0, 0, 0]",
    "None",
    "1234",
    "[0, 1234, 0, 0]",
    // 0x1000 and 0x2000 as native-endian half-words (every target is little-endian)
    "bytearray(b'\\x00\\x10\\x00 ')",
];

#[test]
fn features1_twin_runs_in_micropython_and_under_the_loader() {
    let code = "import features1\n\
print('init done')\n\
print(features1.add(2, 3))\n\
print(features1.fibonacci(7))\n\
print(features1.fibonacci(20))\n\
try:\n    features1.fibonacci(-1)\nexcept ValueError as e:\n    print('ValueError:', e)\n\
print(features1.access())\n\
print(features1.access(5, 1234))\n\
print(features1.access(1))\n\
print(features1.access())\n\
print(features1.make_array())\n\
print(features1.VAL, features1.MSG)\n";
    let Some(lines) = run_x64("rust-features1", "features1", code) else {
        return;
    };
    let mut expected = vec!["initialising module features1", "init done"];
    expected.extend(FEATURES1_EXPECTED);
    expected.push("42 HELLO_MICROPYTHON");
    assert_eq!(lines, expected);
    let Some(runs) = run_loader_everywhere(
        "rust-features1",
        "features1",
        &[
            "call add 2 3",
            "call fibonacci 7",
            "call fibonacci 20",
            "call fibonacci -1",
            "call access",
            "call access 5 1234",
            "call access 1",
            "call access",
            "call make_array",
            "get VAL",
            "get MSG",
        ],
    ) else {
        return;
    };
    for (arch, lines) in runs {
        let mut expected = vec!["initialising module features1"];
        expected.extend(FEATURES1_EXPECTED);
        // The loader reports an exception with this prefix.
        expected[4] = "exception: ValueError: can't compute negative Fibonacci number";
        expected.extend(["42", "'HELLO_MICROPYTHON'"]);
        assert_eq!(lines, expected, "{arch}");
    }
}

#[test]
fn features3_twin_runs_in_micropython_and_under_the_loader() {
    let code = "import features3 as f\n\
print(f.get_types())\n\
print(f.get_const_objects())\n\
d = f.make_dict(1, 'a', 'b', 2.5)\n\
print(f.make_dict(), len(d), d[1], d['b'], f.make_dict(1, 2, 3))\n\
print(f.get_types()[3] is int, f.get_types()[5] is bytes, f.get_types()[6] is tuple)\n";
    let Some(lines) = run_x64("rust-features3", "features3", code) else {
        return;
    };
    assert_eq!(
        lines,
        [
            "(<class 'type'>, <class 'NoneType'>, <class 'bool'>, <class 'int'>, <class 'str'>, \
             <class 'bytes'>, <class 'tuple'>, <class 'list'>, <class 'dict'>)",
            "(None, False, True, b'', ())",
            // an odd last argument is ignored
            "{} 2 a 2.5 {1: 2}",
            "True True True",
        ]
    );
    let Some(runs) = run_loader_everywhere(
        "rust-features3",
        "features3",
        &[
            "call get_types",
            "call get_const_objects",
            "call make_dict",
            "call make_dict 1 'a' 'b' 2",
            "call make_dict 1 2 3",
        ],
    ) else {
        return;
    };
    for (arch, lines) in runs {
        assert_eq!(
            lines,
            [
                "(<class 'type'>, <class 'NoneType'>, <class 'bool'>, <class 'int'>, \
                 <class 'str'>, <class 'bytes'>, <class 'tuple'>, <class 'list'>, <class 'dict'>)",
                "(None, False, True, b'', ())",
                "{}",
                // the loader's dicts keep insertion order
                "{1: 'a', 'b': 2}",
                "{1: 2}",
            ],
            "{arch}"
        );
    }
}

#[test]
fn features4_twin_runs_in_micropython_and_under_the_loader() {
    let code = "import features4\n\
f = features4.Factorial(4)\n\
print(f.calculate(), features4.Factorial(0).calculate(), type(f).__name__)\n\
try:\n    features4.Factorial(-1)\nexcept features4.FactorialError as e:\n    print('FactorialError', e, isinstance(e, Exception))\n\
for bad in (lambda: features4.Factorial(), lambda: features4.Factorial(1, 2), lambda: features4.Factorial.calculate(5)):\n    try:\n        bad()\n    except TypeError as e:\n        print('TypeError')\n";
    let Some(lines) = run_x64("rust-features4", "features4", code) else {
        return;
    };
    assert_eq!(
        lines,
        [
            "24 1 Factorial",
            "FactorialError argument must be zero or above True",
            // too few and too many constructor arguments; a method called on a non-instance
            "TypeError",
            "TypeError",
            "TypeError",
        ]
    );
    let Some(runs) = run_loader_everywhere(
        "rust-features4",
        "features4",
        &[
            "let %f = call Factorial 5",
            "call %f.calculate",
            "call Factorial -1",
            "call Factorial",
            "call Factorial.calculate 5",
            "get FactorialError",
        ],
    ) else {
        return;
    };
    for (arch, lines) in runs {
        assert_eq!(
            lines,
            [
                "120",
                "exception: FactorialError: argument must be zero or above",
                // the loader's own argument check, as the firmware's `mp_arg_check_num`
                "exception: TypeError: function missing 1 required positional arguments",
                "exception: TypeError: argument has wrong type",
                "<class 'FactorialError'>",
            ],
            "{arch}"
        );
    }
}

#[test]
fn features2_twin_runs_in_micropython_and_under_the_loader() {
    let code = "import features2 as f, array\n\
f.test()\n\
print(f.round(2.5), f.round(-2.5), f.round(0.49999997), f.round(1e10), f.add(1, 2) == 3)\n\
a = array.array('f', [])\n\
f.productf(a)\n\
print(len(a))\n\
try:\n    f.productf(array.array('i', [1, 2]))\nexcept ValueError as e:\n    print('ValueError', e)\n\
try:\n    f.productf(b'abcd')\nexcept TypeError:\n    print('TypeError')\n";
    let Some(lines) = run_x64("rust-features2", "features2", code) else {
        return;
    };
    assert_eq!(
        lines,
        [
            // the merged Python half's own test: add, add_f, productf, add_d (x64 has it)
            "[True, True, True, True]",
            "3.0 -3.0 0.0 10000000000.0 True",
            // an empty array: nothing to store the product in
            "0",
            "ValueError expecting float array",
            // bytes are not writable
            "TypeError",
        ]
    );
    // The loader runs no bytecode: a copy without the Python half. RISC-V
    // modules have no float functions (see the example).
    let copy = rust_only_copy("rust-features2", "features2.py", &["lib.rs", "prod.rs"]);
    let Some(runs) = run_loader_everywhere_at(
        &copy.path().join("Cargo.toml"),
        "features2",
        &[
            "call add 0.25 0.5",
            "call add_f 1.5 2.25",
            "call add_d 0.125 0.25",
            "call round 2.5",
            "call round -0.5",
            "call productf 'abc'",
        ],
    ) else {
        return;
    };
    for (arch, lines) in runs {
        let expect: Vec<&str> = match arch {
            Arch::Rv32imc | Arch::Rv64imc => {
                vec!["exception: AttributeError: module has no attribute 'add'"; 1]
                    .into_iter()
                    .chain([
                        "exception: AttributeError: module has no attribute 'add_f'",
                        "exception: AttributeError: module has no attribute 'add_d'",
                        "exception: AttributeError: module has no attribute 'round'",
                        "exception: AttributeError: module has no attribute 'round'",
                        "exception: AttributeError: module has no attribute 'productf'",
                    ])
                    .collect()
            }
            _ => {
                let double = matches!(arch, Arch::X86 | Arch::X64 | Arch::Armv7emdp);
                vec![
                    "0.75",
                    "3.75",
                    if double {
                        "0.375"
                    } else {
                        "exception: AttributeError: module has no attribute 'add_d'"
                    },
                    "3.0",
                    "-1.0",
                    // the firmware's (here the loader's) raising buffer lookup
                    "exception: TypeError: object with buffer protocol required",
                ]
            }
        };
        assert_eq!(lines, expect, "{arch}");
    }
}

/// A class's constructor must return that class: naming a function that returns another
/// class, or a borrowed value, is a compile error that says so (the generated `make_new`
/// slot places the value in an instance of the class's own type).
#[test]
fn a_constructor_returning_another_type_does_not_compile() {
    if let Err(skip) = rust_target_installed(Arch::X64) {
        eprintln!("skipped: {skip}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("wrongctor");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    let runtime = mpy_tests::workspace_root().join("runtime/mpy");
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"wrongctor\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [lib]\ncrate-type = [\"staticlib\"]\n\n\
             [dependencies]\nmpy = {{ path = {:?} }}\n\n[package.metadata.mpy]\n\n[workspace]\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        "#![no_std]\n\
         use mpy::{Module, PyResult};\n\
         #[mpy::class(constructor = make_b)]\nstruct A { n: i32 }\n\
         #[mpy::class]\nstruct B { n: i32 }\n\
         #[mpy::function(positional)]\nfn make_b(n: i32) -> B { B { n } }\n\
         #[mpy::class(constructor = label)]\nstruct C;\n\
         #[mpy::function(positional)]\nfn label() -> &'static str { \"c\" }\n\
         #[mpy::module(classes = [A, C])]\nfn init(_m: &Module<'_>) -> PyResult<()> { Ok(()) }\n",
    )
    .unwrap();
    let res = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-mpy"))
        .args(["mpy", "build", "-q", "--arch", "x64", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(!res.status.success(), "{err}");
    assert!(
        err.contains("a constructor of `A` must return `A` or `PyResult<A>`, not `B`"),
        "{err}"
    );
    assert!(
        err.contains("a constructor of `C` must return `C` or `PyResult<C>` by value"),
        "{err}"
    );
}

/// The integer types of `examples/rust-ints`: name, bits, signed.
const INT_TYPES: [(&str, u32, bool); 10] = [
    ("i8", 8, true),
    ("i16", 16, true),
    ("i32", 32, true),
    ("i64", 64, true),
    ("isize", 0, true),
    ("u8", 8, false),
    ("u16", 16, false),
    ("u32", 32, false),
    ("u64", 64, false),
    ("usize", 0, false),
];

/// Every integer type takes exactly the ints in its range and returns them unchanged, as
/// a small or a big int; any other int raises `OverflowError` (never a wrapped or truncated
/// value). Boundary values around 2**31, 2**32, 2**63 and 2**64, both signs; the expected
/// result is the value itself when the type's range (from its width) holds it.
#[test]
fn ints_take_their_range_and_raise_overflow_outside_it_in_micropython() {
    let mut code = String::from(
        r#"import ints
VALUES = [0, 1, -1, 127, 128, -128, -129, 255, 256, 2**15, 2**16, 2**31 - 1, 2**31, -2**31,
    -2**31 - 1, 2**32 - 1, 2**32, 2**32 + 1, 2**62, 2**63 - 1, 2**63, -2**63, -2**63 - 1,
    2**64 - 1, 2**64, 2**64 + 1, -2**64, 2**100, -2**100]
def check(name, bits, signed):
    lo, hi = (-2**(bits - 1), 2**(bits - 1) - 1) if signed else (0, 2**bits - 1)
    bad = []
    for suffix in ('', '_list'):
        f = getattr(ints, name + suffix)
        for v in VALUES:
            try:
                got = f([v])[0] if suffix else f(v)
            except OverflowError:
                got = 'OverflowError'
            want = v if lo <= v <= hi else 'OverflowError'
            if got != want or type(got) != type(want):
                bad.append('%s%s(%d) = %s' % (name, suffix, v, got))
    print(name, bad or 'ok')
"#,
    );
    for (name, bits, signed) in INT_TYPES {
        // x64: isize and usize are 64 bits.
        let bits = if bits == 0 { 64 } else { bits };
        let signed = if signed { "True" } else { "False" };
        code.push_str(&format!("check('{name}', {bits}, {signed})\n"));
    }
    // Not an int at all: TypeError, as before.
    code.push_str(
        "for bad in (1.5, 'x', None):\n    try:\n        ints.i64(bad)\n    except TypeError:\n        print('TypeError')\n",
    );
    let Some(lines) = run_x64("rust-ints", "ints", &code) else {
        return;
    };
    let mut expected: Vec<String> = INT_TYPES.iter().map(|(n, ..)| format!("{n} ok")).collect();
    expected.extend(["TypeError"; 3].map(String::from));
    assert_eq!(lines, expected);
}

/// [`ints_take_their_range_and_raise_overflow_outside_it_in_micropython`] under the test
/// loader on the other architectures, where 32-bit targets have 31-bit small ints and
/// `isize`/`usize` of 32 bits. The loader's ints are 64-bit (`long long`), so values from
/// 2**63 up cannot be passed; those are covered on x64 in the real MicroPython.
#[test]
fn ints_take_their_range_and_raise_overflow_outside_it_under_the_loader() {
    const VALUES: [i128; 21] = [
        0,
        1,
        -1,
        127,
        128,
        -129,
        255,
        256,
        1 << 15,
        1 << 16,
        (1 << 30) - 1,
        1 << 30,
        -(1 << 30) - 1,
        (1 << 31) - 1,
        1 << 31,
        -(1 << 31),
        -(1 << 31) - 1,
        (1 << 32) - 1,
        1 << 32,
        (1 << 63) - 1,
        -(1 << 63),
    ];
    let mut commands = vec![];
    for (name, ..) in INT_TYPES {
        for v in VALUES {
            commands.push(format!("call {name} {v}"));
            commands.push(format!("call {name}_list [{v}]"));
        }
    }
    let refs: Vec<&str> = commands.iter().map(String::as_str).collect();
    let Some(runs) = run_loader_everywhere("rust-ints", "ints", &refs) else {
        return;
    };
    for (arch, lines) in runs {
        let word = 8 * arch.word_size() as u32;
        let mut expected = vec![];
        for (_, bits, signed) in INT_TYPES {
            let bits = if bits == 0 { word } else { bits };
            let (lo, hi) = if signed {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            } else {
                (0, (1i128 << bits) - 1)
            };
            for v in VALUES {
                let (direct, listed) = if (lo..=hi).contains(&v) {
                    (v.to_string(), format!("[{v}]"))
                } else {
                    ("OverflowError".to_owned(), "OverflowError".to_owned())
                };
                expected.extend([direct, listed]);
            }
        }
        // An exception line names its type first; its message may say the range or the type.
        let got: Vec<String> = lines
            .iter()
            .map(|l| match l.strip_prefix("exception: OverflowError") {
                Some(_) => "OverflowError".to_owned(),
                None => l.clone(),
            })
            .collect();
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g, e, "{arch}: `{}`", commands[i]);
        }
        assert_eq!(got.len(), expected.len(), "{arch}: {lines:?}");
    }
}
