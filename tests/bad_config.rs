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
    /// Variables of the fixture's environment to remove (its AWS_MAX_ATTEMPTS, its endpoint).
    unset: Vec<&'static str>,
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
        unset: Vec::new(),
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
        case("short duration", serial, keys("p"), &["use", "p", "--duration", "5"], "see mfaenv use --help"),
        case("word timeout", serial, keys("p"), &["use", "p", "--timeout", "abc"], "invalid value 'abc'"),
        case("unknown option", serial, keys("p"), &["use", "--bogus"], "unexpected argument '--bogus'"),
        case("exec without a command", serial, keys("p"), &["exec", "p"], "not provided: <CMD>"),
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
    cases.extend(sdk_panics(serial));
    cases
}

/// A row of [`sdk_panics`].
type Row<'a> = (
    &'a str,
    Vec<(&'static str, &'a str)>,
    Vec<&'static str>,
    &'a str,
    &'a str,
);

/// Every value of the environment or the profile on which the AWS SDK panics (or, for huge
/// retry counts, retries past `--timeout`), each as a row: `(what, variables, variables to
/// remove, extra config lines, needle)`.
fn sdk_panics(serial: &'static str) -> Vec<Case> {
    const ATTEMPTS: &str = "is not a number of attempts from 1 to 100; set it to 3 (the default)";
    const MODE: &str =
        "is not a retry mode the AWS SDK for Rust knows; set it to standard or adaptive";
    const URL: &str = "is not an endpoint URL; set it to a URL such as https://";
    const MAX: &str = "AWS_MAX_ATTEMPTS";
    const EP: &str = "AWS_ENDPOINT_URL_STS";
    let rows: Vec<Row> = vec![
        ("AWS_MAX_ATTEMPTS=0", vec![(MAX, "0")], vec![], "", ATTEMPTS),
        (
            "AWS_MAX_ATTEMPTS negative",
            vec![(MAX, "-1")],
            vec![],
            "",
            ATTEMPTS,
        ),
        (
            "AWS_MAX_ATTEMPTS empty",
            vec![(MAX, "")],
            vec![],
            "",
            ATTEMPTS,
        ),
        (
            "AWS_MAX_ATTEMPTS with a space",
            vec![(MAX, " 3")],
            vec![],
            "",
            ATTEMPTS,
        ),
        (
            "AWS_MAX_ATTEMPTS not a number",
            vec![(MAX, "three")],
            vec![],
            "",
            ATTEMPTS,
        ),
        (
            "AWS_MAX_ATTEMPTS over u32",
            vec![(MAX, "99999999999")],
            vec![],
            "",
            ATTEMPTS,
        ),
        (
            "AWS_MAX_ATTEMPTS huge (retries past --timeout)",
            vec![(MAX, "4294967295")],
            vec![],
            "",
            ATTEMPTS,
        ),
        (
            "max_attempts = 0",
            vec![],
            vec![MAX],
            "max_attempts = 0\n",
            ATTEMPTS,
        ),
        (
            "max_attempts not a number",
            vec![],
            vec![MAX],
            "max_attempts = many\n",
            ATTEMPTS,
        ),
        (
            "max_attempts huge",
            vec![],
            vec![MAX],
            "max_attempts = 1000000000\n",
            ATTEMPTS,
        ),
        (
            "AWS_RETRY_MODE=bogus",
            vec![("AWS_RETRY_MODE", "bogus")],
            vec![],
            "",
            MODE,
        ),
        (
            "AWS_RETRY_MODE=legacy (the AWS CLI's)",
            vec![("AWS_RETRY_MODE", "legacy")],
            vec![],
            "",
            MODE,
        ),
        (
            "AWS_RETRY_MODE empty",
            vec![("AWS_RETRY_MODE", "")],
            vec![],
            "",
            MODE,
        ),
        (
            "retry_mode = bogus",
            vec![],
            vec![],
            "retry_mode = bogus\n",
            MODE,
        ),
        (
            "AWS_ENDPOINT_URL_STS empty",
            vec![(EP, "")],
            vec![],
            "",
            URL,
        ),
        (
            "AWS_ENDPOINT_URL empty",
            vec![("AWS_ENDPOINT_URL", "")],
            vec![EP],
            "",
            URL,
        ),
        (
            "endpoint_url empty",
            vec![],
            vec![EP],
            "endpoint_url =\n",
            URL,
        ),
        (
            "[services] sts endpoint_url empty",
            vec![],
            vec![EP],
            "services = s\n[services s]\nsts =\n  endpoint_url =\n",
            URL,
        ),
        (
            "AWS_ENDPOINT_URL_STS not a URL",
            vec![(EP, "sts here")],
            vec![],
            "",
            URL,
        ),
        // Not panics, but a failed call with an obscure message (exit 1) before.
        (
            "AWS_REGION not a region",
            vec![("AWS_REGION", "eu west")],
            vec![],
            "",
            "AWS_REGION='eu west' is not a region name; set it to one such as eu-west-1",
        ),
        (
            "AWS_DEFAULT_REGION not a region",
            vec![("AWS_DEFAULT_REGION", "a/b")],
            vec![],
            "",
            "AWS_DEFAULT_REGION='a/b' is not a region name",
        ),
        (
            "AWS_EXECUTION_ENV with a line break",
            vec![("AWS_EXECUTION_ENV", "a\nb")],
            vec![],
            "",
            "AWS_EXECUTION_ENV='a\\nb' holds control characters",
        ),
    ];
    rows.into_iter()
        .map(|(what, env, unset, extra, needle)| {
            let config = format!("{serial}{extra}");
            let mut c = case(
                what,
                Box::leak(config.into_boxed_str()),
                keys("p"),
                &["use", "p"],
                needle,
            );
            c.env = env.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
            c.unset = unset;
            c
        })
        .collect()
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
        for name in &c.unset {
            cmd.env_remove(name);
        }
        cmd.current_dir(f.home.path());
        let run = Run::from(cmd.output().unwrap());
        // A panic under `panic = "abort"` (release builds) would also leave a core file here.
        let core_file = std::fs::read_dir(f.home.path())
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().starts_with("core"));
        let ok = run.code == Some(c.code)
            && run.stdout.is_empty()
            && run.stderr.contains(c.needle)
            && !run.stderr.contains("panicked")
            && !run.stderr.contains("internal error")
            && !core_file
            && !run.stderr.contains(LONG_TERM_SECRET);
        // clap's usage errors too: its hint lines are joined into the one.
        let one_line = run.stderr.trim_end().lines().count() == 1;
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
