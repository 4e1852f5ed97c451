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

#[test]
fn setup_suggests_the_users_device_and_saves_it_in_place() {
    let f = Fixture::new();
    let config = f.path(".aws/config");
    let before = std::fs::read_to_string(&config).unwrap();
    let mut cmd = f.sh("\"$MFAENV\" setup noserial; echo \"rc=$?\"");
    cmd.stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(10_000)).unwrap();
    p.exp_string("MFA device ARN for profile 'noserial' [arn:aws:iam::123456789012:mfa/alice]: ")
        .unwrap();
    p.send_line("not an arn").unwrap();
    p.exp_string("invalid MFA serial").unwrap();
    p.exp_string("[arn:aws:iam::123456789012:mfa/alice]: ")
        .unwrap();
    p.send_line("").unwrap();
    p.exp_string("[Y/n]").unwrap();
    p.send_line("y").unwrap();
    p.exp_string("rc=0").unwrap();
    let after = std::fs::read_to_string(&config).unwrap();
    let added = "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n";
    assert!(
        after.contains(&format!("[profile noserial]\nregion = eu-west-1\n{added}")),
        "{after}"
    );
    let section = "[profile noserial]\nregion = eu-west-1\n";
    assert_eq!(
        after.replace(&format!("{section}{added}"), section),
        before,
        "every other byte kept"
    );
    let backup = f.path(".aws/config.mfaenv.bak");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), before);
    assert_eq!(f.sts.count("GetCallerIdentity"), 1);
}

#[test]
fn use_without_mfa_serial_asks_for_it_then_for_the_code() {
    let f = Fixture::new();
    let out = f.path("out");
    let mut cmd = f.sh(&format!(
        "\"$MFAENV\" use noserial --shell bash > '{}'; echo \"rc=$?\"",
        out.display()
    ));
    cmd.stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(10_000)).unwrap();
    p.exp_string("has no MFA device registered").unwrap();
    p.exp_string("[arn:aws:iam::123456789012:mfa/alice]: ")
        .unwrap();
    p.send_line("").unwrap();
    p.exp_string("[Y/n]").unwrap();
    p.send_line("n").unwrap();
    p.exp_string("MFA code for profile 'noserial'").unwrap();
    p.send_line(GOOD_CODE).unwrap();
    p.exp_string("rc=0").unwrap();
    assert!(script(&f).contains("export MFAENV_PROFILE='noserial'"));
    let config = std::fs::read_to_string(f.path(".aws/config")).unwrap();
    assert!(
        !config.contains("[profile noserial]\nregion = eu-west-1\nmfa_serial"),
        "declined: not saved"
    );
}

#[test]
fn ctrl_d_cancels_and_ends_the_prompts_line() {
    let f = Fixture::new();
    let mut p = start(&f);
    p.exp_string(PROMPT).unwrap();
    p.send_control('d').unwrap();
    let between = p.exp_string("mfaenv: cancelled").unwrap();
    assert!(
        between.contains('\n'),
        "the message starts a line: {between:?}"
    );
    p.exp_string("rc=130 tty=same").unwrap();
    assert_eq!(script(&f), "");
}

/// Runs `use foobar` in the background of a shell on a fresh terminal (prefixed by `wrapper`),
/// prints its pid, waits for it, then its exit code, whether the terminal settings came back
/// unchanged and whether echo is on.
fn start_in_background(f: &Fixture, wrapper: &str) -> (PtySession, i32) {
    let mut cmd = f.sh(&format!(
        "ulimit -c unlimited; stty echo; before=$(stty -g); {wrapper} \"$MFAENV\" use foobar --shell bash > '{}' & pid=$!; \
         echo \"pid=$pid.\"; wait $pid; rc=$?; \
         [ \"$before\" = \"$(stty -g)\" ] && t=same || t=changed; \
         stty -a | tr ' ' '\\n' | grep -qx echo && e=on || e=off; echo \"rc=$rc tty=$t echo=$e\"",
        f.path("out").display()
    ));
    cmd.stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(10_000)).unwrap();
    p.exp_string("pid=").unwrap();
    let pid = p.exp_string(".").unwrap().trim().parse().unwrap();
    (p, pid)
}

#[test]
fn sigterm_and_sighup_at_the_prompt_restore_the_terminal() {
    for (signal, rc) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129)] {
        let f = Fixture::new();
        let (mut p, pid) = start_in_background(&f, "");
        p.exp_string(PROMPT).unwrap();
        p.send("12").unwrap();
        // SAFETY: kill takes plain integers.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        p.exp_string(&format!("rc={rc} tty=same echo=on")).unwrap();
        assert_eq!(script(&f), "");
        assert_eq!(f.sts.count("GetSessionToken"), 0);
    }
}

#[test]
fn at_the_prompt_it_cannot_dump_core_nor_be_read_by_its_own_user() {
    // Run as nobody: /proc/PID files of a process that is not dumpable belong to root, those
    // of a dumpable one to its user.
    if !have("setpriv") {
        return;
    }
    let f = Fixture::new();
    let chown = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(f.home.path())
        .status()
        .unwrap();
    assert!(chown.success());
    let (mut p, pid) =
        start_in_background(&f, "setpriv --reuid=65534 --regid=65534 --clear-groups");
    p.exp_string(PROMPT).unwrap();
    // The shell's child is setpriv, which execs mfaenv in the same process.
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(core.split_whitespace().nth(4), Some("0"), "{core}");
    use std::os::unix::fs::MetadataExt;
    for file in ["environ", "mem", "status"] {
        let owner = std::fs::metadata(format!("/proc/{pid}/{file}"))
            .unwrap()
            .uid();
        assert_eq!(owner, 0, "/proc/PID/{file} belongs to root, not to nobody");
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("Uid:\t65534"), "{status}");
    p.send_line("").unwrap();
    p.exp_string("rc=130 tty=same echo=on").unwrap();
}
