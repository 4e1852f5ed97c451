//! The static Linux build (`--target x86_64-unknown-linux-musl`, a static-pie; README "Start-up"):
//! what it must keep of the default build. It has no loader and no shared library, its load
//! address is still random at every run, and its C library resolves host names from
//! `/etc/hosts` and through a real DNS server (dnsmasq) named in `/etc/resolv.conf`, as the
//! default build does through NSS; and it keeps long-term keys in a real Secret Service.
//!
//! The binary under test is `$MFAENV_STATIC_BIN`, else the newest of
//! `target/x86_64-unknown-linux-musl/{release,debug}/mfaenv`; `.ci/run` builds it.
#![cfg(target_os = "linux")]

mod common;

use common::fake_sts::{ACCESS_KEY_ID, GOOD_CODE, SERIAL};
use common::keyring::Keyring;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The static build, or `None` (a failure under CI) when none has been built.
fn static_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MFAENV_STATIC_BIN") {
        return Some(PathBuf::from(path));
    }
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/x86_64-unknown-linux-musl");
    let found = ["release", "debug"]
        .iter()
        .map(|profile| target.join(profile).join("mfaenv"))
        .filter_map(|path| Some((path.metadata().ok()?.modified().ok()?, path)))
        .max()
        .map(|(_, path)| path);
    if found.is_none() {
        require_under_ci("the static build (cargo build --target x86_64-unknown-linux-musl)");
    }
    found
}

fn readelf(flag: &str, bin: &Path) -> String {
    let out = Command::new("readelf").arg(flag).arg(bin).output().unwrap();
    assert!(out.status.success(), "readelf {flag}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A position-independent executable (type DYN) with no program interpreter and no shared
/// library: nothing to load at start, and the same file runs on any Linux distribution.
#[test]
fn it_is_a_static_pie_with_no_loader_and_no_shared_library() {
    let Some(bin) = static_bin() else { return };
    if !have("readelf") {
        return;
    }
    let header = readelf("-h", &bin);
    assert!(
        header
            .lines()
            .any(|l| l.trim_start().starts_with("Type:") && l.contains("DYN")),
        "{header}"
    );
    let segments = readelf("-lW", &bin);
    assert!(!segments.contains("INTERP"), "{segments}");
    assert!(segments.contains("GNU_RELRO"), "{segments}");
    assert!(segments.contains("GNU_STACK"), "{segments}");
    let stack = segments.lines().find(|l| l.contains("GNU_STACK")).unwrap();
    assert!(!stack.contains("RWE"), "no executable stack: {stack}");
    let dynamic = readelf("-dW", &bin);
    assert!(!dynamic.contains("(NEEDED)"), "{dynamic}");
    assert!(
        dynamic.contains("BIND_NOW") || dynamic.contains("NOW"),
        "{dynamic}"
    );
    let run = Run::from(Command::new(&bin).arg("--version").output().unwrap());
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.starts_with("mfaenv "), "{run:#?}");
}

/// ASLR is kept: the executable's first mapping, read by its own `mfa_process` from
/// `/proc/$PPID/maps`, is at a new address at every run.
#[test]
fn its_load_address_is_random_at_every_run() {
    let Some(bin) = static_bin() else { return };
    let bases: Vec<u64> = (0..3)
        .map(|_| {
            mappings(&bin)
                .iter()
                .find(|m| m.3 == 0)
                .expect("the first mapping")
                .0
        })
        .collect();
    assert!(
        bases[0] != bases[1] && bases[1] != bases[2] && bases[0] != bases[2],
        "the same load address twice: {bases:x?}"
    );
}

/// The executable's mappings while it runs, as its `mfa_process` reads them from
/// `/proc/$PPID/maps`: (start, end, permissions, file offset).
fn mappings(bin: &Path) -> Vec<(u64, u64, String, u64)> {
    let fx = Fixture::new();
    let maps = fx.path("maps");
    let config = std::fs::read_to_string(fx.path(".aws/config")).unwrap().replace(
        "[profile foobar]\n",
        &format!(
            "[profile foobar]\nmfa_process = grep -F \"$(readlink /proc/$PPID/exe)\" /proc/$PPID/maps >'{}'; echo {GOOD_CODE}\n",
            maps.display()
        ),
    );
    std::fs::write(fx.path(".aws/config"), config).unwrap();
    let run = Run::from(
        fx.cmd_of(bin, &["use", "foobar", "--shell", "bash", "--no-cache"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    let hex = |s: &str| u64::from_str_radix(s, 16).unwrap();
    std::fs::read_to_string(&maps)
        .unwrap()
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (start, end) = fields[0].split_once('-').unwrap();
            (hex(start), hex(end), fields[1].to_owned(), hex(fields[2]))
        })
        .collect()
}

/// RELRO holds in both builds: once started, the executable's relocated data (vtables,
/// function pointers, the GOT: `PT_GNU_RELRO`) is mapped read-only. glibc's loader does it
/// for the default build; the static build, which musl relocates without making it read-only,
/// does it itself at start.
#[test]
fn its_relocated_data_is_read_only_once_started() {
    let Some(bin) = static_bin() else { return };
    if !have("readelf") {
        return;
    }
    for build in [bin.as_path(), common::bin()] {
        let segments = readelf("-lW", build);
        let relro: Vec<u64> = segments
            .lines()
            .find(|l| l.trim_start().starts_with("GNU_RELRO"))
            .unwrap_or_else(|| panic!("no GNU_RELRO in {}: {segments}", build.display()))
            .split_whitespace()
            .filter_map(|f| u64::from_str_radix(f.trim_start_matches("0x"), 16).ok())
            .collect();
        // Offset, virtual address, physical address, file size, memory size.
        let (vaddr, memsz) = (relro[1], relro[4]);
        let maps = mappings(build);
        let base = maps.iter().find(|m| m.3 == 0).expect("the first mapping").0;
        let (from, to) = ((base + vaddr) & !0xfff, (base + vaddr + memsz) & !0xfff);
        assert!(to > from, "{}: {relro:?}", build.display());
        for page in (from..to).step_by(0x1000) {
            let map = maps
                .iter()
                .find(|m| m.0 <= page && page < m.1)
                .unwrap_or_else(|| panic!("{page:x} unmapped: {maps:x?}"));
            assert_eq!(
                map.2,
                "r--p",
                "{}: page {page:x} of the relocated data is not read-only: {maps:x?}",
                build.display()
            );
        }
    }
}

/// A dnsmasq on 127.0.0.2:53 that knows `sts.dns.test` (127.0.0.1, no IPv6 address) and
/// answers NXDOMAIN for every other name under `test`; it logs each query it gets.
struct Dns {
    child: Child,
    log: PathBuf,
}

impl Dns {
    fn start(dir: &Path) -> Dns {
        let log = dir.join("dnsmasq.log");
        let child = Command::new("dnsmasq")
            .args([
                "--conf-file=/dev/null",
                "--keep-in-foreground",
                "--port=53",
                "--listen-address=127.0.0.2",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--local=/test/",
                "--host-record=sts.dns.test,127.0.0.1",
                "--log-queries",
            ])
            .arg(format!("--log-facility={}", log.display()))
            .arg(format!("--pid-file={}", dir.join("dnsmasq.pid").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::UdpSocket::bind("127.0.0.2:53").is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "dnsmasq did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Dns { child, log }
    }

    fn queries(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `BIN use foobar` against `http://HOST:PORT` of the fake STS inside a private mount
/// namespace whose `/etc/hosts`, `/etc/resolv.conf` and `/etc/nsswitch.conf` are the test's:
/// `sts.hosts.test` in the hosts file, the DNS server at 127.0.0.2.
fn use_via(fx: &Fixture, bin: &Path, host: &str) -> Run {
    let etc = fx.path("etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(
        etc.join("hosts"),
        "127.0.0.1 localhost\n127.0.0.1 sts.hosts.test\n",
    )
    .unwrap();
    std::fs::write(etc.join("resolv.conf"), "nameserver 127.0.0.2\n").unwrap();
    std::fs::write(etc.join("nsswitch.conf"), "hosts: files dns\n").unwrap();
    let port = fx.sts.url.rsplit(':').next().unwrap();
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "for f in hosts resolv.conf nsswitch.conf; do mount --bind \"$0/$f\" \"/etc/$f\" || exit 99; done; exec \"$@\"",
        )
        .arg(&etc)
        .arg(bin)
        .args([
            "use",
            "foobar",
            "--shell",
            "bash",
            "--no-cache",
            "--token-code",
            GOOD_CODE,
        ]);
    fx.sandbox(&mut cmd);
    cmd.env("AWS_ENDPOINT_URL_STS", format!("http://{host}:{port}"));
    let run = Run::from(cmd.output().unwrap());
    assert_ne!(run.code, Some(99), "cannot bind-mount over /etc: {run:#?}");
    run
}

/// Host names resolve in the static build as in the default one: from `/etc/hosts`, and
/// through the DNS server `/etc/resolv.conf` names (dnsmasq's log shows the query); a name
/// that does not exist is the one-line "cannot reach STS" error, exit 1.
#[test]
fn it_resolves_host_names_from_the_hosts_file_and_through_dns() {
    let Some(bin) = static_bin() else { return };
    if !have("dnsmasq") || !have("unshare") {
        return;
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        require_under_ci("root (for a private mount namespace)");
        return;
    }
    let fx = Fixture::new();
    let dns = Dns::start(fx.home.path());
    for build in [bin.as_path(), common::bin()] {
        let run = use_via(&fx, build, "sts.hosts.test");
        assert_eq!(run.code, Some(0), "{}: {run:#?}", build.display());
        assert!(run.stdout.contains("ASIA"), "{run:#?}");

        let before = dns.queries().matches("query[A] sts.dns.test").count();
        let run = use_via(&fx, build, "sts.dns.test");
        assert_eq!(run.code, Some(0), "{}: {run:#?}", build.display());
        assert!(run.stdout.contains("ASIA"), "{run:#?}");
        assert!(
            dns.queries().matches("query[A] sts.dns.test").count() > before,
            "{} asked the DNS server: {}",
            build.display(),
            dns.queries()
        );

        let run = use_via(&fx, build, "nowhere.dns.test");
        run.assert_fails(1, "cannot reach STS for profile 'foobar'");
    }
    assert!(dns.queries().contains("nowhere.dns.test is NXDOMAIN"));
}

/// The long-term keys go into, and come back from, a real Secret Service (gnome-keyring on a
/// private D-Bus), through the static build's own D-Bus client.
#[test]
fn it_keeps_keys_in_the_os_keyring() {
    let Some(bin) = static_bin() else { return };
    let fx = Fixture::with_files("[profile foobar]\nregion = eu-west-1\n", "");
    let Some(keyring) = Keyring::start(fx.home.path(), true) else {
        return;
    };
    let bus = ("DBUS_SESSION_BUS_ADDRESS", keyring.address.as_str());
    let run = Run::from(
        fx.cmd_of(&bin, &["add", "foobar", "--env", "--serial-number", SERIAL])
            .envs([
                bus,
                ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", LONG_TERM_SECRET),
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("in the OS keyring"), "{run:#?}");
    assert!(keyring.lookup("foobar").contains(LONG_TERM_SECRET));
    let run = Run::from(
        fx.cmd_of(
            &bin,
            &[
                "use",
                "foobar",
                "--shell",
                "bash",
                "--token-code",
                GOOD_CODE,
                "-v",
            ],
        )
        .envs([bus])
        .output()
        .unwrap(),
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stderr.contains("keys of 'foobar' from the OS keyring"),
        "{run:#?}"
    );
    assert_no_secret(&run.stderr);
    // And the cached session, as the default build reads it.
    let run = fx.run(&["use", "foobar", "--shell", "bash", "-v"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("session from the cache"), "{run:#?}");
}
