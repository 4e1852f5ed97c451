//! The code prompt on a real pseudo-terminal: re-asking after a malformed or rejected code,
//! giving up after three tries, cancelling, and leaving the terminal as it was.
#![cfg(unix)]

mod common;

use common::fake_sts::GOOD_CODE;
use common::*;
use rexpect::session::{PtySession, spawn_command};
use std::process::Stdio;

/// Runs `use foobar` on a fresh terminal, its stdout to a file, then prints its exit code and
/// whether the terminal settings came back unchanged.
fn start(f: &Fixture) -> PtySession {
    let out = f.path("out");
    let mut cmd = f.sh(&format!(
        "before=$(stty -g); \"$MFAENV\" use foobar --shell bash > '{}'; rc=$?; \
         [ \"$before\" = \"$(stty -g)\" ] && t=same || t=changed; echo \"rc=$rc tty=$t\"",
        out.display()
    ));
    cmd.stdin(Stdio::inherit());
    spawn_command(cmd, Some(10_000)).unwrap()
}

fn script(f: &Fixture) -> String {
    std::fs::read_to_string(f.path("out")).unwrap()
}

const PROMPT: &str = "MFA code for profile 'foobar' (arn:aws:iam::123456789012:mfa/alice): ";

#[test]
fn a_rejected_code_is_asked_again_then_the_right_one_works() {
    let f = Fixture::new();
    let mut p = start(&f);
    p.exp_string(PROMPT).unwrap();
    p.send_line("111111").unwrap();
    p.exp_string("AWS rejected that code").unwrap();
    p.exp_string(PROMPT).unwrap();
    p.send_line(GOOD_CODE).unwrap();
    p.exp_string("rc=0 tty=same").unwrap();
    assert!(script(&f).contains("export MFAENV_PROFILE='foobar'"));
    assert_eq!(f.sts.count("GetSessionToken"), 2);
}

#[test]
fn a_malformed_code_is_asked_again_without_calling_sts() {
    let f = Fixture::new();
    let mut p = start(&f);
    p.exp_string(PROMPT).unwrap();
    p.send_line("12a456").unwrap();
    p.exp_string("not a 6-digit code").unwrap();
    p.exp_string(PROMPT).unwrap();
    p.send_line(GOOD_CODE).unwrap();
    p.exp_string("rc=0 tty=same").unwrap();
    assert_eq!(f.sts.count("GetSessionToken"), 1);
}

#[test]
fn three_wrong_codes_fail_with_empty_stdout() {
    let f = Fixture::new();
    let mut p = start(&f);
    for code in ["111111", "222222", "333333"] {
        p.exp_string(PROMPT).unwrap();
        p.send_line(code).unwrap();
    }
    let tail = p.exp_string("rc=1 tty=same").unwrap();
    assert!(
        tail.contains("no valid MFA code for profile 'foobar' after 3 tries"),
        "{tail}"
    );
    assert_eq!(script(&f), "");
    assert_eq!(f.sts.count("GetSessionToken"), 3);
}

#[test]
fn an_empty_answer_cancels() {
    let f = Fixture::new();
    let mut p = start(&f);
    p.exp_string(PROMPT).unwrap();
    p.send_line("").unwrap();
    p.exp_string("rc=130 tty=same").unwrap();
    assert_eq!(script(&f), "");
    assert_eq!(f.sts.count("GetSessionToken"), 0);
}

#[test]
fn ctrl_c_cancels_and_restores_the_terminal() {
    let f = Fixture::new();
    let mut p = start(&f);
    p.exp_string(PROMPT).unwrap();
    p.send("12").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("rc=130 tty=same").unwrap();
    assert_eq!(script(&f), "");
    assert_eq!(f.sts.count("GetSessionToken"), 0);
}

#[test]
fn the_prompt_works_inside_command_substitution() {
    // eval "$(mfaenv use …)": stdout is a pipe, stdin is not the terminal; the prompt still
    // reaches the person through /dev/tty.
    let f = Fixture::new();
    let mut cmd = f.sh(
        "eval \"$(\"$MFAENV\" use foobar --shell bash < /dev/null)\"; echo \"profile=$MFAENV_PROFILE\"",
    );
    cmd.stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(10_000)).unwrap();
    p.exp_string(PROMPT).unwrap();
    p.send_line(GOOD_CODE).unwrap();
    p.exp_string("profile=foobar").unwrap();
}
