#[derive(mpy::IntoObj)]
enum Reply {
    Pair(u8, u8),
    Named { x: u8, y: u8 },
    One(u8),
}

#[derive(mpy::IntoObj)]
union Raw {
    a: u8,
}

fn main() {}
