//! `mfa_process` as YubiKey users need it: its stderr reaches the terminal, it runs for a
//! bounded time, and its failure names its exit status, never its output.
#![cfg(unix)]

mod common;

use common::fake_sts::{ACCESS_KEY_ID, GOOD_CODE, SERIAL};
use common::*;
use rexpect::session::spawn_command;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn with_process(command: &str) -> Fixture {
    Fixture::with_files(
        &format!("[profile foobar]\nmfa_serial = {SERIAL}\nmfa_process = {command}\n"),
        &format!(
            "[foobar]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    )
}

#[test]
fn its_stderr_reaches_the_terminal_when_mfaenvs_is_redirected() {
    let f = with_process(&format!(
        "echo 'Touch your YubiKey now' >&2; echo {GOOD_CODE}"
    ));
    let err = f.path("stderr");
    let mut cmd = f.sh(&format!(
        "\"$MFAENV\" use foobar --shell bash > '{}' 2> '{}'; echo \"rc=$?\"",
        f.path("out").display(),
        err.display()
    ));
    cmd.stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(10_000)).unwrap();
    p.exp_string("Touch your YubiKey now").unwrap();
    p.exp_string("rc=0").unwrap();
    let stderr = std::fs::read_to_string(err).unwrap();
    assert!(
        !stderr.contains("Touch your"),
        "went to the terminal: {stderr}"
    );
    assert_eq!(f.sts.count("GetSessionToken"), 1);
}

#[test]
fn a_process_that_hangs_is_stopped_after_the_timeout() {
    let f = with_process("sleep 30; echo 111111");
    let started = Instant::now();
    let mut child = f
        .cmd(&["use", "foobar", "--shell", "bash"])
        .env("MFAENV_MFA_PROCESS_TIMEOUT", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(15) {
            child.kill().unwrap();
            panic!("mfaenv still waits for mfa_process after 15 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = Run::from(child.wait_with_output().unwrap());
    run.assert_fails(
        1,
        "mfa_process of profile 'foobar' did not finish within 1 s",
    );
    assert!(
        run.stderr.contains("MFAENV_MFA_PROCESS_TIMEOUT"),
        "{run:#?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(f.sts.requests().len(), 0);
}

#[test]
fn a_bad_timeout_setting_is_a_usage_error() {
    let f = with_process(&format!("echo {GOOD_CODE}"));
    let run = f.run_env(
        &["use", "foobar", "--shell", "bash"],
        &[("MFAENV_MFA_PROCESS_TIMEOUT", "0")],
    );
    run.assert_fails(
        2,
        "MFAENV_MFA_PROCESS_TIMEOUT='0' is not a number of seconds",
    );
}

#[test]
fn a_failure_names_the_exit_status_not_the_output() {
    let f = with_process("echo 'aws_secret_access_key=OuTpUtSeCrEt123'; exit 3");
    let run = f.run(&["use", "foobar", "--shell", "bash"]);
    run.assert_fails(1, "mfa_process of profile 'foobar' failed (exit status: 3)");
    assert!(!run.stderr.contains("OuTpUtSeCrEt123"), "{run:#?}");
}

#[test]
fn it_gets_no_session_credentials_from_the_environment() {
    let f = with_process("true");
    let dump = f.path("env");
    std::fs::write(
        f.path(".aws/config"),
        format!(
            "[profile foobar]\nmfa_serial = {SERIAL}\nmfa_process = env > '{}'; echo {GOOD_CODE}\n",
            dump.display()
        ),
    )
    .unwrap();
    let run = f.run_env(
        &["use", "foobar", "--shell", "bash"],
        &[
            ("AWS_SECRET_ACCESS_KEY", "OlDsEsSiOnSeCrEt"),
            ("AWS_SESSION_TOKEN", "OlDsEsSiOnToKeN"),
        ],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    let env = std::fs::read_to_string(&dump).unwrap();
    assert!(!env.contains("OlDsEsSiOn"), "{env}");
}
