//! Link flags that shorten the binary's start-up, where they are safe.
//!
//! Both apply only to a native build on Linux with glibc; any other build (cross, musl, macOS,
//! Windows, an older glibc) is linked as before.
//!
//! - `-z pack-relative-relocs` stores the executable's ~10,000 relative relocations as a
//!   compact DT_RELR table, which the loader applies faster. The loader understands that table
//!   from glibc 2.36 on, and the linker marks the binary as needing it, so the flag is given
//!   only on a glibc of at least 2.36: the binary then runs wherever it was built and on every
//!   newer glibc.
//! - The unwinder is linked in statically (GCC's `libgcc_eh.a`, what `gcc -static-libgcc`
//!   uses) instead of loading `libgcc_s.so.1` at every start: one shared library fewer to
//!   find, map and relocate, and no run of its constructor, whose `cpuid` probes are slow in a
//!   virtual machine. Rust asks the linker for `-lgcc_s` by name; a linker script of that name
//!   in a directory searched first answers it with the static archive. Only when the C
//!   compiler that links (`cc`, or `$RUSTC_LINKER`) has a `libgcc_eh.a`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let native = var("HOST") == var("TARGET");
    if !(native && var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu") {
        return;
    }
    if glibc_at_least(2, 36) {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    if let Some(archive) = static_unwinder() {
        let dir = PathBuf::from(var("OUT_DIR")).join("static-libgcc");
        let script = format!("INPUT({})\n", archive.display());
        if std::fs::create_dir_all(&dir).is_ok()
            && std::fs::write(dir.join("libgcc_s.so"), script).is_ok()
        {
            println!("cargo::rustc-link-arg-bins=-L{}", dir.display());
        }
    }
}

/// Where the linking C compiler keeps `libgcc_eh.a`, if it has one (`gcc -print-file-name`
/// prints the bare name when it has not).
fn static_unwinder() -> Option<PathBuf> {
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_owned());
    let out = Command::new(linker)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let path = Path::new(text.trim());
    // A path with a space or parenthesis would need quoting in the linker script: not worth it.
    let plain = !text.trim().contains([' ', '(', ')', '"']);
    (out.status.success() && plain && path.is_absolute() && path.is_file()).then(|| path.into())
}

/// Whether this machine's glibc (`getconf GNU_LIBC_VERSION`: `glibc 2.36`) is at least
/// `major.minor`; `false` when it cannot tell.
fn glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(version) = text.trim().strip_prefix("glibc ") else {
        return false;
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}
