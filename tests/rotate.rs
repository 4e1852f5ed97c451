//! `mfaenv rotate PROFILE`: a new key through IAM (the fake's IAM, and moto's, which nobody
//! here wrote), stored wherever the old one was, verified, and only then the old one deleted.
#![cfg(unix)]

mod common;

use common::fake_sts::{ACCESS_KEY_ID, GOOD_CODE, NEW_SECRET, SERIAL};
use common::moto::Moto;
use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSPHRASE: &str = "correct horse battery staple";

/// `rotate PROFILE --token-code GOOD_CODE`, IAM at the fake.
fn rotate(f: &Fixture, profile: &str, vars: &[(&str, &str)]) -> Command {
    let mut cmd = f.cmd(&["rotate", profile, "--token-code", GOOD_CODE]);
    cmd.env("AWS_ENDPOINT_URL_IAM", &f.sts.url)
        .env("MFAENV_ROTATE_WAIT_SECONDS", "5")
        .envs(vars.iter().copied());
    cmd
}

fn run(mut cmd: Command) -> Run {
    Run::from(cmd.output().unwrap())
}

fn no_new_secret(run: &Run) {
    assert_no_secret(&run.stderr);
    assert!(!run.stderr.contains(NEW_SECRET), "{run:#?}");
    assert!(!run.stdout.contains(NEW_SECRET), "{run:#?}");
}

/// The id the profile's keys resolve to now, and whether a fresh session can be had with them
/// (the store opens, the key id matches, STS accepts the key).
fn works(f: &Fixture, profile: &str, vars: &[(&str, &str)]) -> bool {
    let run = f.run_env(
        &[
            "use",
            profile,
            "--shell",
            "bash",
            "--force",
            "--token-code",
            GOOD_CODE,
        ],
        vars,
    );
    run.code == Some(0)
}

fn credentials(f: &Fixture) -> String {
    std::fs::read_to_string(f.path(".aws/credentials")).unwrap()
}

fn config(f: &Fixture) -> String {
    std::fs::read_to_string(f.path(".aws/config")).unwrap()
}

fn file_store() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MFAENV_KEY_STORE", "file"),
        ("MFAENV_FILE_PASSPHRASE", PASSPHRASE),
    ]
}

#[test]
fn the_credentials_file_gets_the_new_key_and_only_that_changes() {
    let f = Fixture::new();
    let before = credentials(&f);
    let r = run(rotate(&f, "foobar", &[]));
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert_eq!(r.stdout, "");
    no_new_secret(&r);
    let new = "AKIAFAKEROTATED00001";
    assert_eq!(f.sts.iam_keys(), vec![new.to_owned()], "old key deleted");
    let (head, rest) = before.split_at(before.find("\n\n").unwrap());
    let expected = format!(
        "{}{rest}",
        head.replace(ACCESS_KEY_ID, new)
            .replace(LONG_TERM_SECRET, NEW_SECRET)
    );
    assert_eq!(credentials(&f), expected, "every other byte kept");
    assert!(r.stderr.contains("until they expire"), "{r:#?}");
    // The new key is the one used from now on.
    assert!(works(&f, "foobar", &[]));
    let last = f.sts.requests().pop().unwrap();
    assert_eq!(last.access_key_id, new);
    // No temp file or backup holds the new secret.
    for entry in std::fs::read_dir(f.path(".aws")).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("credentials") {
            continue;
        }
        let text = std::fs::read(&path).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&text).contains(NEW_SECRET),
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_stored_key_is_replaced_in_its_store() {
    let f = Fixture::new();
    let vars = file_store();
    let import = f.run_env(&["import", "foobar"], &vars);
    assert_eq!(import.code, Some(0), "{import:#?}");
    let r = run(rotate(&f, "foobar", &vars));
    assert_eq!(r.code, Some(0), "{r:#?}");
    no_new_secret(&r);
    let new = "AKIAFAKEROTATED00001";
    assert_eq!(f.sts.iam_keys(), vec![new.to_owned()]);
    assert!(
        config(&f).contains(&format!("mfaenv_access_key_id = {new}")),
        "{}",
        config(&f)
    );
    assert!(works(&f, "foobar", &vars));
    assert_eq!(f.sts.requests().pop().unwrap().access_key_id, new);
}

#[test]
fn a_refused_delete_keeps_the_new_key_and_says_the_old_one_is_active() {
    let f = Fixture::new();
    f.sts.refuse_delete();
    let r = run(rotate(&f, "foobar", &[]));
    r.assert_fails(1, "still active");
    no_new_secret(&r);
    assert!(
        r.stderr.contains(&format!(
            "aws iam delete-access-key --user-name alice --access-key-id {ACCESS_KEY_ID}"
        )),
        "{r:#?}"
    );
    assert!(credentials(&f).contains("AKIAFAKEROTATED00001"));
    assert!(works(&f, "foobar", &[]));
    assert_eq!(
        f.sts.requests().pop().unwrap().access_key_id,
        "AKIAFAKEROTATED00001"
    );
}

#[test]
fn two_keys_already_are_refused_before_anything_changes() {
    let f = Fixture::new();
    f.sts.refuse_delete();
    // A refused delete leaves the user with two keys: the old one and the stored new one.
    assert_eq!(run(rotate(&f, "foobar", &[])).code, Some(1));
    let before = credentials(&f);
    let creates = f.sts.count("CreateAccessKey");
    let r = run(rotate(&f, "foobar", &[]));
    r.assert_fails(1, "already has two access keys");
    assert!(
        r.stderr
            .contains(&format!("--access-key-id {ACCESS_KEY_ID}")),
        "names the key to delete: {r:#?}"
    );
    assert_eq!(f.sts.count("CreateAccessKey"), creates);
    assert_eq!(credentials(&f), before);
}

#[test]
fn a_role_profile_is_refused() {
    let f = Fixture::with_files(
        &format!(
            "[profile foobar]\nmfa_serial = {SERIAL}\n\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = foobar\n"
        ),
        &format!(
            "[foobar]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    );
    let r = run(rotate(&f, "admin", &[]));
    r.assert_fails(2, "mfaenv rotate foobar");
    assert_eq!(f.sts.requests().len(), 0, "nothing asked of AWS");
}

/// Kills rotate at moments spread over its whole run; after each kill the profile's stored
/// key must be one IAM still has, and must work.
fn kill_loop(vars: &[(&str, &str)], rounds: u32) {
    let f = Fixture::new();
    if !vars.is_empty() {
        assert_eq!(f.run_env(&["import", "foobar"], vars).code, Some(0));
    }
    // How long a whole rotation takes here, to spread the kills over it.
    let started = Instant::now();
    assert_eq!(run(rotate(&f, "foobar", vars)).code, Some(0));
    let whole = started.elapsed().as_millis().max(20) as u64;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    for round in 0..rounds {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = (seed >> 33) % (whole + whole / 4);
        let mut child = rotate(&f, "foobar", vars)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(at));
        let _ = child.kill();
        let _ = child.wait();
        let stored = f.stored_key_id();
        let live = f.sts.iam_keys();
        assert!(
            live.contains(&stored),
            "round {round}, killed at {at} ms: stored {stored}, IAM has {live:?}"
        );
        assert!(
            works(&f, "foobar", vars),
            "round {round}, killed at {at} ms: the stored key does not work"
        );
        // A kill after CreateAccessKey leaves an unused key; its owner deletes it, as the
        // refusal says.
        for other in live.iter().filter(|k| **k != stored) {
            f.sts.delete_key(other);
        }
    }
}

#[test]
fn a_kill_at_any_moment_leaves_a_working_key_in_the_credentials_file() {
    kill_loop(&[], 15);
}

#[test]
fn a_kill_at_any_moment_leaves_a_working_key_in_the_encrypted_file() {
    kill_loop(&file_store(), 15);
}

/// User alice in moto's IAM with one key; profile alice holds it in the credentials file.
fn moto_fixture() -> Option<(Moto, Fixture, String)> {
    let moto = Moto::start()?;
    let (id, secret) = moto.user_with_key("alice");
    let f = Fixture::with_files(
        &format!("[profile alice]\nmfa_serial = {SERIAL}\nregion = us-east-1\n"),
        &format!("# mine\n[alice]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    );
    Some((moto, f, id))
}

fn moto_rotate(f: &Fixture, moto: &Moto) -> Run {
    let mut cmd = f.cmd(&["rotate", "alice", "--token-code", "123456"]);
    cmd.env("AWS_ENDPOINT_URL", &moto.url)
        .env_remove("AWS_ENDPOINT_URL_STS");
    run(cmd)
}

#[test]
fn moto_rotates_a_key_and_deletes_the_old_one() {
    let Some((moto, f, old)) = moto_fixture() else {
        return;
    };
    let r = moto_rotate(&f, &moto);
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert_eq!(r.stdout, "");
    let keys = moto.keys("alice");
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_ne!(keys[0], old, "the old key is deleted");
    let text = credentials(&f);
    assert!(text.starts_with("# mine\n[alice]\n"), "{text}");
    assert!(
        text.contains(&format!("aws_access_key_id = {}\n", keys[0])),
        "the new key is stored: {text}"
    );
    assert!(
        !r.stderr.contains(text.lines().nth(3).unwrap()),
        "no secret"
    );
}

#[test]
fn moto_two_keys_are_refused() {
    let Some((moto, f, _)) = moto_fixture() else {
        return;
    };
    moto.iam("Action=CreateAccessKey&UserName=alice");
    let before = credentials(&f);
    let r = moto_rotate(&f, &moto);
    r.assert_fails(1, "already has two access keys");
    assert_eq!(moto.keys("alice").len(), 2);
    assert_eq!(credentials(&f), before);
}

/// IAM is eventually consistent: the new key is refused for its first GetCallerIdentity
/// calls, and rotate probes again with a growing pause until it is accepted.
#[test]
fn a_new_key_refused_at_first_is_probed_again_until_it_works() {
    let f = Fixture::new();
    f.sts.new_keys_unready(2);
    let mut cmd = rotate(&f, "foobar", &[("MFAENV_ROTATE_WAIT_SECONDS", "10")]);
    cmd.arg("-v");
    let r = run(cmd);
    assert_eq!(r.code, Some(0), "{r:#?}");
    no_new_secret(&r);
    assert_eq!(
        f.sts.new_key_probes(),
        3,
        "two refusals, then the one that worked"
    );
    let again: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("new key not working yet"))
        .collect();
    assert_eq!(again.len(), 2, "{r:#?}");
    assert!(again[0].ends_with("again in 500 ms"), "{again:?}");
    assert!(again[1].ends_with("again in 1000 ms"), "backoff: {again:?}");
    assert!(again[0].contains("InvalidClientTokenId"), "{again:?}");
    // "Not yet" is not a mistake in the profile: no advice to check it.
    assert!(!r.stderr.contains("check aws_access_key_id"), "{r:#?}");
    assert_eq!(f.sts.iam_keys(), vec!["AKIAFAKEROTATED00001".to_owned()]);
    assert!(works(&f, "foobar", &[]));
}

/// A new key that never works: rotate gives up within the bound with one line, the old key
/// stays the stored one and works, and the new key is deleted in IAM again (or, when IAM
/// refuses, named for the user to delete), in the credentials file and in a store.
#[test]
fn a_new_key_that_never_works_is_given_up_within_the_bound() {
    for (vars, refuse) in [
        (vec![], false),
        (file_store(), false),
        (vec![], true),
        (file_store(), true),
    ] {
        let f = Fixture::new();
        if !vars.is_empty() {
            assert_eq!(f.run_env(&["import", "foobar"], &vars).code, Some(0));
        }
        let (config_before, credentials_before) = (config(&f), credentials(&f));
        f.sts.new_keys_unready(usize::MAX);
        if refuse {
            f.sts.refuse_delete();
        }
        let started = Instant::now();
        let mut cmd = rotate(&f, "foobar", &vars);
        cmd.env("MFAENV_ROTATE_WAIT_SECONDS", "2");
        let r = run(cmd);
        let took = started.elapsed();
        let left = if refuse {
            "IAM did not delete it (AccessDenied"
        } else {
            "it was deleted again"
        };
        r.assert_fails(1, "did not work within 2 s");
        assert!(r.stderr.contains(left), "{vars:?}: {r:#?}");
        assert!(r.stderr.contains("are unchanged"), "{r:#?}");
        no_new_secret(&r);
        // The bound (2 s) and the rest of the run: the encrypted file's scrypt is slow in a
        // debug build (about 1 s per open, three opens).
        let rest = if vars.is_empty() { 3 } else { 8 };
        assert!(
            took < Duration::from_secs(2 + rest),
            "bounded: took {took:?}"
        );
        // Probes at 0, 0.5 and 1.5 s; the next (at 3.5 s) would pass the bound.
        assert_eq!(f.sts.new_key_probes(), 3, "{vars:?}");
        let new = "AKIAFAKEROTATED00001";
        if refuse {
            assert!(
                r.stderr.contains(&format!(
                    "aws iam delete-access-key --user-name alice --access-key-id {new}"
                )),
                "names the key to delete: {r:#?}"
            );
            assert_eq!(
                f.sts.iam_keys(),
                vec![ACCESS_KEY_ID.to_owned(), new.to_owned()]
            );
        } else {
            assert_eq!(f.sts.iam_keys(), vec![ACCESS_KEY_ID.to_owned()], "{vars:?}");
        }
        assert_eq!(config(&f), config_before, "{vars:?}");
        assert_eq!(credentials(&f), credentials_before, "{vars:?}");
        assert!(works(&f, "foobar", &vars), "{vars:?}: the old key works");
        assert_eq!(f.sts.requests().pop().unwrap().access_key_id, ACCESS_KEY_ID);
    }
}

/// The bound is a setting: anything but 1 to 3600 seconds is one usage line naming the
/// variable, before AWS is asked anything.
#[test]
fn a_bad_wait_bound_is_a_usage_error_before_anything_changes() {
    let f = Fixture::new();
    for bad in ["soon", "0", "-5", "3601", "1.5", "99999999999999999999"] {
        let mut cmd = rotate(&f, "foobar", &[]);
        cmd.env("MFAENV_ROTATE_WAIT_SECONDS", bad);
        let r = run(cmd);
        r.assert_fails(2, &format!("MFAENV_ROTATE_WAIT_SECONDS='{bad}'"));
        assert!(r.stderr.contains("from 1 to 3600"), "{r:#?}");
        assert_eq!(f.sts.requests().len(), 0, "{bad}: nothing asked of AWS");
    }
    // Unset or empty: the default of 90 s.
    let mut cmd = rotate(&f, "foobar", &[]);
    cmd.env("MFAENV_ROTATE_WAIT_SECONDS", "");
    assert_eq!(run(cmd).code, Some(0));
}

/// An IAM answer that is not IAM's (a proxy's page, another service's error format) is named by
/// its status, not as an empty "error:".
#[test]
fn an_iam_answer_that_is_not_iams_is_named_by_its_status() {
    let f = Fixture::new();
    f.sts
        .iam_answer(403, "<html><body>Forbidden by proxy</body></html>");
    let before = credentials(&f);
    let r = run(rotate(&f, "foobar", &[]));
    r.assert_fails(
        1,
        "IAM ListAccessKeys failed: HTTP 403 with an answer that is not IAM's",
    );
    assert_eq!(credentials(&f), before);
}

/// After a rotation the sessions made with the old key are no longer served, and `list` and
/// Tab completion no longer show them as if they were (they are still in the cache until they
/// expire).
#[test]
fn sessions_of_the_old_key_are_not_shown_after_a_rotation() {
    let f = Fixture::new();
    f.login("foobar");
    let shown = |f: &Fixture| {
        let list = f.run(&["list"]);
        assert_eq!(list.code, Some(0), "{list:#?}");
        let row = list
            .stdout
            .lines()
            .find(|l| l.starts_with("foobar "))
            .unwrap_or_else(|| panic!("{list:#?}"))
            .to_owned();
        let complete = f.run_env(&["--", "mfaenv", "use", ""], &[("MFAENV_COMPLETE", "fish")]);
        let line = complete
            .stdout
            .lines()
            .find(|l| l.starts_with("foobar\t"))
            .unwrap_or_else(|| panic!("{complete:#?}"))
            .to_owned();
        (row.contains(" left"), line.contains(" left"))
    };
    assert_eq!(shown(&f), (true, true), "the session is shown before");
    let r = run(rotate(&f, "foobar", &[]));
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert_eq!(
        shown(&f),
        (false, false),
        "a session of the old key is shown"
    );
}
