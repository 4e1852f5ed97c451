//! Long-term keys out of plaintext: `add`, `import` and `remove` through a real Secret Service
//! (gnome-keyring-daemon on a private D-Bus session bus, started here) and through the
//! age-encrypted file; a cached `use` that never touches either; and the failures (no keyring,
//! a locked one, no terminal, a kill in the middle of a write) as one clear line each.

mod common;

use common::fake_sts::{ACCESS_KEY_ID, GOOD_CODE, NEW_SECRET, SERIAL};
use common::keyring::Keyring;
use common::moto::Moto;
use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

const PASSPHRASE: &str = "PaSsPhRaSeMaRkEr-correct-horse";

/// Profile foobar in the config, no keys anywhere yet.
fn empty_fixture() -> Fixture {
    Fixture::with_files("[profile foobar]\nregion = eu-west-1\n", "")
}

fn env_keys() -> [(&'static str, &'static str); 2] {
    [
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", LONG_TERM_SECRET),
    ]
}

/// The key file's passphrase, as automation gives it.
const PASS: (&str, &str) = ("MFAENV_FILE_PASSPHRASE", PASSPHRASE);

/// The keys in the environment for `add --env`, the passphrase, and the encrypted file as the
/// store.
fn file_vars() -> Vec<(&'static str, &'static str)> {
    let mut vars = env_keys().to_vec();
    vars.extend([PASS, ("MFAENV_KEY_STORE", "file")]);
    vars
}

/// Profile foobar with its keys added to the encrypted file, and the variables that did it.
fn added_to_the_file() -> (Fixture, Vec<(&'static str, &'static str)>) {
    let f = empty_fixture();
    let vars = file_vars();
    let run = f.run_env(&add_args(), &vars);
    assert_eq!(run.code, Some(0), "{run:#?}");
    (f, vars)
}

fn add_args() -> Vec<&'static str> {
    vec!["add", "foobar", "--env", "--serial-number", SERIAL]
}

fn use_args(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec![
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
    ];
    args.extend_from_slice(extra);
    args
}

/// The day `add` records as `mfaenv_key_created`.
fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn config(f: &Fixture) -> String {
    std::fs::read_to_string(f.path(".aws/config")).unwrap()
}

#[test]
fn keyring_add_use_and_remove() {
    let f = empty_fixture();
    let Some(k) = Keyring::start(f.home.path(), true) else {
        return;
    };
    let run = k.run(&f, &add_args(), &env_keys());
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(run.stdout, "");
    assert_no_secret(&run.stderr);
    assert!(run.stderr.contains("in the OS keyring"), "{run:#?}");
    assert_eq!(f.sts.count("GetCallerIdentity"), 1, "the keys were checked");
    assert_eq!(
        config(&f),
        format!(
            "[profile foobar]\nregion = eu-west-1\nmfaenv_key_store = keyring\n\
             mfaenv_access_key_id = {ACCESS_KEY_ID}\nmfaenv_key_created = {}\nmfa_serial = {SERIAL}\n",
            today()
        )
    );
    assert!(
        k.lookup("foobar").contains(LONG_TERM_SECRET),
        "in the keyring"
    );
    assert_eq!(
        std::fs::read_to_string(f.path(".aws/credentials")).unwrap(),
        "",
        "no section in the credentials file"
    );

    // A new session takes the keys from the keyring.
    let run = k.run(&f, &use_args(&["-v"]), &[]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stderr.contains("keys of 'foobar' from the OS keyring"),
        "{run:#?}"
    );
    assert_no_secret(&run.stderr);

    // A cached session never touches the store: it works with no bus at all.
    let before = f.sts.requests().len();
    let run = f.run_env(
        &["use", "foobar", "--shell", "bash", "-v"],
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("session from the cache"), "{run:#?}");
    assert!(!run.stderr.contains("keyring"), "{run:#?}");
    assert_eq!(f.sts.requests().len(), before);

    // A new session with the keyring gone is one clear line.
    let run = f.run_env(
        &use_args(&["--force"]),
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    run.assert_fails(1, "the OS keyring does not answer");

    // remove: needs --yes without a terminal; then the keys, the config lines and the cached
    // sessions go.
    let run = k.run(&f, &["remove", "foobar"], &[]);
    run.assert_fails(2, "pass --yes");
    assert!(k.lookup("foobar").contains(LONG_TERM_SECRET));
    assert!(f.path(".cache/mfaenv/mfa-foobar.json").exists());
    let run = k.run(&f, &["remove", "foobar", "--yes"], &[]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("deleted the keys"), "{run:#?}");
    assert_eq!(k.lookup("foobar"), "", "gone from the keyring");
    assert!(!f.path(".cache/mfaenv/mfa-foobar.json").exists());
    assert_eq!(
        config(&f),
        format!("[profile foobar]\nregion = eu-west-1\nmfa_serial = {SERIAL}\n")
    );
    let run = k.run(&f, &use_args(&["--force"]), &[]);
    run.assert_fails(2, "run mfaenv add foobar");
}

#[test]
fn keyring_import_moves_the_keys_and_keeps_every_other_byte() {
    let credentials = format!(
        "# my keys\r\n[other]\r\nregion = x\r\n\r\n[foobar] ; work\r\naws_access_key_id = {ACCESS_KEY_ID}\r\n\
         aws_secret_access_key = {LONG_TERM_SECRET}\r\noutput = json\r\n"
    );
    let f = Fixture::with_files(
        &format!("[profile foobar]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"),
        &credentials,
    );
    let Some(k) = Keyring::start(f.home.path(), true) else {
        return;
    };
    // A session made before the import stays good: it was made with the same key.
    f.login("foobar");
    let run = k.run(&f, &["import", "foobar", "-v"], &[]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_no_secret(&run.stderr);
    assert!(
        run.stderr
            .contains("credential_process = mfaenv credential-process foobar"),
        "{run:#?}"
    );
    assert_eq!(
        std::fs::read_to_string(f.path(".aws/credentials")).unwrap(),
        "# my keys\r\n[other]\r\nregion = x\r\n\r\n[foobar] ; work\r\noutput = json\r\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(f.path(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".config.mfaenv.lock",
            ".credentials.mfaenv.lock",
            "config",
            "config.mfaenv.bak",
            "credentials"
        ],
        "config and credentials with their edit locks, the config's backup: no copy of the credentials file"
    );
    assert!(!f.path(".aws/credentials.mfaenv.bak").exists());
    assert!(k.lookup("foobar").contains(LONG_TERM_SECRET));
    let run = f.run(&["use", "foobar", "--shell", "bash"]);
    assert_eq!(
        run.code,
        Some(0),
        "the cached session still serves: {run:#?}"
    );
    let run = k.run(&f, &use_args(&["--force", "-v"]), &[]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("from the OS keyring"), "{run:#?}");
    // Nothing left to import.
    let run = k.run(&f, &["import", "foobar"], &[]);
    run.assert_fails(2, "nothing to import");
}

#[test]
fn a_locked_keyring_is_one_clear_line() {
    let f = empty_fixture();
    {
        let Some(k) = Keyring::start(f.home.path(), true) else {
            return;
        };
        let run = k.run(&f, &add_args(), &env_keys());
        assert_eq!(run.code, Some(0), "{run:#?}");
    }
    // The same keyring, now locked: no password given, and no desktop to prompt on.
    let k = Keyring::start(f.home.path(), false).unwrap();
    let started = Instant::now();
    let run = k.run(&f, &use_args(&[]), &[]);
    run.assert_fails(1, "the OS keyring is locked");
    assert!(started.elapsed() < Duration::from_secs(10), "no hang");
    // Storing into it fails the same way, and leaves the config as it was: a locked keyring
    // is never a silent switch to another store.
    let before = config(&f);
    let mut vars = env_keys().to_vec();
    vars.push(("MFAENV_FILE_PASSPHRASE", PASSPHRASE));
    let run = k.run(
        &f,
        &["add", "other", "--env", "--serial-number", SERIAL],
        &vars,
    );
    run.assert_fails(1, "the OS keyring is locked");
    assert_eq!(config(&f), before);
    assert!(!f.path(".local/share/mfaenv/keys.age").exists());
}

#[test]
fn without_a_keyring_keys_go_to_the_encrypted_file() {
    let f = empty_fixture();
    let pass = [("MFAENV_FILE_PASSPHRASE", PASSPHRASE)];
    let mut vars = env_keys().to_vec();
    vars.extend_from_slice(&pass);
    // Insisting on the keyring where none answers stores nothing.
    let mut insist = vars.clone();
    insist.push(("MFAENV_KEY_STORE", "keyring"));
    let run = f.run_env(&add_args(), &insist);
    run.assert_fails(1, "the OS keyring does not answer");
    assert_eq!(config(&f), "[profile foobar]\nregion = eu-west-1\n");

    let run = f.run_env(&add_args(), &vars);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("using the encrypted file"), "{run:#?}");
    assert_no_secret(&run.stderr);
    let file = f.path(".local/share/mfaenv/keys.age");
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1"));
    assert!(!String::from_utf8_lossy(&bytes).contains(LONG_TERM_SECRET));
    assert!(config(&f).contains("mfaenv_key_store = file\n"));

    let run = f.run_env(&use_args(&[]), &pass);
    assert_eq!(run.code, Some(0), "{run:#?}");
    // Cached: no passphrase needed.
    let run = f.run(&["use", "foobar", "--shell", "bash"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    // A role on these keys renews from the cached MFA session: no passphrase either.
    std::fs::write(
        f.path(".aws/config"),
        format!(
            "{}[profile admin]\nrole_arn = arn:aws:iam::210987654321:role/admin\nsource_profile = foobar\n",
            config(&f)
        ),
    )
    .unwrap();
    let run = f.run(&["use", "admin", "--shell", "bash", "-v"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stderr.contains("session of 'foobar' from the cache"),
        "{run:#?}"
    );
    assert_eq!(f.sts.count("AssumeRole"), 1);
    // New session, no passphrase and no terminal: one clear line.
    let run = f.run(&use_args(&["--force"]));
    run.assert_fails(2, "MFAENV_FILE_PASSPHRASE");
    let run = f.run_env(
        &use_args(&["--force"]),
        &[("MFAENV_FILE_PASSPHRASE", "wrong")],
    );
    run.assert_fails(2, "wrong passphrase");
    // remove through the file.
    let run = f.run_env(&["remove", "foobar", "--yes"], &pass);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let run = f.run_env(&use_args(&["--force"]), &pass);
    run.assert_fails(2, "run mfaenv add foobar");
}

#[test]
fn add_refuses_what_it_cannot_check_or_should_not_store() {
    let f = Fixture::new();
    let pass = ("MFAENV_FILE_PASSPHRASE", PASSPHRASE);
    // A name the config file cannot hold.
    f.run_env(&["add", "two words", "--env"], &[pass])
        .assert_fails(2, "cannot be written as a profile");
    // No terminal and no --env.
    f.run_env(&["add", "newone"], &[pass])
        .assert_fails(2, "pass --env");
    // --env without the variables, or with a session's.
    f.run_env(&["add", "newone", "--env"], &[pass])
        .assert_fails(2, "--env needs AWS_ACCESS_KEY_ID");
    f.run_env(
        &["add", "newone", "--env"],
        &[
            pass,
            ("AWS_ACCESS_KEY_ID", "ASIAFAKESESSION00001"),
            ("AWS_SECRET_ACCESS_KEY", LONG_TERM_SECRET),
        ],
    )
    .assert_fails(2, "temporary session");
    // Keys already in the credentials file: import them instead.
    let mut vars = env_keys().to_vec();
    vars.push(pass);
    f.run_env(&["add", "foobar", "--env"], &vars)
        .assert_fails(2, "run mfaenv import foobar");
    // Keys AWS rejects are not stored.
    f.sts.always(common::fake_sts::Fault::Error(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    ));
    let before = config(&f);
    vars.push(("MFAENV_KEY_STORE", "file"));
    f.run_env(
        &["add", "newone", "--env", "--serial-number", SERIAL],
        &vars,
    )
    .assert_fails(1, "InvalidClientTokenId");
    assert_eq!(config(&f), before);
    assert!(!f.path(".local/share/mfaenv/keys.age").exists());
}

#[test]
fn import_all_moves_every_profile_with_keys() {
    let f = Fixture::new();
    let run = f.run_env(
        &["import", "--all"],
        &[("MFAENV_FILE_PASSPHRASE", PASSPHRASE)],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    let creds = std::fs::read_to_string(f.path(".aws/credentials")).unwrap();
    assert_eq!(creds, "[foobar]\n\n[noregion]\n\n[noserial]\n");
    for p in ["foobar", "noregion"] {
        let run = f.run_env(
            &["use", p, "--shell", "bash", "--token-code", GOOD_CODE],
            &[("MFAENV_FILE_PASSPHRASE", PASSPHRASE)],
        );
        assert_eq!(run.code, Some(0), "{p}: {run:#?}");
    }
}

#[test]
fn a_kill_during_a_key_file_write_leaves_a_whole_file() {
    let (f, vars) = added_to_the_file();
    std::fs::write(
        f.path(".aws/config"),
        format!("{}[profile second]\nregion = eu-west-1\n", config(&f)),
    )
    .unwrap();
    let file = f.path(".local/share/mfaenv/keys.age");
    // Kill `add second` at moments spread over its run (STS call, scrypt, the write).
    for i in 0..16u64 {
        let mut child = f
            .cmd(&["add", "second", "--env", "--serial-number", SERIAL])
            .envs(vars.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20 + i * 25));
        let _ = child.kill();
        let _ = child.wait();
        let bytes = std::fs::read(&file).unwrap();
        assert!(bytes.starts_with(b"age-encryption.org/v1"), "round {i}");
        let run = f.run_env(&use_args(&["--force"]), &[PASS]);
        assert_eq!(run.code, Some(0), "round {i}: {run:#?}");
    }
    // The next whole write sweeps what killed ones left (temp files of ciphertext).
    let run = f.run_env(
        &["add", "second", "--env", "--serial-number", SERIAL],
        &vars,
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    let names: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "keys.age.lock")
        .collect();
    assert_eq!(names, ["keys.age"]);
}

/// `add` on a real terminal: the key id shown, the secret and the passphrase never echoed,
/// the region and the MFA device offered as defaults.
#[cfg(unix)]
#[test]
fn add_asks_on_the_terminal_without_echoing_secrets() {
    use rexpect::session::spawn_command;
    let f = Fixture::with_files("", "");
    let mut cmd = f.sh("\"$MFAENV\" add newprof; echo \"rc=$?\"");
    cmd.env("MFAENV_KEY_STORE", "file").stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    let mut seen = String::new();
    let mut step = |p: &mut rexpect::session::PtySession, prompt: &str, answer: &str| {
        seen.push_str(&p.exp_string(prompt).unwrap());
        p.send_line(answer).unwrap();
    };
    step(
        &mut p,
        "Access key ID for profile 'newprof': ",
        ACCESS_KEY_ID,
    );
    step(&mut p, "Secret access key (not shown): ", LONG_TERM_SECRET);
    step(
        &mut p,
        "Region for profile 'newprof' [us-east-1]: ",
        "eu-west-1",
    );
    step(
        &mut p,
        "MFA device ARN for profile 'newprof' [arn:aws:iam::123456789012:mfa/alice]: ",
        "",
    );
    step(
        &mut p,
        "New passphrase for the encrypted key file",
        PASSPHRASE,
    );
    step(&mut p, "The same passphrase again: ", PASSPHRASE);
    seen.push_str(&p.exp_string("rc=0").unwrap());
    assert!(!seen.contains(LONG_TERM_SECRET), "{seen}");
    assert!(!seen.contains(PASSPHRASE), "{seen}");
    assert!(
        seen.contains("stored the keys of profile 'newprof'"),
        "{seen}"
    );
    assert_eq!(
        config(&f),
        format!(
            "[profile newprof]\nmfaenv_key_store = file\nmfaenv_access_key_id = {ACCESS_KEY_ID}\n\
             mfaenv_key_created = {}\nregion = eu-west-1\nmfa_serial = {SERIAL}\n",
            today()
        )
    );
    let run = f.run_env(
        &[
            "use",
            "newprof",
            "--shell",
            "bash",
            "--token-code",
            GOOD_CODE,
        ],
        &[("MFAENV_FILE_PASSPHRASE", PASSPHRASE)],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
}

/// The line `import` offers, `credential_process = mfaenv credential-process PROFILE`, is for the
/// AWS CLI and SDKs: mfaenv itself never runs it (a fake `mfaenv` first on PATH would notice).
#[test]
fn mfaenv_never_runs_its_own_credential_process_line() {
    let (f, _) = added_to_the_file();
    std::fs::write(
        f.path(".aws/config"),
        format!(
            "{}credential_process = mfaenv credential-process foobar\n",
            config(&f)
        ),
    )
    .unwrap();
    let bin = f.path("bin");
    std::fs::create_dir(&bin).unwrap();
    let called = f.path("called");
    std::fs::write(
        bin.join("mfaenv"),
        format!("#!/bin/sh\necho \"$@\" >> '{}'\nexit 1\n", called.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("mfaenv"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let with_path = [PASS, ("PATH", path.as_str())];
    let run = f.run_env(
        &["credential-process", "foobar", "--token-code", GOOD_CODE],
        &with_path,
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.contains("\"Version\":1"), "{run:#?}");
    let run = f.run_env(&use_args(&["--force"]), &with_path);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(!called.exists(), "mfaenv ran its credential_process");
}

/// Saves at the same moment each keep their key: the key file is read, changed and written
/// under a lock (each run has its own config file, so only the key file is shared).
#[test]
fn concurrent_adds_to_the_key_file_lose_no_key() {
    let f = Fixture::with_files("", "");
    let vars = file_vars();
    let config = |n: usize| f.path(&format!(".aws/config-{n}"));
    let children: Vec<_> = (0..4)
        .map(|n| {
            let name = format!("p{n}");
            f.cmd(&[
                "add",
                &name,
                "--env",
                "--serial-number",
                SERIAL,
                "--region",
                "eu-west-1",
            ])
            .envs(vars.iter().copied())
            .env("AWS_CONFIG_FILE", config(n))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for n in 0..4 {
        let name = format!("p{n}");
        let run = Run::from(
            f.cmd(&["use", &name, "--shell", "bash", "--token-code", GOOD_CODE])
                .env("AWS_CONFIG_FILE", config(n))
                .env(PASS.0, PASS.1)
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, Some(0), "{name}: {run:#?}");
    }
}

/// A session bus without a Secret Service (SSH into a server with a systemd user bus): `add`
/// falls back to the encrypted file, as documented, instead of failing.
#[test]
fn a_bus_without_a_secret_service_falls_back_to_the_file() {
    let f = empty_fixture();
    let Some(bus) = Keyring::bare_bus(f.home.path()) else {
        return;
    };
    let mut vars = env_keys().to_vec();
    vars.push(("MFAENV_FILE_PASSPHRASE", PASSPHRASE));
    let run = bus.run(&f, &add_args(), &vars);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stderr.contains("the OS keyring does not answer"),
        "{run:#?}"
    );
    assert!(config(&f).contains("mfaenv_key_store = file\n"));
    let run = bus.run(
        &f,
        &use_args(&[]),
        &[("MFAENV_FILE_PASSPHRASE", PASSPHRASE)],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
}

/// `add` again into another store moves the keys: the old store keeps no copy.
#[test]
fn moving_a_profile_to_another_store_leaves_no_copy_behind() {
    let f = empty_fixture();
    let Some(k) = Keyring::start(f.home.path(), true) else {
        return;
    };
    let mut vars = file_vars();
    let run = k.run(&f, &add_args(), &vars);
    assert_eq!(run.code, Some(0), "{run:#?}");
    vars.pop();
    vars.push(("MFAENV_KEY_STORE", "keyring"));
    let run = k.run(&f, &add_args(), &vars);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(k.lookup("foobar").contains(LONG_TERM_SECRET));
    // Point the profile back at the file: nothing is there any more.
    let text = config(&f).replace("mfaenv_key_store = keyring", "mfaenv_key_store = file");
    std::fs::write(f.path(".aws/config"), text).unwrap();
    k.run(&f, &use_args(&["--force"]), &[PASS])
        .assert_fails(2, "none are stored there");
}

/// `remove` on a terminal asks first, and anything but yes keeps the keys.
#[cfg(unix)]
#[test]
fn remove_asks_on_the_terminal_and_defaults_to_no() {
    use rexpect::session::spawn_command;
    let (f, _) = added_to_the_file();
    let question =
        format!("Delete the keys of profile 'foobar' ({ACCESS_KEY_ID}) from the encrypted file");
    for (answer, rc) in [("", "rc=130"), ("n", "rc=130"), ("yes", "rc=0")] {
        let mut cmd = f.sh("\"$MFAENV\" remove foobar; echo \"rc=$?\"");
        cmd.env(PASS.0, PASS.1).stdin(Stdio::inherit());
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        p.exp_string(&question).unwrap();
        p.exp_string("[y/N] ").unwrap();
        p.send_line(answer).unwrap();
        p.exp_string(rc).unwrap();
        let kept = config(&f).contains("mfaenv_key_store");
        assert_eq!(kept, rc != "rc=0", "answer {answer:?}");
    }
}

/// moto, checking signatures (the project's fake does not, so a session moto grants proves the
/// stored secret itself signed the request), with a user `alice` allowed everything: moto, her
/// key id and secret.
fn moto_with_alice() -> Option<(Moto, String, String)> {
    // The three set-up calls go unsigned; every later call must be signed right.
    let moto = Moto::checking_signatures(3)?;
    let (id, secret) = moto.user_with_key("alice");
    Some((moto, id, secret))
}

/// A new session for foobar from moto (which accepts any code), which must be granted.
fn moto_session(f: &Fixture, vars: &[(&str, &str)]) -> Run {
    let args = [
        "use",
        "foobar",
        "--shell",
        "bash",
        "--force",
        "--token-code",
        "123456",
    ];
    let run = f.run_env(&args, vars);
    assert_eq!(run.code, Some(0), "{vars:?}: {run:#?}");
    assert!(run.stdout.contains("export AWS_SESSION_TOKEN="), "{run:#?}");
    run
}

/// `base` and then `extra`, as one list of variables.
fn with<'a>(base: &[(&'a str, &'a str)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(extra).copied().collect()
}

#[test]
fn a_third_party_sts_accepts_signatures_made_with_the_stored_secret() {
    let Some((moto, id, secret)) = moto_with_alice() else {
        return;
    };
    for store in ["file", "keyring"] {
        let f = empty_fixture();
        let Some((_keyring, bus)) = Keyring::for_store(store, f.home.path()) else {
            continue;
        };
        let base = [
            ("AWS_ENDPOINT_URL_STS", moto.url.as_str()),
            ("MFAENV_FILE_PASSPHRASE", PASSPHRASE),
            ("MFAENV_KEY_STORE", store),
            ("DBUS_SESSION_BUS_ADDRESS", bus.as_str()),
        ];
        // A wrong secret: moto's signature check refuses it, and nothing is stored.
        let run = f.run_env(
            &add_args(),
            &with(
                &base,
                &[
                    ("AWS_ACCESS_KEY_ID", id.as_str()),
                    ("AWS_SECRET_ACCESS_KEY", "wrong/secret"),
                ],
            ),
        );
        // (moto answers a bad signature in IAM's error format, which the STS client cannot
        // read: the line says so rather than naming SignatureDoesNotMatch.)
        run.assert_fails(1, "profile 'foobar'");
        assert!(
            !config(&f).contains("mfaenv_key_store"),
            "{store}: nothing stored"
        );
        let run = f.run_env(
            &add_args(),
            &with(
                &base,
                &[
                    ("AWS_ACCESS_KEY_ID", id.as_str()),
                    ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
                ],
            ),
        );
        assert_eq!(run.code, Some(0), "{store}: {run:#?}");
        assert!(!run.stderr.contains(&secret));
        // GetSessionToken signed with the secret from the store; moto accepts any code.
        let run = moto_session(&f, &base);
        assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));
    }
}

/// `setup` for a profile whose keys are in a store signs GetCallerIdentity with the stored
/// secret: moto, which checks signatures, answers, so the device is offered from the identity.
#[cfg(unix)]
#[test]
fn setup_signs_with_the_stored_secret() {
    use rexpect::session::spawn_command;
    let Some((moto, id, secret)) = moto_with_alice() else {
        return;
    };
    let f = empty_fixture();
    let base = [
        ("AWS_ENDPOINT_URL_STS", moto.url.as_str()),
        ("MFAENV_FILE_PASSPHRASE", PASSPHRASE),
        ("MFAENV_KEY_STORE", "file"),
    ];
    let run = f.run_env(
        &add_args(),
        &with(
            &base,
            &[
                ("AWS_ACCESS_KEY_ID", id.as_str()),
                ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
            ],
        ),
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    let mut cmd = f.sh("\"$MFAENV\" setup foobar; echo \"rc=$?\"");
    cmd.envs(base).stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("MFA device ARN for profile 'foobar' [arn:aws:iam::123456789012:mfa/alice]: ")
        .unwrap();
    p.send_line("").unwrap();
    p.exp_string("[Y/n] ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("rc=0").unwrap();
}

/// `rotate` through the Secret Service (the fake's IAM): the keyring ends up holding the new
/// key and nothing else (no copy of the old one, no entry left from the rotation), IAM has
/// deleted the old key, and a new session is signed with the new one.
#[test]
fn keyring_rotate_leaves_only_the_new_key_in_the_keyring() {
    let f = empty_fixture();
    let Some(k) = Keyring::start(f.home.path(), true) else {
        return;
    };
    let run = k.run(&f, &add_args(), &env_keys());
    assert_eq!(run.code, Some(0), "{run:#?}");
    let iam = [
        ("AWS_ENDPOINT_URL_IAM", f.sts.url.as_str()),
        ("MFAENV_ROTATE_WAIT_SECONDS", "5"),
    ];
    let run = k.run(
        &f,
        &["rotate", "foobar", "-v", "--token-code", GOOD_CODE],
        &iam,
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(run.stdout, "");
    assert_no_secret(&run.stderr);
    assert!(
        run.stderr.contains("is stored in the OS keyring"),
        "{run:#?}"
    );
    let new = "AKIAFAKEROTATED00001";
    let entry = k.lookup("foobar");
    assert!(entry.contains(NEW_SECRET) && entry.contains(new), "{entry}");
    assert!(!entry.contains(LONG_TERM_SECRET) && !entry.contains(ACCESS_KEY_ID));
    assert_eq!(k.entries(), ["foobar"], "no other entry of mfaenv's");
    assert_eq!(f.sts.iam_keys(), [new], "the old key is deleted in IAM");
    assert!(
        config(&f).contains(&format!("mfaenv_access_key_id = {new}\n")),
        "{}",
        config(&f)
    );
    assert_eq!(
        std::fs::read_to_string(f.path(".aws/credentials")).unwrap(),
        ""
    );
    // The next session needs a code (the cached one was made with the old key) and is signed
    // with the new key from the keyring.
    let run = k.run(&f, &["use", "foobar", "--shell", "bash"], &[]);
    run.assert_fails(2, "no terminal to ask for the MFA code");
    let run = k.run(&f, &use_args(&["-v"]), &[]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("from the OS keyring"), "{run:#?}");
    let last = f.sts.requests().pop().unwrap();
    assert_eq!(last.params["Action"], "GetSessionToken");
    assert_eq!(last.access_key_id, new);
    // And remove takes it out.
    let run = k.run(&f, &["remove", "foobar", "--yes"], &[]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(k.entries().is_empty());
}

/// `rotate` of a keyring-stored key against moto's IAM, which nobody here wrote: the new key
/// it made is stored in the keyring, the old one is deleted there, and moto grants a session
/// to the stored key. (This moto checks no signatures: moto's signature check does not know the
/// session credentials its own GetSessionToken hands out, so it refuses the IAM calls that real
/// IAM accepts; [`a_third_party_sts_accepts_signatures_made_with_the_stored_secret`] proves the
/// keyring's secret signs.)
#[test]
fn keyring_rotate_against_moto_stores_the_key_moto_made() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let (id, secret) = moto.user_with_key("alice");
    let f = empty_fixture();
    let Some(k) = Keyring::start(f.home.path(), true) else {
        return;
    };
    let base = [
        ("AWS_ENDPOINT_URL_STS", moto.url.as_str()),
        ("AWS_ENDPOINT_URL_IAM", moto.url.as_str()),
        ("MFAENV_KEY_STORE", "keyring"),
    ];
    let keys = [
        ("AWS_ACCESS_KEY_ID", id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    let run = k.run(&f, &add_args(), &with(&base, &keys));
    assert_eq!(run.code, Some(0), "{run:#?}");
    let run = k.run(
        &f,
        &["rotate", "foobar", "-v", "--token-code", "123456"],
        &base,
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(!run.stderr.contains(&secret), "{run:#?}");
    let live = moto.keys("alice");
    assert_eq!(live.len(), 1, "{live:?}");
    assert_ne!(live[0], id, "the old key is deleted in moto's IAM");
    let entry = k.lookup("foobar");
    assert!(entry.contains(&live[0]), "the new key is stored: {entry}");
    assert!(!entry.contains(&secret) && !entry.contains(&id), "{entry}");
    let new_secret = entry
        .split("\"aws_secret_access_key\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default();
    assert!(new_secret.len() >= 16, "{entry}");
    assert!(!run.stderr.contains(new_secret), "{run:#?}");
    assert_eq!(k.entries(), ["foobar"]);
    assert!(config(&f).contains(&format!("mfaenv_access_key_id = {}\n", live[0])));
    moto_session(
        &f,
        &with(&base, &[("DBUS_SESSION_BUS_ADDRESS", k.address.as_str())]),
    );
}

/// `remove` takes out the `credential_process` line `import` offered (mfaenv's own, for this
/// profile), which with no keys left would only make the AWS CLI fail; anyone else's stays.
#[test]
fn remove_takes_out_mfaenvs_own_credential_process_line_only() {
    for (line, kept) in [
        (
            "credential_process = mfaenv credential-process foobar\n",
            false,
        ),
        ("credential_process = other-tool --profile foobar\n", true),
    ] {
        let (f, vars) = added_to_the_file();
        let with_line = format!("{}{line}", config(&f));
        std::fs::write(f.path(".aws/config"), &with_line).unwrap();
        let run = f.run_env(&["remove", "foobar", "--yes"], &vars);
        assert_eq!(run.code, Some(0), "{run:#?}");
        let after = config(&f);
        assert_eq!(after.contains(line), kept, "{after}");
        assert!(!after.contains("mfaenv_key_store"), "{after}");
        assert!(after.contains("region = eu-west-1"), "{after}");
    }
}
