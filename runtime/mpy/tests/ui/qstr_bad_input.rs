fn main() {
    let _ = mpy::qstr!(1 + 2);
}
