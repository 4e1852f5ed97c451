//! The tests' fake STS as a standalone server, for the benchmarks. It prints two lines on
//! stdout, the STS URL (for `AWS_ENDPOINT_URL_STS`) and a control address `127.0.0.1:PORT`,
//! then serves until killed.
//!
//! The control port exists so that the benchmark can prove each tool really talked to this
//! fake (and not to AWS): every connection to it gets one line of request counts,
//! `total=N GetSessionToken=N GetCallerIdentity=N AssumeRole=N`, and is closed. It waits
//! in `accept`, so it costs nothing while the figures are taken.

#[path = "../common/fake_sts.rs"]
#[allow(dead_code)]
mod fake_sts;

use std::io::Write;
use std::net::TcpListener;

fn main() {
    let sts = fake_sts::FakeSts::start();
    let control = match TcpListener::bind("127.0.0.1:0").and_then(|l| Ok((l.local_addr()?, l))) {
        Ok(bound) => bound,
        Err(e) => {
            eprintln!("fake-sts: cannot bind a control port on 127.0.0.1: {e}");
            std::process::exit(1);
        }
    };
    let (address, listener) = control;
    println!("{}", sts.url);
    println!("{address}");
    for mut stream in listener.incoming().flatten() {
        let line = format!(
            "total={} GetSessionToken={} GetCallerIdentity={} AssumeRole={}\n",
            sts.requests().len(),
            sts.count("GetSessionToken"),
            sts.count("GetCallerIdentity"),
            sts.count("AssumeRole"),
        );
        // A reader that went away is its own problem; the fake keeps serving.
        let _ = stream.write_all(line.as_bytes());
    }
}
