//! Without a home, mfaenv never reads `.aws/` relative to the working directory (whose config,
//! and its `mfa_process`, may be anyone's); absolute AWS_CONFIG_FILE and
//! AWS_SHARED_CREDENTIALS_FILE still work.
#![cfg(unix)]

mod common;

use common::fake_sts::{ACCESS_KEY_ID, GOOD_CODE, SERIAL};
use common::*;
use std::path::Path;

/// A working directory holding `.aws/` with a profile whose `mfa_process` would leave a canary.
fn hostile_cwd() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let canary = dir.path().join("CANARY");
    std::fs::create_dir(dir.path().join(".aws")).unwrap();
    std::fs::write(
        dir.path().join(".aws/config"),
        format!(
            "[profile foobar]\nmfa_serial = {SERIAL}\nmfa_process = touch '{}'; echo {GOOD_CODE}\n",
            canary.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".aws/credentials"),
        format!("[foobar]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"),
    )
    .unwrap();
    dir
}

fn run_in(f: &Fixture, cwd: &Path, home: Option<&str>, keep_files: bool, args: &[&str]) -> Run {
    let mut cmd = f.cmd(args);
    cmd.current_dir(cwd).env_remove("HOME");
    if let Some(home) = home {
        cmd.env("HOME", home);
    }
    if !keep_files {
        cmd.env_remove("AWS_CONFIG_FILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE");
    }
    Run::from(cmd.output().unwrap())
}

#[test]
fn without_home_the_working_directory_is_never_read() {
    let f = Fixture::new();
    let cwd = hostile_cwd();
    for (what, home) in [
        ("unset", None),
        ("empty", Some("")),
        ("relative", Some(".")),
    ] {
        for args in [&["use", "foobar", "--shell", "bash"][..], &["list"]] {
            let run = run_in(&f, cwd.path(), home, false, args);
            run.assert_fails(2, "no home directory to find the AWS config file in");
            assert!(
                run.stderr.contains("set HOME, or set AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE to absolute paths"),
                "HOME {what}: {run:#?}"
            );
            assert!(
                !cwd.path().join("CANARY").exists(),
                "HOME {what}: mfa_process ran"
            );
        }
    }
    // One of the two files given is not enough: the other would still be looked for in cwd.
    let mut cmd = f.cmd(&["use", "foobar", "--shell", "bash"]);
    cmd.current_dir(cwd.path())
        .env_remove("HOME")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE");
    Run::from(cmd.output().unwrap())
        .assert_fails(2, "AWS_SHARED_CREDENTIALS_FILE is not an absolute path");
    assert_eq!(f.sts.requests().len(), 0);
}

#[test]
fn absolute_files_work_without_home_and_the_cache_needs_xdg_cache_home() {
    let f = Fixture::new();
    let cwd = hostile_cwd();
    let args = [
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
    ];
    let run = run_in(&f, cwd.path(), None, true, &args);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stdout.contains("export MFAENV_PROFILE='foobar'"),
        "{run:#?}"
    );
    assert!(
        f.path(".cache/mfaenv/mfa-foobar.json").exists(),
        "cached under XDG_CACHE_HOME"
    );
    // Without XDG_CACHE_HOME either there is no cache, and it says so; still nothing in cwd.
    let mut cmd = f.cmd(&args);
    cmd.current_dir(cwd.path())
        .env_remove("HOME")
        .env_remove("XDG_CACHE_HOME");
    let run = Run::from(cmd.output().unwrap());
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("no session cache"), "{run:#?}");
    assert!(!cwd.path().join("CANARY").exists());
    assert!(!cwd.path().join(".cache").exists());
}
