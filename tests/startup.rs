//! What a `use` touches on its way, seen from outside with strace: a cache miss reads each AWS
//! file once and, against an `http://` endpoint, no root certificate; an `https://` endpoint
//! loads them, once; a cached `use` sets up no client at all.

mod common;

use common::fake_sts::GOOD_CODE;
use common::*;
use std::process::Command;

/// Root certificates the SDK would load, in the fixture's home: a bundle and a directory, each
/// with the first certificate of the system's bundle (Debian's `ca-certificates`).
fn roots(fx: &Fixture) -> [(&'static str, String); 2] {
    let system = std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt")
        .expect("the system's root certificates (Debian: apt-get install ca-certificates)");
    let end = "-----END CERTIFICATE-----\n";
    let first = &system[..system.find(end).expect("a certificate") + end.len()];
    let bundle = fx.path("roots.pem");
    let dir = fx.path("roots.d");
    std::fs::write(&bundle, first).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("one.pem"), first).unwrap();
    [
        ("SSL_CERT_FILE", bundle.display().to_string()),
        ("SSL_CERT_DIR", dir.display().to_string()),
    ]
}

/// Runs `mfaenv ARGS` under strace with `vars`; the run and every path it opened.
fn traced(fx: &Fixture, args: &[&str], vars: &[(&str, String)]) -> (Run, Vec<String>) {
    let (run, log) = syscalls(fx, args, "open,openat,openat2", vars);
    let opened = log
        .lines()
        .filter(|l| !l.contains("ENOENT"))
        .filter_map(|l| l.split('"').nth(1).map(str::to_owned))
        .collect();
    (run, opened)
}

/// Runs `mfaenv ARGS` under strace with `vars`, tracing `calls`; the run and strace's lines.
fn syscalls(fx: &Fixture, args: &[&str], calls: &str, vars: &[(&str, String)]) -> (Run, String) {
    let log = fx.path("strace.log");
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-e", &format!("trace={calls}"), "-o"])
        .arg(&log)
        .arg("--")
        .arg(bin())
        .args(args);
    fx.sandbox(&mut cmd);
    cmd.envs(vars.iter().map(|(k, v)| (*k, v.as_str())));
    let run = Run::from(cmd.output().unwrap());
    (run, std::fs::read_to_string(&log).unwrap())
}

fn times(opened: &[String], path: &str) -> usize {
    opened.iter().filter(|p| p.as_str() == path).count()
}

/// How many files inside `dir` were opened.
fn under(opened: &[String], dir: &str) -> usize {
    let dir = format!("{dir}/");
    opened.iter().filter(|p| p.starts_with(&dir)).count()
}

const MISS: &[&str] = &[
    "use",
    "foobar",
    "--shell",
    "bash",
    "--token-code",
    GOOD_CODE,
];

#[test]
fn a_miss_reads_each_aws_file_once() {
    if !have("strace") {
        return;
    }
    let fx = Fixture::new();
    let (run, opened) = traced(&fx, MISS, &[]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    for file in [".aws/config", ".aws/credentials"] {
        let path = fx.path(file).display().to_string();
        assert_eq!(times(&opened, &path), 1, "{file}: {opened:#?}");
    }
}

#[test]
fn a_miss_against_an_http_endpoint_loads_no_root_certificate() {
    if !have("strace") {
        return;
    }
    let fx = Fixture::new();
    let roots = roots(&fx);
    let (run, opened) = traced(&fx, MISS, &roots);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(fx.sts.count("GetSessionToken"), 1);
    assert_eq!(times(&opened, &roots[0].1), 0, "{opened:#?}");
    assert_eq!(under(&opened, &roots[1].1), 0, "{opened:#?}");
}

/// The guard of the other side: an `https://` endpoint still gets TLS, with the roots loaded
/// once (the request fails: nothing listens there).
#[test]
fn a_miss_against_an_https_endpoint_loads_the_roots_once() {
    if !have("strace") {
        return;
    }
    let fx = Fixture::new();
    let [bundle, dir] = roots(&fx);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = ("AWS_ENDPOINT_URL_STS", format!("https://127.0.0.1:{port}"));
    let (run, opened) = traced(&fx, MISS, &[bundle.clone(), dir.clone(), endpoint]);
    run.assert_fails(1, "cannot reach STS for profile 'foobar'");
    assert_eq!(times(&opened, &bundle.1), 1, "{opened:#?}");
    assert_eq!(under(&opened, &dir.1), 1, "{opened:#?}");
}

/// A cached `use` builds no client: no root certificate, and the AWS files once.
#[test]
fn a_cached_use_sets_up_no_client() {
    if !have("strace") {
        return;
    }
    let fx = Fixture::new();
    fx.login("foobar");
    let roots = roots(&fx);
    let (run, opened) = traced(&fx, &["use", "foobar", "--shell", "bash"], &roots);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(fx.sts.count("GetSessionToken"), 1, "no second call");
    assert_eq!(times(&opened, &roots[0].1), 0, "{opened:#?}");
    assert_eq!(under(&opened, &roots[1].1), 0, "{opened:#?}");
    for file in [".aws/config", ".aws/credentials"] {
        let path = fx.path(file).display().to_string();
        assert_eq!(times(&opened, &path), 1, "{file}: {opened:#?}");
    }
}

/// On a glibc that understands it (2.36 and later), the binary's relative relocations are
/// packed (DT_RELR), which its loader applies faster; see build.rs.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_packs_its_relative_relocations_where_glibc_allows() {
    let glibc = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let version: Vec<u32> = glibc
        .strip_prefix("glibc ")
        .unwrap_or_default()
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    if version.len() < 2 || (version[0], version[1]) < (2, 36) || !have("readelf") {
        return;
    }
    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(bin())
        .output()
        .unwrap();
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    assert!(dynamic.contains("(RELR)"), "{dynamic}");
    let run = Command::new(bin()).arg("--version").output().unwrap();
    assert!(run.status.success(), "{run:?}");
}

/// A cached `use` starts no async runtime (no epoll, no eventfd, no thread) and, on Linux,
/// with glibc, skips Rust's own start-up, which reads all of /proc/self/maps to place a stack guard.
#[cfg(target_os = "linux")]
#[test]
fn a_cached_use_starts_no_runtime_and_reads_no_memory_map() {
    if !have("strace") {
        return;
    }
    let fx = Fixture::new();
    fx.login("foobar");
    let (run, trace) = syscalls(
        &fx,
        &["use", "foobar", "--shell", "bash"],
        "epoll_create1,eventfd2,clone,clone3,open,openat",
        &[],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.contains("ASIA"), "{run:#?}");
    for call in ["epoll_create1", "eventfd2", "clone"] {
        assert!(!trace.contains(call), "{call} on a cached use:\n{trace}");
    }
    if cfg!(target_env = "gnu") {
        assert!(!trace.contains("/proc/self/maps"), "{trace}");
    }
    // A miss still gets its runtime.
    let (run, trace) = syscalls(
        &fx,
        &[
            "use",
            "foobar",
            "--shell",
            "bash",
            "--force",
            "--token-code",
            GOOD_CODE,
        ],
        "epoll_create1",
        &[],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(trace.contains("epoll_create1"), "{trace}");
}

/// On Linux with glibc the binary loads no shared library but the C library and its loader: the
/// unwinder is linked in and `pow` comes from the Rust port of libm (see build.rs, main.rs).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_needs_only_the_c_library() {
    if !have("readelf") {
        return;
    }
    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(bin())
        .output()
        .unwrap();
    let needed: Vec<String> = String::from_utf8_lossy(&dynamic.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| {
            l.split('[')
                .nth(1)
                .map(|s| s.trim_end_matches(']').to_owned())
        })
        // The loader itself (a debug build asks for it by name): loaded in any case.
        .filter(|name| !name.starts_with("ld-linux"))
        .collect();
    assert_eq!(needed, ["libc.so.6"], "{needed:?}");
}

/// What Rust's start-up did and mfaenv's own now does: standard streams closed at exec are
/// opened on /dev/null (so no file mfaenv opens becomes fd 1), and a closed pipe is a write
/// error, reported, not a silent death by SIGPIPE.
#[cfg(unix)]
#[test]
fn closed_streams_and_closed_pipes_are_handled_as_before() {
    let fx = Fixture::new();
    fx.login("foobar");
    let script = format!(
        "{} use foobar --shell bash >&- 2>/dev/null; echo \"closed: $?\"",
        bin().display()
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-c", &script]);
    fx.sandbox(&mut cmd);
    let run = Run::from(cmd.output().unwrap());
    assert!(run.stdout.contains("closed: 0"), "{run:#?}");
    // A pipe whose reader is gone before mfaenv starts: exit 1 with the one line, never
    // killed by SIGPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = fx.cmd(&["use", "foobar", "--shell", "bash"]);
    cmd.stdout(writer);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not write the script to stdout"),
        "{out:?}"
    );
    // The cache is intact: the closed stdout did not make a cache file fd 1.
    let again = fx.run(&["use", "foobar", "--shell", "bash"]);
    assert_eq!(again.code, Some(0), "{again:#?}");
    assert_eq!(fx.sts.count("GetSessionToken"), 1, "{again:#?}");
}
