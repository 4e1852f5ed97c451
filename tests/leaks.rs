//! Nothing leaked: every command path runs with marker secrets in the fake STS's answers and in
//! the credentials file, and the markers appear only where they must (the script or JSON on
//! stdout, and the private cache): never on stderr, in --verbose output, in a panic, in another
//! file, or on a child process's command line.

mod common;

use common::fake_sts::{ACCESS_KEY_ID, Fault, GOOD_CODE, NEW_SECRET, SERIAL};
use common::*;
use std::path::Path;

const ROLE: &str = "arn:aws:iam::210987654321:role/admin";

fn fixture() -> Fixture {
    let f = Fixture::with_files("", "");
    let argv = f.path("argv");
    std::fs::write(
        f.path(".aws/config"),
        format!(
            "[profile foobar]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\
             [profile admin]\nrole_arn = {ROLE}\nsource_profile = foobar\n\
             [profile yk]\nmfa_serial = {SERIAL}\nmfa_process = cat /proc/$$/cmdline >> '{}'; echo {GOOD_CODE}\n\
             [profile noserial]\nregion = eu-west-1\n",
            argv.display()
        ),
    )
    .unwrap();
    std::fs::write(
        f.path(".aws/credentials"),
        format!(
            "[foobar]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n\
             [yk]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n\
             [noserial]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    )
    .unwrap();
    f
}

/// Every command path, with --verbose where it applies; `true` where stdout may carry the
/// session (the script, the JSON, or the exec'd command's own output).
fn paths() -> Vec<(Vec<&'static str>, bool)> {
    let t = GOOD_CODE;
    vec![
        (
            vec!["use", "foobar", "-v", "--shell", "bash", "--token-code", t],
            true,
        ),
        (vec!["use", "foobar", "-v", "--shell", "fish"], true),
        (vec!["use", "foobar", "-v", "--shell", "powershell"], true),
        (vec!["use", "foobar", "-v", "--shell", "cmd"], true),
        (vec!["use", "admin", "-v", "--shell", "zsh"], true),
        (
            vec!["use", "yk", "-v", "--shell", "bash", "--no-cache"],
            true,
        ),
        (
            vec![
                "use",
                "foobar",
                "-v",
                "--shell",
                "bash",
                "--force",
                "--token-code",
                "111111",
            ],
            false,
        ),
        (vec!["use", "noserial", "-v", "--shell", "bash"], false),
        (vec!["credential-process", "foobar", "-v"], true),
        (vec!["credential-process", "admin"], true),
        (
            vec![
                "exec",
                "foobar",
                "-v",
                "--",
                "sh",
                "-c",
                "cat /proc/$$/cmdline >> argv; env",
            ],
            true,
        ),
        (vec!["exec", "admin", "--", "sh", "-c", "exit 3"], false),
        (vec!["status", "-v"], false),
        (vec!["list", "-v"], false),
        (vec!["unset", "-v", "--shell", "bash"], false),
        (vec!["init", "bash"], false),
        (vec!["completions", "zsh"], false),
        (vec!["setup", "foobar", "-v"], false),
        (vec!["logout", "admin", "-v", "--shell", "bash"], false),
        (vec!["logout", "--all", "-v", "--shell", "bash"], false),
    ]
}

fn secrets() -> [&'static str; 5] {
    [
        LONG_TERM_SECRET,
        common::fake_sts::SESSION_SECRET,
        common::fake_sts::SESSION_TOKEN,
        common::fake_sts::ROLE_SECRET,
        common::fake_sts::ROLE_TOKEN,
    ]
}

#[test]
fn markers_appear_only_in_scripts_and_the_private_cache() {
    let f = fixture();
    for (args, stdout_may) in paths() {
        let run = Run::from(
            f.cmd(&args)
                .current_dir(f.home.path())
                .env("MFAENV_PROFILE", "admin")
                .env("AWS_SESSION_EXPIRATION", "2999-01-01T00:00:00Z")
                .output()
                .unwrap(),
        );
        assert_no_secret(&run.stderr);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {run:#?}");
        assert!(
            run.code != Some(101) && run.code.is_some(),
            "{args:?}: {run:#?}"
        );
        if !stdout_may {
            assert_no_secret(&run.stdout);
        }
    }
    // A failing STS, verbosely, with the secrets in play.
    f.sts.always(Fault::Status(500));
    let run = f.run(&[
        "use",
        "foobar",
        "-v",
        "--force",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
    ]);
    assert_eq!(run.code, Some(1));
    assert_no_secret(&run.stderr);

    // Child processes (mfa_process, exec) never got a secret on their command line.
    let argv = std::fs::read(f.path("argv")).unwrap();
    assert!(!argv.is_empty(), "the children recorded their argv");
    assert_no_secret(&String::from_utf8_lossy(&argv));

    // Files: the credentials file is the user's own; session secrets live only in the 0600
    // cache; nothing else under HOME holds a marker.
    for file in walk(f.home.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        let has = secrets().iter().any(|s| text.contains(s));
        let rel = file
            .strip_prefix(f.home.path())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel == ".aws/credentials" {
            continue;
        }
        if rel.starts_with(".cache/mfaenv/") && rel.ends_with(".json") {
            assert!(
                !text.contains(LONG_TERM_SECRET),
                "{rel} holds the long-term key"
            );
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{rel}");
            }
            continue;
        }
        assert!(!has, "{rel} holds a secret:\n{text}");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn debug_output_of_the_session_types_is_redacted() {
    use mfaenv::session::{Secret, Session};
    let session = Session {
        access_key_id: "ASIA".into(),
        secret_access_key: Secret::new(common::fake_sts::SESSION_SECRET),
        session_token: Secret::new(common::fake_sts::SESSION_TOKEN),
        expiration: time::OffsetDateTime::UNIX_EPOCH,
        region: None,
        profile: "p".into(),
        account: None,
        role_arn: None,
    };
    assert_no_secret(&format!("{session:?} {session:#?}"));
}

const PASSPHRASE: &str = "PaSsPhRaSeMaRkEr-for-the-key-file";

/// Every file under the home but the credentials file: none may hold a long-term secret (the
/// fixture's, or the one rotate gets from IAM) or the key file's passphrase (the session cache
/// may hold sessions, never a long-term key).
fn assert_no_plaintext_key_outside_credentials(f: &Fixture, when: &str) {
    for file in walk(f.home.path()) {
        let rel = file
            .strip_prefix(f.home.path())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // The keyring daemon's control socket is no file to read.
        if rel == ".aws/credentials" || !std::fs::symlink_metadata(&file).unwrap().is_file() {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(
            !text.contains(LONG_TERM_SECRET),
            "{when}: {rel} holds the long-term key"
        );
        assert!(
            !text.contains(NEW_SECRET),
            "{when}: {rel} holds the new key"
        );
        assert!(
            !text.contains(PASSPHRASE),
            "{when}: {rel} holds the passphrase"
        );
    }
}

fn assert_clean(run: &Run, what: &str) {
    assert_no_secret(&run.stderr);
    assert!(!run.stderr.contains(PASSPHRASE), "{what}: {run:#?}");
    assert!(!run.stdout.contains(LONG_TERM_SECRET), "{what}: {run:#?}");
    assert!(!run.stdout.contains(NEW_SECRET), "{what}: {run:#?}");
    assert!(!run.stdout.contains(PASSPHRASE), "{what}: {run:#?}");
}

/// Before, during (a kill at moments spread over it) and after `import`, into the encrypted
/// file and into a real Secret Service: the long-term secret is in no file but the credentials
/// file (and, after the import, in none), in no stderr or `-v` line, in no child's argv or
/// environment; the passphrase is in none of these either.
#[test]
fn the_long_term_key_leaks_nowhere_around_import() {
    for store in ["file", "keyring"] {
        let f = fixture();
        let dump = f.path("child-dump");
        std::fs::write(
            f.path(".aws/config"),
            format!(
                "{}[profile yk]\nmfa_serial = {SERIAL}\nmfa_process = cat /proc/$$/cmdline /proc/$$/environ >> '{}'; echo {GOOD_CODE}\n",
                std::fs::read_to_string(f.path(".aws/config")).unwrap(),
                dump.display()
            ),
        )
        .unwrap();
        let Some((_keyring, bus)) = common::keyring::Keyring::for_store(store, f.home.path())
        else {
            continue;
        };
        let vars = [
            ("MFAENV_KEY_STORE", store),
            ("MFAENV_FILE_PASSPHRASE", PASSPHRASE),
            ("DBUS_SESSION_BUS_ADDRESS", bus.as_str()),
        ];
        let run_v = |args: &[&str]| f.run_env(args, &vars);
        let use_forced = [
            "use",
            "foobar",
            "-v",
            "--force",
            "--shell",
            "bash",
            "--token-code",
            GOOD_CODE,
        ];

        // Before.
        let run = run_v(&use_forced);
        assert_eq!(run.code, Some(0), "{store}: {run:#?}");
        assert_clean(&run, "before");
        assert_no_plaintext_key_outside_credentials(&f, "before");

        // During: kill import at moments spread over its run; the keys always resolve.
        for i in 0..6u64 {
            let mut child = spawn_quiet(&f, &["import", "--all", "-v"], &vars);
            std::thread::sleep(std::time::Duration::from_millis(5 + i * 40));
            let _ = child.kill();
            let _ = child.wait();
            assert_no_plaintext_key_outside_credentials(&f, &format!("{store}: kill {i}"));
            let run = run_v(&use_forced);
            assert_eq!(run.code, Some(0), "{store}: after kill {i}: {run:#?}");
            assert_clean(&run, "during");
        }

        // The import itself, then the credentials file too is free of the key.
        let run = run_v(&["import", "--all", "-v"]);
        assert!(run.code == Some(0), "{store}: {run:#?}");
        assert_clean(&run, "import");
        let creds = std::fs::read_to_string(f.path(".aws/credentials")).unwrap();
        assert!(!creds.contains(LONG_TERM_SECRET), "{store}: {creds}");
        assert!(!creds.contains("aws_access_key_id"), "{store}: {creds}");

        // After: every path that needs the keys, verbosely, with children watching.
        for args in [
            &use_forced[..],
            &["use", "yk", "-v", "--force", "--shell", "bash"],
            &["use", "admin", "-v", "--shell", "zsh"],
            &["credential-process", "foobar", "-v"],
            &[
                "exec",
                "foobar",
                "-v",
                "--",
                "sh",
                "-c",
                "env; cat /proc/$$/cmdline",
            ],
            &["list", "-v"],
            &["remove", "noserial", "--yes", "-v"],
            &["add", "newprof", "--env", "-v", "--serial-number", SERIAL],
        ] {
            // Only `add --env` gets the keys in its environment (the user put them there).
            let mut with_keys = vars.to_vec();
            if args[0] == "add" {
                with_keys.extend([
                    ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
                    ("AWS_SECRET_ACCESS_KEY", LONG_TERM_SECRET),
                ]);
            }
            let run = f.run_env(args, &with_keys);
            assert!(run.code == Some(0), "{store}: {args:?}: {run:#?}");
            assert_clean(&run, &format!("{args:?}"));
        }
        let children = std::fs::read(&dump).unwrap();
        let children = String::from_utf8_lossy(&children);
        assert!(
            children.contains("MFAENV_KEY_STORE"),
            "the child's environment was recorded"
        );
        assert!(!children.contains(LONG_TERM_SECRET), "{store}: {children}");
        assert!(!children.contains(PASSPHRASE), "{store}: {children}");
        assert_no_plaintext_key_outside_credentials(&f, "after");
        let creds = std::fs::read_to_string(f.path(".aws/credentials")).unwrap();
        assert!(!creds.contains(LONG_TERM_SECRET));
    }
}

/// Every `execve` of `mfaenv ARGS` and of what it starts, argv and environment, as strace
/// records them; the run's own result beside. `None` where strace is missing (a failure under
/// CI). The trace is kept outside the home, which the file scans read.
#[cfg(target_os = "linux")]
fn traced(f: &Fixture, args: &[&str], vars: &[(&str, &str)]) -> Option<(Run, Vec<String>)> {
    if !have("strace") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("execve");
    let mut cmd = std::process::Command::new("strace");
    f.sandbox(&mut cmd);
    cmd.args(["-f", "-qq", "-v", "-s", "65536", "-e", "trace=execve", "-o"])
        .arg(&trace)
        .arg(bin())
        .args(args)
        .envs(vars.iter().copied());
    let run = Run::from(cmd.output().unwrap());
    let calls = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .filter(|l| l.contains("execve("))
        .map(str::to_owned)
        .collect();
    Some((run, calls))
}

/// `mfaenv ARGS` started with these variables, its output thrown away: a run to kill.
fn spawn_quiet(f: &Fixture, args: &[&str], vars: &[(&str, &str)]) -> std::process::Child {
    f.cmd(args)
        .envs(vars.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Profile foobar with its keys in the credentials file and an `mfa_process` that records its
/// command line and environment into `child-dump`.
fn rotate_fixture() -> Fixture {
    let f = Fixture::with_files(
        &format!(
            "[profile foobar]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\
             mfa_process = cat /proc/$$/cmdline /proc/$$/environ >> \"$HOME/child-dump\"; echo {GOOD_CODE}\n"
        ),
        &format!(
            "[foobar]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    );
    std::fs::create_dir(f.path("tmp")).unwrap();
    f
}

/// What the children (`mfa_process`, `exec`'s command) recorded: never a long-term secret or
/// the passphrase.
fn assert_children_clean(f: &Fixture, when: &str) -> usize {
    let children = std::fs::read(f.path("child-dump")).unwrap_or_default();
    let children = String::from_utf8_lossy(&children);
    assert!(!children.contains(LONG_TERM_SECRET), "{when}: {children}");
    assert!(!children.contains(NEW_SECRET), "{when}: {children}");
    assert!(!children.contains(PASSPHRASE), "{when}: {children}");
    children.len()
}

/// Before, during and after `rotate -v`, in each store (the credentials file, the encrypted
/// file, a real Secret Service): neither the old long-term secret nor the new one IAM hands out
/// is in any stderr or `-v` line, any file under the home (temp files in a private TMPDIR,
/// backups, the session cache, the key file's directory) but the credentials file when that is
/// the store, any argv or environment of a process mfaenv starts (strace's record of every
/// execve, and `mfa_process`'s own record), nor after a kill while the new key waits beside the
/// old one or at moments spread over a rotation.
#[cfg(target_os = "linux")]
#[test]
fn neither_long_term_key_leaks_anywhere_around_rotate() {
    for store in ["credentials", "file", "keyring"] {
        let f = rotate_fixture();
        let Some((keyring, bus)) = common::keyring::Keyring::for_store(store, f.home.path()) else {
            continue;
        };
        let tmp = f.path("tmp");
        let mut vars = vec![
            ("MFAENV_FILE_PASSPHRASE", PASSPHRASE),
            ("DBUS_SESSION_BUS_ADDRESS", bus.as_str()),
            ("TMPDIR", tmp.to_str().unwrap()),
            ("AWS_ENDPOINT_URL_IAM", f.sts.url.as_str()),
            ("MFAENV_ROTATE_WAIT_SECONDS", "20"),
        ];
        if store != "credentials" {
            vars.push(("MFAENV_KEY_STORE", store));
        }
        let vars = vars;
        let run_v = |args: &[&str]| {
            let run = f.run_env(args, &vars);
            assert_clean(&run, &format!("{store}: {args:?}"));
            run
        };
        let use_forced = ["use", "foobar", "-v", "--force", "--shell", "bash"];
        let rotate = ["rotate", "foobar", "-v", "--force"];
        let files_clean = |when: &str| {
            let when = format!("{store}: {when}");
            assert_no_plaintext_key_outside_credentials(&f, &when);
            let creds = std::fs::read_to_string(f.path(".aws/credentials")).unwrap();
            if store != "credentials" {
                assert!(!creds.contains(LONG_TERM_SECRET), "{when}: {creds}");
                assert!(!creds.contains(NEW_SECRET), "{when}: {creds}");
            }
            assert_children_clean(&f, &when);
        };
        // The stored key works, and is the only one IAM has: a kill may leave an unused new key,
        // which its owner deletes, as the next rotate's refusal would say.
        let settle = |when: &str| {
            let stored = f.stored_key_id();
            let live = f.sts.iam_keys();
            assert!(live.contains(&stored), "{store}: {when}: {stored} {live:?}");
            let run = run_v(&use_forced);
            assert_eq!(run.code, Some(0), "{store}: {when}: {run:#?}");
            for other in live.iter().filter(|k| **k != stored) {
                f.sts.delete_key(other);
            }
        };

        // Before (into the store first, where that is the store).
        if store != "credentials" {
            let run = run_v(&["import", "foobar", "-v"]);
            assert_eq!(run.code, Some(0), "{store}: {run:#?}");
        }
        let run = run_v(&use_forced);
        assert_eq!(run.code, Some(0), "{store}: {run:#?}");
        files_clean("before");

        // During: killed while the new key waits to be accepted, stored beside the old one.
        f.sts.new_keys_unready(usize::MAX);
        let probes = f.sts.new_key_probes();
        let mut child = spawn_quiet(&f, &rotate, &vars);
        let started = std::time::Instant::now();
        while f.sts.new_key_probes() == probes {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "{store}: rotate never probed the new key"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        f.sts.new_keys_unready(0);
        if let Some(k) = &keyring {
            // The moment is the one meant: the new key beside the old one.
            assert!(k.entries().contains(&"foobar (rotating)".to_owned()));
        }
        files_clean("killed while waiting");
        settle("killed while waiting");

        // During: killed at moments spread over a whole rotation.
        let started = std::time::Instant::now();
        let run = run_v(&rotate);
        assert_eq!(run.code, Some(0), "{store}: {run:#?}");
        let whole = started.elapsed().as_millis() as u64;
        files_clean("rotated");
        for tenth in [1, 3, 5, 7, 9] {
            let mut child = spawn_quiet(&f, &rotate, &vars);
            std::thread::sleep(std::time::Duration::from_millis(whole * tenth / 10));
            let _ = child.kill();
            let _ = child.wait();
            files_clean(&format!("killed at {tenth}/10"));
            settle(&format!("killed at {tenth}/10"));
        }

        // A whole rotation under strace: no execve carries a long-term secret, and none but
        // mfaenv's own (which the test gave it) carries the passphrase.
        let dumped = assert_children_clean(&f, "before the trace");
        // (Without strace, on a developer's machine, the rest still runs.)
        let (run, calls) = match traced(&f, &rotate, &vars) {
            Some((run, calls)) => {
                assert!(
                    calls.len() >= 2,
                    "{store}: mfaenv and mfa_process: {calls:#?}"
                );
                (run, calls)
            }
            None => (f.run_env(&rotate, &vars), Vec::new()),
        };
        assert_eq!(run.code, Some(0), "{store}: {run:#?}");
        assert_clean(&run, "traced rotate");
        assert!(
            run.stderr.contains("rotated the keys of profile 'foobar'"),
            "{run:#?}"
        );
        for (i, call) in calls.iter().enumerate() {
            assert!(!call.contains(LONG_TERM_SECRET), "{store}: {call}");
            assert!(!call.contains(NEW_SECRET), "{store}: {call}");
            assert!(i == 0 || !call.contains(PASSPHRASE), "{store}: {call}");
        }
        assert!(
            assert_children_clean(&f, "traced rotate") > dumped,
            "{store}: mfa_process ran during rotate and recorded itself"
        );
        files_clean("after the traced rotation");

        // After: every path that needs the keys, verbosely, with children watching.
        let record = "cat /proc/$$/cmdline /proc/$$/environ >> \"$HOME/child-dump\"";
        for args in [
            &use_forced[..],
            &["credential-process", "foobar", "-v", "--force"],
            &["exec", "foobar", "-v", "--", "sh", "-c", record],
            &["list", "-v"],
        ] {
            let run = run_v(args);
            assert_eq!(run.code, Some(0), "{store}: {args:?}: {run:#?}");
        }
        files_clean("after");
        assert_eq!(f.sts.iam_keys(), vec![f.stored_key_id()], "{store}");
        if let Some(k) = &keyring {
            assert_eq!(k.entries(), ["foobar"], "nothing left from the rotations");
        }
    }
}
