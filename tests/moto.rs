//! Against a third-party STS: moto's server (PyPI `moto[server]`, `moto_server`), which
//! accepts any MFA code and names IAM users with an `sts` ARN. A role asked for two hours is
//! assumed with the long-term keys and one code; the suggested MFA device is
//! `arn:aws:iam::ACCOUNT:mfa/USER` whatever service the caller's ARN names.
#![cfg(unix)]

mod common;

use common::moto::Moto;
use common::*;
use rexpect::session::spawn_command;
use std::process::{Command, Stdio};

const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";

fn fixture() -> Fixture {
    Fixture::with_files(
        &format!(
            "[profile alice]\nmfa_serial = {SERIAL}\nregion = us-east-1\n\n\
             [profile long]\nrole_arn = arn:aws:iam::123456789012:role/long\nsource_profile = alice\nduration_seconds = 7200\n\n\
             [profile bob]\nregion = us-east-1\n"
        ),
        &format!(
            "[alice]\naws_access_key_id = AKIAMOTOLONGTERM0001\naws_secret_access_key = {LONG_TERM_SECRET}\n\n\
             [bob]\naws_access_key_id = AKIAMOTOLONGTERM0002\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    )
}

fn cmd(f: &Fixture, moto: &Moto, args: &[&str]) -> Command {
    let mut cmd = f.cmd(args);
    cmd.env("AWS_ENDPOINT_URL_STS", &moto.url);
    cmd
}

#[test]
fn a_long_role_is_assumed_from_a_third_party_sts_with_one_code() {
    let Some(moto) = Moto::start() else { return };
    let f = fixture();
    let use_long = ["use", "long", "--shell", "bash", "--token-code", "123456"];
    let run = Run::from(cmd(&f, &moto, &use_long).output().unwrap());
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stdout.contains("export AWS_ACCESS_KEY_ID='ASIA"),
        "{run:#?}"
    );
    assert!(
        run.stdout.contains("export MFAENV_PROFILE='long'"),
        "{run:#?}"
    );
    // moto grants what is asked: two hours, a role session.
    assert!(
        run.stderr.contains("role session valid for 1h 59m")
            || run.stderr.contains("role session valid for 2h 00m"),
        "{run:#?}"
    );
    assert_no_secret(&run.stderr);
    assert!(f.path(".cache/mfaenv/role-long.json").exists());
    assert!(!f.path(".cache/mfaenv/mfa-alice.json").exists());
    // From the cache the second time, with no code to give.
    let again = Run::from(
        cmd(&f, &moto, &["use", "long", "--shell", "bash"])
            .output()
            .unwrap(),
    );
    assert_eq!(again.code, Some(0), "{again:#?}");
    assert_eq!(again.stdout, run.stdout);
}

#[test]
fn the_suggested_device_of_a_third_party_sts_user_is_an_iam_arn() {
    let Some(moto) = Moto::start() else { return };
    let f = fixture();
    // moto says `arn:aws:sts::123456789012:user/moto` for the keys' identity.
    let mut setup = f.sh("\"$MFAENV\" setup bob; echo \"rc=$?\"");
    setup
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .stdin(Stdio::inherit());
    let mut p = spawn_command(setup, Some(20_000)).unwrap();
    p.exp_string("MFA device ARN for profile 'bob' [arn:aws:iam::123456789012:mfa/moto]: ")
        .unwrap();
    p.send_line("").unwrap();
    p.exp_string("Save mfa_serial = arn:aws:iam::123456789012:mfa/moto in profile 'bob'")
        .unwrap();
    p.send_line("n").unwrap();
    p.exp_string("rc=0").unwrap();
}
