//! Edits and locks that cannot lose data: concurrent config edits are serialised, the edited
//! file keeps its owner and mode, a read-only one is refused, lock files are never followed
//! through a symlink and are waited for a bounded time, and `logout` sweeps what killed writes
//! left without ever breaking a live one.
#![cfg(unix)]

mod common;

use common::fake_sts::GOOD_CODE;
use common::*;
use mfaenv::config_edit::{self, LOCK_WAIT, Saved};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ARN: &str = "arn:aws:iam::123456789012:mfa/alice";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// This test binary, running one of the `#[ignore]`d children below.
fn child(name: &str, vars: &[(&str, &Path)]) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--ignored", "--quiet", "--nocapture"]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

/// Run as a child: waits for the go file, then sets `mfa_serial` in each profile of
/// `MFAENV_TEST_PROFILES`, printing `saved NAME` for each edit that reports success.
#[test]
#[ignore = "a child of concurrent_edits_all_land"]
fn edit_child() {
    let (Ok(path), Ok(profiles), Ok(go)) = (
        std::env::var("MFAENV_TEST_CONFIG"),
        std::env::var("MFAENV_TEST_PROFILES"),
        std::env::var("MFAENV_TEST_GO"),
    ) else {
        return;
    };
    while !Path::new(&go).exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
    for profile in profiles.split(',') {
        match config_edit::save_property(path.as_ref(), profile, "mfa_serial", ARN) {
            Ok(_) => println!("saved {profile}"),
            Err(e) => {
                eprintln!("{profile}: {e}");
                std::process::exit(1);
            }
        }
    }
}

/// Run as a child: locks `MFAENV_TEST_LOCK` (an existing file), says `held`, and keeps the
/// lock until its stdin closes.
#[test]
#[ignore = "a child of the tests that need a lock held by another process"]
fn lock_holder_child() {
    let Ok(path) = std::env::var("MFAENV_TEST_LOCK") else {
        return;
    };
    let file = std::fs::File::open(&path).unwrap();
    file.lock().unwrap();
    println!("held");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// Another process holding a lock on `path` (created 0600 if missing) until dropped.
struct Holder(Child);

impl Holder {
    fn hold(path: &Path) -> Holder {
        if !path.exists() {
            std::fs::write(path, "").unwrap();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let mut child = child("lock_holder_child", &[("MFAENV_TEST_LOCK", path)])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Past libtest's own lines, to the child's word that it holds the lock.
        let mut seen = String::new();
        let mut reader = BufReader::new(child.stdout.as_mut().unwrap());
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                panic!("the lock holder ended: {seen:?}");
            }
            if line.trim() == "held" {
                break;
            }
            seen.push_str(&line);
        }
        Holder(child)
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// A config file big enough that an edit takes a while, with a `[profile pN]` per profile.
fn big_config(dir: &Path, profiles: usize) -> PathBuf {
    let text: String = (0..profiles)
        .map(|i| format!("# profile {i}\n[profile p{i}]\nregion = eu-west-1\n\n"))
        .chain((0..300).map(|i| format!("[profile filler{i}]\nregion = eu-west-1\n\n")))
        .collect();
    let path = dir.join("config");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn concurrent_edits_all_land() {
    const CHILDREN: usize = 12;
    const EACH: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    let config = big_config(dir.path(), CHILDREN * EACH);
    let go = dir.path().join("go");
    let children: Vec<Child> = (0..CHILDREN)
        .map(|c| {
            let profiles: Vec<String> = (0..EACH).map(|e| format!("p{}", c * EACH + e)).collect();
            child(
                "edit_child",
                &[("MFAENV_TEST_CONFIG", &config), ("MFAENV_TEST_GO", &go)],
            )
            .env("MFAENV_TEST_PROFILES", profiles.join(","))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    // Let them all start, then release them at once.
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&go, "").unwrap();
    let mut saved = Vec::new();
    let mut failed = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        saved.extend(
            stdout
                .lines()
                .filter_map(|l| l.strip_prefix("saved "))
                .map(str::to_owned),
        );
        if !out.status.success() {
            failed.push(String::from_utf8_lossy(&out.stderr).into_owned());
        }
    }
    assert!(failed.is_empty(), "edits failed: {failed:#?}");
    assert_eq!(saved.len(), CHILDREN * EACH, "{saved:?}");
    let text = std::fs::read_to_string(&config).unwrap();
    let lost: Vec<&String> = saved
        .iter()
        .filter(|p| {
            !text.contains(&format!(
                "[profile {p}]\nregion = eu-west-1\nmfa_serial = {ARN}\n"
            ))
        })
        .collect();
    assert!(lost.is_empty(), "said saved, but not in the file: {lost:?}");
    let temps: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
}

#[test]
fn an_edit_lock_held_past_the_bound_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile p]\n").unwrap();
    let lock = dir.path().join(".config.mfaenv.lock");
    let _holder = Holder::hold(&lock);
    let started = Instant::now();
    let err = config_edit::save_property(&config, "p", "mfa_serial", ARN).unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= LOCK_WAIT && took < LOCK_WAIT + Duration::from_secs(3),
        "waited {took:?}"
    );
    let text = err.to_string();
    assert!(text.contains(&lock.display().to_string()), "{text}");
    assert!(text.contains("another process"), "{text}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "[profile p]\n");
}

/// The rewrites of `import` and `remove` (keys out of the credentials file, the store's lines
/// out of the config) wait for the edit lock too, and read the file only once they hold it,
/// so an edit another process makes meanwhile is kept.
#[test]
fn removals_wait_for_the_edit_lock_and_keep_what_was_saved_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile p]\nmfaenv_key_store = file\n").unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &credentials,
        "[p]\naws_access_key_id = A\naws_secret_access_key = S\n",
    )
    .unwrap();
    for (path, lock) in [
        (&config, ".config.mfaenv.lock"),
        (&credentials, ".credentials.mfaenv.lock"),
    ] {
        let holder = Holder::hold(&dir.path().join(lock));
        let is_config = path == &config;
        let target = path.clone();
        let removal = std::thread::spawn(move || {
            if is_config {
                config_edit::remove_properties(&target, "p", &["mfaenv_key_store"])
            } else {
                config_edit::remove_keys(&target, &["p"])
            }
        });
        std::thread::sleep(Duration::from_millis(500));
        assert!(!removal.is_finished(), "{lock}: did not wait for the lock");
        // What the lock's holder saves before letting go is part of what gets rewritten.
        let mut text = std::fs::read_to_string(path).unwrap();
        text.push_str("# saved meanwhile\n");
        std::fs::write(path, &text).unwrap();
        drop(holder);
        assert!(removal.join().unwrap().unwrap(), "{lock}");
        let after = std::fs::read_to_string(path).unwrap();
        assert!(after.contains("# saved meanwhile"), "{lock}: {after}");
        assert!(
            !after.contains("mfaenv_key_store") && !after.contains("= S"),
            "{after}"
        );
    }
}

#[test]
fn a_symlinked_edit_lock_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile p]\n").unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let lock = dir.path().join(".config.mfaenv.lock");
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    let err = config_edit::save_property(&config, "p", "mfa_serial", ARN).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(
        err.to_string().contains(&lock.display().to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert_eq!(mode(&victim), 0o644);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "[profile p]\n");
    // A dangling link must not make the lock create its target either.
    std::fs::remove_file(&lock).unwrap();
    let planted = dir.path().join("planted");
    std::os::unix::fs::symlink(&planted, &lock).unwrap();
    assert!(config_edit::save_property(&config, "p", "mfa_serial", ARN).is_err());
    assert!(!planted.exists(), "the lock followed a dangling link");
}

#[test]
fn the_edited_file_and_its_backup_keep_owner_and_mode() {
    if !is_root() {
        require_under_ci("root (to chown the config to another user)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile p]\nregion = x\n").unwrap();
    std::os::unix::fs::chown(&config, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).unwrap();
    let saved = config_edit::save_property(&config, "p", "mfa_serial", ARN).unwrap();
    let backup = dir.path().join("config.mfaenv.bak");
    assert_eq!(
        saved,
        Saved::Updated {
            backup: backup.clone()
        }
    );
    for file in [&config, &backup] {
        let meta = std::fs::metadata(file).unwrap();
        assert_eq!(
            (meta.uid(), meta.gid()),
            (65534, 65534),
            "{}",
            file.display()
        );
        assert_eq!(meta.mode() & 0o7777, 0o640, "{}", file.display());
    }
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("mfa_serial")
    );
}

#[test]
fn a_read_only_config_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let text = "[profile p]\nregion = x\n";
    std::fs::write(&config, text).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o444)).unwrap();
    let ino = std::fs::metadata(&config).unwrap().ino();
    let err = config_edit::save_property(&config, "p", "mfa_serial", ARN).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(err.to_string().contains("config"), "{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    assert_eq!(mode(&config), 0o444);
    assert_eq!(std::fs::metadata(&config).unwrap().ino(), ino, "replaced");
    assert!(!dir.path().join("config.mfaenv.bak").exists());
}

#[test]
fn use_refuses_a_symlinked_cache_lock_and_still_prints_the_session() {
    let f = Fixture::new();
    let dir = f.path(".cache/mfaenv");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let planted = f.path("planted");
    let lock = dir.join("foobar.lock");
    std::os::unix::fs::symlink(&planted, &lock).unwrap();
    let run = f.run(&[
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
    ]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.contains("AWS_SESSION_TOKEN"), "{run:#?}");
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("not cached"))
        .collect();
    assert_eq!(warnings.len(), 1, "{run:#?}");
    assert!(warnings[0].contains("symbolic link"), "{run:#?}");
    assert!(
        warnings[0].contains(&lock.display().to_string()),
        "{run:#?}"
    );
    assert_no_secret(&run.stderr);
    assert!(!planted.exists(), "the lock was followed through the link");
    assert!(!dir.join("mfa-foobar.json").exists());
}

/// The cache directory's temp files, sorted.
fn temps(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    names.sort();
    names
}

#[test]
fn logout_sweeps_the_temp_files_of_killed_writes_but_not_live_ones() {
    let f = Fixture::new();
    f.login("foobar");
    let dir = f.path(".cache/mfaenv");
    let killed_foobar = ".mfa-foobar.json.mfaenv-999999-0.tmp";
    let killed_other = ".role-admin.json.mfaenv-999999-1.tmp";
    let live = ".mfa-noregion.json.mfaenv-999998-0.tmp";
    for name in [killed_foobar, killed_other, live] {
        std::fs::write(dir.join(name), "half a session").unwrap();
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // A write in progress in another process: its temp file is locked by its writer.
    let _writer = Holder::hold(&dir.join(live));
    let run = f.run(&["logout", "foobar", "--shell", "bash"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(temps(&dir), [live, killed_other], "{run:#?}");
    let run = f.run(&["logout", "--all", "--shell", "bash"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(temps(&dir), [live], "a live write lost its file: {run:#?}");
}

#[test]
fn concurrent_logout_and_use_give_no_false_errors() {
    let f = Fixture::new();
    for round in 0..25 {
        let mut children: Vec<(String, Child)> = Vec::new();
        for i in 0..3 {
            let args: Vec<&str> = match i {
                0 => vec![
                    "use",
                    "foobar",
                    "--shell",
                    "bash",
                    "--token-code",
                    GOOD_CODE,
                ],
                1 => vec![
                    "use",
                    "noregion",
                    "--shell",
                    "bash",
                    "--token-code",
                    GOOD_CODE,
                ],
                _ => vec![
                    "use",
                    "foobar",
                    "--shell",
                    "bash",
                    "--token-code",
                    GOOD_CODE,
                    "--force",
                ],
            };
            children.push((args.join(" "), spawn(&f, &args)));
            children.push(("logout --all".into(), spawn(&f, &["logout", "--all", "-q"])));
        }
        for (what, c) in children {
            let run = Run::from(c.wait_with_output().unwrap());
            assert_eq!(run.code, Some(0), "round {round}: {what}: {run:#?}");
            assert_no_secret(&run.stderr);
            for word in ["ignoring", "cannot", "error", "not cached"] {
                assert!(
                    !run.stderr.contains(word),
                    "round {round}: {what}: {run:#?}"
                );
            }
            if what.starts_with("use") {
                assert!(run.stdout.contains("AWS_SESSION_TOKEN"), "{run:#?}");
            }
        }
    }
    assert!(temps(&f.path(".cache/mfaenv")).is_empty());
}

fn spawn(f: &Fixture, args: &[&str]) -> Child {
    f.cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Profiles `s0`…: keys, no `mfa_serial` yet, each in a section of its own.
fn setup_fixture(n: usize) -> Fixture {
    let config: String = (0..n)
        .map(|i| format!("[profile s{i}]\nregion = eu-west-1\n\n"))
        .collect();
    let credentials: String = (0..n)
        .map(|i| {
            format!(
                "[s{i}]\naws_access_key_id = {}\naws_secret_access_key = {LONG_TERM_SECRET}\n\n",
                common::fake_sts::ACCESS_KEY_ID
            )
        })
        .collect();
    Fixture::with_files(&config, &credentials)
}

/// `mfaenv setup PROFILE` on a pseudo-terminal of its own, then its exit code.
fn setup_on_a_terminal(f: &Fixture, profile: &str) -> rexpect::session::PtySession {
    let mut cmd = f.sh(&format!("\"$MFAENV\" setup {profile}; echo \"rc=$?\""));
    cmd.stdin(Stdio::inherit());
    rexpect::session::spawn_command(cmd, Some(20_000)).unwrap()
}

#[test]
fn concurrent_setup_runs_on_terminals_all_save() {
    const RUNS: usize = 6;
    let f = setup_fixture(RUNS);
    let mut terms: Vec<_> = (0..RUNS)
        .map(|i| setup_on_a_terminal(&f, &format!("s{i}")))
        .collect();
    for t in &mut terms {
        t.exp_string("[arn:aws:iam::123456789012:mfa/alice]: ")
            .unwrap();
        t.send_line("").unwrap();
        t.exp_string("[Y/n]").unwrap();
    }
    // Every answer at once, so the saves overlap.
    for t in &mut terms {
        t.send_line("y").unwrap();
    }
    for (i, t) in terms.iter_mut().enumerate() {
        t.exp_string(&format!("saved mfa_serial for profile 's{i}'"))
            .unwrap();
        t.exp_string("rc=0").unwrap();
    }
    let text = std::fs::read_to_string(f.path(".aws/config")).unwrap();
    for i in 0..RUNS {
        assert!(
            text.contains(&format!(
                "[profile s{i}]\nregion = eu-west-1\nmfa_serial = {ARN}\n"
            )),
            "s{i} said saved but is not in the file:\n{text}"
        );
    }
}

#[test]
fn setup_refuses_a_read_only_config_with_one_clear_line() {
    let f = setup_fixture(1);
    let config = f.path(".aws/config");
    let before = std::fs::read_to_string(&config).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o444)).unwrap();
    let mut t = setup_on_a_terminal(&f, "s0");
    t.exp_string("[arn:aws:iam::123456789012:mfa/alice]: ")
        .unwrap();
    t.send_line("").unwrap();
    t.exp_string("[Y/n]").unwrap();
    t.send_line("y").unwrap();
    let said = t.exp_string("rc=1").unwrap();
    assert!(said.contains("is read-only; not replacing it"), "{said}");
    assert!(said.contains(&config.display().to_string()), "{said}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
    assert_eq!(mode(&config), 0o444);
    assert!(!f.path(".aws/config.mfaenv.bak").exists());
}
