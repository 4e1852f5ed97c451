//! The tests' fake STS as a standalone server, for the benchmarks: prints its URL on stdout,
//! then serves until killed.

#[path = "../common/fake_sts.rs"]
#[allow(dead_code)]
mod fake_sts;

fn main() {
    let sts = fake_sts::FakeSts::start();
    println!("{}", sts.url);
    loop {
        std::thread::park();
    }
}
