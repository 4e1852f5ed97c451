//! A cache that cannot be written never costs the session: the code has been used, so the
//! script is printed (exit 0) with one warning on stderr that the session is not cached.
#![cfg(unix)]

mod common;

use common::fake_sts::{ACCESS_KEY_ID, GOOD_CODE, SERIAL};
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Exit 0, the script on stdout, exactly one warning that the session is not cached, no secret.
fn assert_printed_but_not_cached(run: &Run) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.contains("export AWS_SESSION_TOKEN="), "{run:#?}");
    let warnings = run
        .stderr
        .lines()
        .filter(|l| l.contains("not cached"))
        .count();
    assert_eq!(warnings, 1, "one warning: {run:#?}");
    assert!(
        run.stderr.lines().all(|l| l.starts_with("mfaenv: ")),
        "{run:#?}"
    );
    assert_no_secret(&run.stderr);
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_read_only_cache_directory() {
    if !is_root() {
        require_under_ci("root (to run mfaenv as another user)");
        return;
    }
    let f = Fixture::new();
    // The other user must reach the home and read the AWS files; only the cache is closed.
    for (path, mode) in [(".", 0o755), (".aws", 0o755), (".aws/config", 0o644)] {
        chmod(&f.path(path), mode);
    }
    chmod(&f.path(".aws/credentials"), 0o644);
    let cache = f.path(".cache/mfaenv");
    std::fs::create_dir_all(&cache).unwrap();
    std::os::unix::fs::chown(&cache, Some(65534), Some(65534)).unwrap();
    chmod(&cache, 0o500);
    // Root ignores modes: run as nobody, with no supplementary groups (std drops them).
    let run = Run::from(
        f.cmd(&[
            "use",
            "foobar",
            "--shell",
            "bash",
            "--token-code",
            GOOD_CODE,
        ])
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap(),
    );
    assert_printed_but_not_cached(&run);
    assert!(files_in(&cache).is_empty(), "{:?}", files_in(&cache));
    assert_eq!(
        std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
        0o500,
        "a directory its owner made read-only stays so"
    );
}

/// A small tmpfs, unmounted when dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }

    fn path(&self) -> PathBuf {
        self.0.path().to_path_buf()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

#[test]
fn a_full_disk() {
    let Some(fs) = Tmpfs::mount("64k") else {
        require_under_ci("mount -t tmpfs (root in a container that allows it)");
        return;
    };
    let cache_home = fs.path();
    let dir = cache_home.join("mfaenv");
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o700);
    // Fill it up: after this no byte more fits.
    {
        use std::io::Write;
        let mut filler = std::fs::File::create(cache_home.join("filler")).unwrap();
        let block = [0u8; 4096];
        while filler
            .write_all(&block)
            .and_then(|()| filler.sync_all())
            .is_ok()
        {}
    }
    // A role: its MFA session and its own both fail to store, and that is said once.
    let f = Fixture::with_files(
        &format!(
            "[profile base]\nmfa_serial = {SERIAL}\n\n\
             [profile admin]\nrole_arn = arn:aws:iam::210987654321:role/admin\nsource_profile = base\n"
        ),
        &format!(
            "[base]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    );
    let cache_home = cache_home.to_string_lossy().into_owned();
    let run = f.run_env(
        &["use", "admin", "--shell", "bash", "--token-code", GOOD_CODE],
        &[("XDG_CACHE_HOME", cache_home.as_str())],
    );
    assert_printed_but_not_cached(&run);
    assert!(run.stderr.contains("No space left on device"), "{run:#?}");
    let left: Vec<String> = files_in(&dir)
        .into_iter()
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_profile_name_too_long_for_a_file_name() {
    // `mfa-NAME.json` and `NAME.lock` both exceed the 255 bytes a file name may have.
    let name = "a".repeat(252);
    let f = Fixture::with_files(
        &format!("[profile {name}]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"),
        &format!(
            "[{name}]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    );
    let run = f.run(&["use", &name, "--shell", "bash", "--token-code", GOOD_CODE]);
    assert_printed_but_not_cached(&run);
    assert!(run.stderr.contains("too long"), "{run:#?}");
}

#[test]
fn a_cache_name_too_long_only_for_the_session_file() {
    // `NAME.lock` fits in 255 bytes, `mfa-NAME.json` does not: the lock is taken, the write fails.
    let name = "b".repeat(250);
    let f = Fixture::with_files(
        &format!("[profile {name}]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"),
        &format!(
            "[{name}]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    );
    let run = f.run(&["use", &name, "--shell", "bash", "--token-code", GOOD_CODE]);
    assert_printed_but_not_cached(&run);
    assert!(run.stderr.contains("too long"), "{run:#?}");
}
