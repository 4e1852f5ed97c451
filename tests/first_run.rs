//! The first run on a fresh machine (`use` of a profile that does not exist offers `add` on the
//! terminal, then goes on to the session) and `list` naming where each profile's keys live and
//! how old they are, without opening any store.

mod common;

use common::fake_sts::{ACCESS_KEY_ID, GOOD_CODE, SERIAL, SESSION_TOKEN};
use common::*;
use std::process::Stdio;

const PASSPHRASE: &str = "PaSsPhRaSeMaRkEr-correct-horse";

fn config(f: &Fixture) -> String {
    std::fs::read_to_string(f.path(".aws/config")).unwrap()
}

/// `eval "$(mfaenv use foobar)"` on a fresh machine: the offer, the add flow (keys, region,
/// device, the key file's new passphrase), the code, and the script on stdout alone.
#[test]
fn use_on_a_fresh_machine_offers_add_then_gives_the_session() {
    use rexpect::session::spawn_command;
    let f = Fixture::with_files("", "");
    let key_file = f.path("keys/keys.age");
    let mut cmd = f.sh(
        "out=\"$(\"$MFAENV\" use foobar --shell bash)\"; rc=$?; printf '%s' \"$out\" > \"$HOME/script\"; echo \"rc=$rc\"",
    );
    cmd.env("MFAENV_KEY_STORE", "file")
        .env("MFAENV_KEY_FILE", &key_file)
        .stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    let mut seen = String::new();
    let mut step = |p: &mut rexpect::session::PtySession, prompt: &str, answer: &str| {
        seen.push_str(&p.exp_string(prompt).unwrap());
        p.send_line(answer).unwrap();
    };
    step(
        &mut p,
        "Profile 'foobar' is not set up; add its keys now? [Y/n] ",
        "",
    );
    step(
        &mut p,
        "Access key ID for profile 'foobar': ",
        ACCESS_KEY_ID,
    );
    step(&mut p, "Secret access key (not shown): ", LONG_TERM_SECRET);
    step(
        &mut p,
        "Region for profile 'foobar' [us-east-1]: ",
        "eu-west-1",
    );
    step(
        &mut p,
        &format!("MFA device ARN for profile 'foobar' [{SERIAL}]: "),
        "",
    );
    step(
        &mut p,
        "New passphrase for the encrypted key file",
        PASSPHRASE,
    );
    step(&mut p, "The same passphrase again: ", PASSPHRASE);
    // The passphrase was typed once for this run: the session's secret comes without a
    // second question.
    step(
        &mut p,
        &format!("MFA code for profile 'foobar' ({SERIAL}): "),
        GOOD_CODE,
    );
    seen.push_str(&p.exp_string("rc=0").unwrap());
    assert!(!seen.contains(LONG_TERM_SECRET), "{seen}");
    assert!(!seen.contains(PASSPHRASE), "{seen}");
    assert!(
        seen.contains("stored the keys of profile 'foobar'"),
        "{seen}"
    );
    let script = std::fs::read_to_string(f.path("script")).unwrap();
    assert!(
        script.contains(&format!("export AWS_SESSION_TOKEN='{SESSION_TOKEN}'\n")),
        "stdout carries only the script: {script:?}"
    );
    assert!(!script.contains("mfaenv:"), "{script:?}");
    assert!(!script.contains(LONG_TERM_SECRET), "{script:?}");
    let written = config(&f);
    assert!(
        written.starts_with(&format!(
            "[profile foobar]\nmfaenv_key_store = file\nmfaenv_access_key_id = {ACCESS_KEY_ID}\n"
        )) && written.contains("region = eu-west-1\n")
            && written.contains(&format!("mfa_serial = {SERIAL}\n")),
        "{written}"
    );
    assert!(key_file.is_file());
    assert_eq!(
        std::fs::read_to_string(f.path(".aws/credentials")).unwrap(),
        "",
        "no plaintext copy of the key"
    );
}

/// A declined offer stores nothing and leaves the config as it was; without a terminal there is
/// no offer, only one line naming `mfaenv add`.
#[test]
fn a_declined_offer_or_no_terminal_is_one_line_naming_add() {
    use rexpect::session::spawn_command;
    let original = "# mine\n[profile other]\nregion = eu-west-1\n";
    let f = Fixture::with_files(original, "");
    let key_file = f.path("keys/keys.age");

    let run = f.run_env(
        &["use", "foobar", "--shell", "bash"],
        &[("MFAENV_KEY_STORE", "file")],
    );
    run.assert_fails(2, "mfaenv add foobar");
    assert!(run.stderr.contains("not found"), "{run:#?}");

    for answer in ["n", "no"] {
        let mut cmd = f.sh(
            "out=\"$(\"$MFAENV\" use foobar --shell bash)\"; rc=$?; printf '%s' \"$out\" > \"$HOME/script\"; echo \"rc=$rc\"",
        );
        cmd.env("MFAENV_KEY_STORE", "file")
            .env("MFAENV_KEY_FILE", &key_file)
            .stdin(Stdio::inherit());
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        p.exp_string("Profile 'foobar' is not set up; add its keys now? [Y/n] ")
            .unwrap();
        p.send_line(answer).unwrap();
        let rest = p.exp_string("rc=2").unwrap();
        assert!(rest.contains("run mfaenv add foobar"), "{rest}");
        assert_eq!(std::fs::read_to_string(f.path("script")).unwrap(), "");
        assert_eq!(config(&f), original, "config untouched");
        assert!(!key_file.exists(), "nothing stored");
    }
}

/// A name one letter off a profile that exists is likely a typo: the offer says so and a bare
/// Enter declines it, so no stray profile is created.
#[test]
fn a_likely_typo_is_not_made_a_profile_by_enter() {
    use rexpect::session::spawn_command;
    let original = format!("[profile foobar]\nmfa_serial = {SERIAL}\n");
    let creds = format!(
        "[foobar]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
    );
    let f = Fixture::with_files(&original, &creds);
    let mut cmd = f.sh("\"$MFAENV\" use foobr --shell bash >/dev/null; echo \"rc=$?\"");
    cmd.stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string(
        "Profile 'foobr' is not set up (did you mean 'foobar'?); add its keys now? [y/N] ",
    )
    .unwrap();
    p.send_line("").unwrap();
    p.exp_string("rc=2").unwrap();
    assert_eq!(config(&f), original);
}

/// A profile that exists but is broken keeps its own error: no offer to add over it.
#[test]
fn a_broken_profile_is_not_offered_away() {
    use rexpect::session::spawn_command;
    let f = Fixture::with_files("[profile foobar]\nrole_arn = arn:aws:iam::1:role/x\n", "");
    let mut cmd = f.sh("\"$MFAENV\" use foobar --shell bash >/dev/null; echo \"rc=$?\"");
    cmd.stdin(Stdio::inherit());
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    let out = p.exp_string("rc=2").unwrap();
    assert!(out.contains("no source_profile"), "{out}");
    assert!(!out.contains("add its keys now"), "{out}");
}

/// `list` names each profile's store and the key's age from the recorded day, flags keys older
/// than 90 days, shows `-` where the age is unknown, and opens no store: the key file is
/// unreadable garbage and no passphrase is set, yet `list` succeeds.
#[test]
fn list_shows_where_keys_live_and_their_age_without_opening_a_store() {
    let today = time::OffsetDateTime::now_utc().date();
    let day = |ago: i64| {
        let d = today - time::Duration::days(ago);
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    };
    let config = format!(
        "[profile ring]\nmfaenv_key_store = keyring\nmfaenv_access_key_id = AKIARINGRINGRINGRING\n\
         mfaenv_key_created = {}\nmfa_serial = {SERIAL}\n\n\
         [profile old]\nmfaenv_key_store = file\nmfaenv_access_key_id = AKIAOLDOLDOLDOLDOLD0\n\
         mfaenv_key_created = {}\nmfa_serial = {SERIAL}\n\n\
         [profile plain]\nmfa_serial = {SERIAL}\n\n\
         [profile stale]\nmfaenv_access_key_id = AKIASOMEOTHERKEY0000\nmfaenv_key_created = {}\n\n\
         [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = old\n",
        day(3),
        day(123),
        day(1),
    );
    let creds = format!(
        "[plain]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n\n\
         [stale]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
    );
    let f = Fixture::with_files(&config, &creds);
    let key_file = f.path("keys.age");
    std::fs::write(&key_file, "not an age file").unwrap();
    let run = f.run_env(
        &["list"],
        &[
            ("MFAENV_KEY_FILE", key_file.to_str().unwrap()),
            // A keyring asked would fail here: there is no bus to reach.
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
        ],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_no_secret(&run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].contains("KEYS") && lines[0].contains("KEY AGE"),
        "{}",
        run.stdout
    );
    let row = |p: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{p} ")))
            .copied()
            .unwrap_or_else(|| panic!("no {p} in {}", run.stdout))
    };
    assert!(row("ring").contains("keyring"), "{}", run.stdout);
    assert!(row("ring").ends_with("3 days"), "{}", run.stdout);
    assert!(row("old").contains("encrypted file"), "{}", run.stdout);
    assert!(
        row("old").ends_with("123 days (rotate it: mfaenv rotate old)"),
        "{}",
        run.stdout
    );
    assert!(row("plain").contains("credentials file"), "{}", run.stdout);
    assert!(row("plain").ends_with(" -"), "unknown age: {}", run.stdout);
    // A date recorded for another key says nothing about the one in use.
    assert!(row("stale").ends_with(" -"), "{}", run.stdout);
    assert!(
        row("admin").contains("encrypted file (of old)")
            && row("admin").contains("mfaenv rotate old"),
        "{}",
        run.stdout
    );
}

/// `add` records the day it stored the key, which `list` then shows.
#[test]
fn add_records_the_day_it_stored_the_key() {
    let f = Fixture::with_files("", "");
    let run = f.run_env(
        &["add", "foobar", "--env", "--serial-number", SERIAL],
        &[
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", LONG_TERM_SECRET),
            ("MFAENV_KEY_STORE", "file"),
            ("MFAENV_FILE_PASSPHRASE", PASSPHRASE),
        ],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    let d = time::OffsetDateTime::now_utc().date();
    let today = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    assert!(
        config(&f).contains(&format!("mfaenv_key_created = {today}\n")),
        "{}",
        config(&f)
    );
    let list = f.run(&["list"]);
    assert_eq!(list.code, Some(0), "{list:#?}");
    assert!(
        list.stdout.contains("encrypted file  0 days"),
        "{}",
        list.stdout
    );
}
