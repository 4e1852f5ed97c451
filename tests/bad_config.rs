//! Bad configuration and bad input, as a table: each a clear one-line error with the documented
//! exit code (2 for configuration and usage, 1 at run time), never a panic, never a secret.

mod common;

use common::fake_sts::{ACCESS_KEY_ID, SERIAL};
use common::*;
use std::ffi::OsString;

struct Case {
    what: &'static str,
    config: Vec<u8>,
    credentials: Vec<u8>,
    args: Vec<OsString>,
    env: Vec<(&'static str, String)>,
    code: i32,
    needle: &'static str,
}

fn keys(profile: &str) -> Vec<u8> {
    format!("[{profile}]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n").into_bytes()
}

fn case(
    what: &'static str,
    config: &str,
    credentials: Vec<u8>,
    args: &[&str],
    needle: &'static str,
) -> Case {
    Case {
        what,
        config: config.as_bytes().to_vec(),
        credentials,
        args: args.iter().map(OsString::from).collect(),
        env: Vec::new(),
        code: 2,
        needle,
    }
}

fn cases() -> Vec<Case> {
    let serial = format!("[profile p]\nmfa_serial = {SERIAL}\n");
    let serial: &'static str = Box::leak(serial.into_boxed_str());
    let mut cases = vec![
        case("no files at all", "", Vec::new(), &["use", "p"], "profile 'p' not found"),
        case("unknown profile, close name", serial, keys("p"), &["use", "q"], "did you mean 'p'?"),
        case("malformed config line", "[profile p]\nmfa_serial\n", keys("p"), &["use", "p"], "config is malformed"),
        case("malformed credentials header", serial, b"[p\naws_access_key_id = A\n".to_vec(), &["use", "p"], "credentials is malformed"),
        case("non-UTF-8 config", "[profile p]\nregion = caf\u{e9}\n", keys("p"), &["use", "p"], "will be replaced below"),
        case("missing keys", serial, Vec::new(), &["use", "p"], "profile 'p' has no aws_access_key_id"),
        case("missing secret", serial, format!("[p]\naws_access_key_id = {ACCESS_KEY_ID}\n").into_bytes(), &["use", "p"], "has no aws_secret_access_key"),
        case("temporary keys", serial, format!("[p]\naws_access_key_id = ASIA1\naws_secret_access_key = {LONG_TERM_SECRET}\naws_session_token = t\n").into_bytes(), &["use", "p"], "holds temporary credentials"),
        case("invalid serial in file", "[profile p]\nmfa_serial = not-an-arn!\n", keys("p"), &["use", "p"], "invalid MFA serial 'not-an-arn!'"),
        case("invalid serial flag", serial, keys("p"), &["use", "p", "--serial-number", "x"], "invalid MFA serial 'x'"),
        case("source_profile loop", "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n", Vec::new(), &["use", "a"], "source_profile loop: a -> b -> a"),
        case("source_profile missing", "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = gone\n", Vec::new(), &["use", "a"], "names source_profile 'gone'"),
        case("role without source", "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Ec2InstanceMetadata\n", Vec::new(), &["use", "a"], "credential_source is not supported"),
        case("bad role_arn", "[profile a]\nrole_arn = admin\nsource_profile = p\n", keys("p"), &["use", "a"], "role_arn 'admin' is not an ARN"),
        case("bad duration_seconds", "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = p\nduration_seconds = 99999\n", keys("p"), &["use", "a"], "duration_seconds '99999'"),
        case("bad region", "[profile p]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu west\n", keys("p"), &["use", "p"], "region 'eu west' is not a region name"),
        case("no mfa_serial, no terminal", "[profile p]\n", keys("p"), &["use", "p"], "profile 'p' has no mfa_serial: run `mfaenv setup p`"),
        case("bad duration flag", serial, keys("p"), &["use", "p", "--duration", "forever"], "'forever' is not a session length"),
        case("bad token code", serial, keys("p"), &["use", "p", "--token-code", "12345"], "--token-code takes the 6-digit code"),
        case("bad shell", serial, keys("p"), &["use", "p", "--shell", "tcsh"], "invalid value 'tcsh'"),
        case("unknown command", "", Vec::new(), &["frobnicate"], "unrecognized subcommand"),
        case("exec without command", serial, keys("p"), &["exec", "p"], "required arguments were not provided"),
        case("setup without terminal", serial, keys("p"), &["setup", "p"], "setup asks on the terminal"),
    ];
    // Latin-1 bytes in the config file, which the AWS SDK would silently treat as an empty file.
    let non_utf8 = cases
        .iter_mut()
        .find(|c| c.what == "non-UTF-8 config")
        .unwrap();
    non_utf8.config = b"[profile p]\nregion = caf\xe9\n".to_vec();
    non_utf8.needle = "config is not UTF-8 text (invalid byte at offset 24)";
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let mut c = case(
            "non-UTF-8 profile name",
            serial,
            keys("p"),
            &["use"],
            "invalid UTF-8",
        );
        c.args.push(OsString::from_vec(b"p\xff".to_vec()));
        cases.push(c);
    }
    let mut c = case(
        "bad timeout variable",
        serial,
        keys("p"),
        &["use", "p"],
        "invalid value 'soon'",
    );
    c.env.push(("MFAENV_TIMEOUT", "soon".into()));
    cases.push(c);
    cases
}

#[test]
fn every_bad_input_is_one_clear_line_and_never_a_panic() {
    let mut failures = Vec::new();
    for c in cases() {
        let f = Fixture::with_files("", "");
        std::fs::write(f.path(".aws/config"), &c.config).unwrap();
        std::fs::write(f.path(".aws/credentials"), &c.credentials).unwrap();
        let mut cmd = f.cmd(&[]);
        cmd.args(&c.args).envs(c.env.iter().map(|(k, v)| (k, v)));
        let run = Run::from(cmd.output().unwrap());
        let ok = run.code == Some(c.code)
            && run.stdout.is_empty()
            && run.stderr.contains(c.needle)
            && !run.stderr.contains("panicked")
            && !run.stderr.contains(LONG_TERM_SECRET);
        // clap's own usage errors span a few lines (usage and a hint); ours are one line.
        let one_line =
            run.stderr.trim_end().lines().count() == 1 || run.stderr.starts_with("error: ");
        if !(ok && one_line) {
            failures.push(format!("{}: {run:#?}", c.what));
        }
        assert_eq!(
            f.sts.requests().len(),
            0,
            "{}: no request on bad input",
            c.what
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_unreadable_file_is_named() {
    // Root can read anything, so make the path unreadable as a file: a directory.
    let f = Fixture::new();
    std::fs::remove_file(f.path(".aws/credentials")).unwrap();
    std::fs::create_dir(f.path(".aws/credentials")).unwrap();
    let run = f.run(&["use", "foobar"]);
    run.assert_fails(2, "cannot read");
    assert!(run.stderr.contains(".aws/credentials"), "{run:#?}");
}

#[test]
fn a_bad_refresh_margin_is_a_warning_not_a_failure() {
    let f = Fixture::new();
    let run = f.run_env(
        &[
            "use",
            "foobar",
            "--shell",
            "bash",
            "--token-code",
            common::fake_sts::GOOD_CODE,
        ],
        &[("MFAENV_REFRESH_MARGIN", "lots")],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stderr
            .contains("MFAENV_REFRESH_MARGIN=lots is not a number of seconds"),
        "{run:#?}"
    );
}
