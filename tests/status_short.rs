//! `mfaenv status --short`: the prompt's one line, from the environment alone.

mod common;

use common::Fixture;
use std::time::{SystemTime, UNIX_EPOCH};

fn in_secs(s: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    common::fake_sts::rfc3339((now + s) as u64)
}

#[test]
fn a_valid_session_is_one_line_with_profile_and_time_left() {
    let f = Fixture::new();
    for (left, shown) in [
        (11 * 3600 + 58 * 60 + 30, "11h58m"),
        (65 * 60 + 30, "1h05m"),
        (42 * 60 + 30, "42m"),
        (30, "2"),
    ] {
        let exp = in_secs(left);
        let run = f.run_env(
            &["status", "--short"],
            &[
                ("MFAENV_PROFILE", "foobar"),
                ("AWS_SESSION_EXPIRATION", &exp),
            ],
        );
        assert_eq!(run.code, Some(0), "{run:#?}");
        assert!(
            run.stdout.starts_with(&format!("foobar {shown}")),
            "{run:#?}"
        );
        assert!(
            run.stdout.ends_with('\n') && run.stdout.lines().count() == 1,
            "{run:#?}"
        );
        assert_eq!(run.stderr, "", "{run:#?}");
    }
}

#[test]
fn no_valid_session_is_nothing_and_exit_1() {
    let f = Fixture::new();
    let lapsed = in_secs(-5);
    for vars in [
        &[][..],
        &[("MFAENV_PROFILE", "foobar")],
        &[
            ("MFAENV_PROFILE", "foobar"),
            ("AWS_SESSION_EXPIRATION", "soon"),
        ],
        &[
            ("MFAENV_PROFILE", "foobar"),
            ("AWS_SESSION_EXPIRATION", lapsed.as_str()),
        ],
        &[("AWS_SESSION_EXPIRATION", lapsed.as_str())],
    ] {
        let run = f.run_env(&["status", "--short"], vars);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (Some(1), "", ""),
            "{vars:?}"
        );
    }
}

#[test]
fn the_name_reaches_the_prompt_inert() {
    let f = Fixture::new();
    let exp = in_secs(3600);
    let run = f.run_env(
        &["status", "--short"],
        &[
            ("MFAENV_PROFILE", "x\x1b]0;owned\x07"),
            ("AWS_SESSION_EXPIRATION", &exp),
        ],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        !run.stdout.trim_end().chars().any(char::is_control),
        "{run:#?}"
    );
    let run = f.run_env(
        &["status"],
        &[
            ("MFAENV_PROFILE", "x\x1b[2J"),
            ("AWS_SESSION_EXPIRATION", &exp),
        ],
    );
    assert!(
        !run.stderr.trim_end().chars().any(char::is_control),
        "{run:#?}"
    );
}

#[test]
fn it_reads_no_file() {
    // Unreadable AWS files and no home: still answers, from the environment.
    let f = Fixture::new();
    let exp = in_secs(600);
    let mut cmd = f.cmd(&["status", "--short"]);
    cmd.env("AWS_CONFIG_FILE", "/nonexistent/dir/config")
        .env_remove("HOME")
        .env("MFAENV_PROFILE", "foobar")
        .env("AWS_SESSION_EXPIRATION", &exp);
    let run = common::Run::from(cmd.output().unwrap());
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.starts_with("foobar "), "{run:#?}");
}
