//! Sessions that last: the cache, roles built on one MFA session, concurrent shells, and the
//! commands around them (status, list, logout, credential-process, exec).

mod common;

use common::fake_sts::{self, ACCESS_KEY_ID, Fault, GOOD_CODE, SERIAL, SESSION_SECRET};
use common::*;

const ROLE_ADMIN: &str = "arn:aws:iam::210987654321:role/admin";
const ROLE_DEV: &str = "arn:aws:iam::210987654321:role/dev";

/// `base` holds the keys and the device; `admin` and `dev` are roles built on it; `deep` is a
/// role assumed from `admin` (role chaining).
fn roles_fixture(extra: &str) -> Fixture {
    Fixture::with_files(
        &format!(
            "[profile base]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\n\
             [profile admin]\nrole_arn = {ROLE_ADMIN}\nsource_profile = base\n\n\
             [profile dev]\nrole_arn = {ROLE_DEV}\nsource_profile = base\nregion = us-east-2\n\n\
             [profile deep]\nrole_arn = arn:aws:iam::333333333333:role/deep\nsource_profile = admin\nduration_seconds = 7200\n{extra}"
        ),
        &format!(
            "[base]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    )
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_no_secret(&run.stderr);
    run
}

/// Makes the cached session in `file` (under the cache directory) one that lapsed a minute ago.
fn lapse(f: &Fixture, file: &str) {
    let path = f.path(&format!(".cache/mfaenv/{file}"));
    let mut entry: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let past = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 60;
    entry["Expiration"] = fake_sts::rfc3339(past).into();
    std::fs::write(&path, entry.to_string()).unwrap();
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_cached_session_is_printed_without_prompt_or_request() {
    let f = Fixture::new();
    let first = f.login("foobar");
    // No code and no terminal this time: only the cache can answer.
    let second = ok(f.run(&["use", "foobar", "--shell", "bash"]));
    assert_eq!(first.stdout, second.stdout);
    assert!(second.stderr.contains("valid for"), "{second:#?}");
    assert_eq!(f.sts.requests().len(), 1);
}

#[cfg(unix)]
#[test]
fn the_cache_is_private() {
    let f = Fixture::new();
    f.login("foobar");
    let dir = f.path(".cache/mfaenv");
    assert_eq!(mode(&dir), 0o700);
    let file = dir.join("mfa-foobar.json");
    assert_eq!(mode(&file), 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains(SESSION_SECRET),
        "the cache is where the session is kept"
    );
    assert!(
        !text.contains(LONG_TERM_SECRET),
        "long-term keys are never cached"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn no_cache_and_force_skip_the_cache() {
    let f = Fixture::new();
    ok(f.run(&[
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
        "--no-cache",
    ]));
    assert!(!f.path(".cache/mfaenv/mfa-foobar.json").exists());
    f.login("foobar");
    ok(f.run(&[
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
        "--force",
    ]));
    assert_eq!(f.sts.count("GetSessionToken"), 3);
}

#[cfg(unix)]
#[test]
fn corrupt_or_world_readable_cache_files_are_ignored_and_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new();
    f.login("foobar");
    let file = f.path(".cache/mfaenv/mfa-foobar.json");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = f.run(&["use", "foobar", "--shell", "bash"]);
    assert_eq!(
        run.code,
        Some(2),
        "a world-readable session must not be used: {run:#?}"
    );
    assert!(run.stderr.contains("readable by others"), "{run:#?}");
    let run = f.login("foobar");
    assert_eq!(
        run.stderr.matches("ignoring cached session").count(),
        1,
        "one warning: {run:#?}"
    );
    assert_eq!(mode(&file), 0o600, "replaced by a private file");

    std::fs::write(&file, "{\"mfaenv\": 1, \"Secret").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = f.login("foobar");
    assert!(run.stderr.contains("not a session file"), "{run:#?}");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("\"Expiration\"")
    );
    assert_eq!(f.sts.count("GetSessionToken"), 3);
}

#[test]
fn changed_keys_or_device_do_not_get_the_old_session() {
    let f = Fixture::new();
    f.login("foobar");
    let run = f.run(&[
        "use",
        "foobar",
        "--shell",
        "bash",
        "--serial-number",
        "arn:aws:iam::123456789012:mfa/other",
    ]);
    assert_eq!(
        run.code,
        Some(2),
        "another device needs its own code: {run:#?}"
    );
}

#[test]
fn roles_of_one_identity_share_one_mfa_session() {
    let f = roles_fixture("");
    let admin = f.login("admin");
    assert!(
        admin
            .stdout
            .contains("export AWS_ACCESS_KEY_ID='ASIAFAKEROLE"),
        "{admin:#?}"
    );
    assert!(admin.stdout.contains("export MFAENV_PROFILE='admin'"));
    assert!(
        admin.stdout.contains("export AWS_REGION='eu-west-1'"),
        "region of the source"
    );
    assert!(admin.stderr.contains("account 210987654321"), "{admin:#?}");
    // No code, no terminal: dev is assumed with base's cached MFA session.
    let dev = ok(f.run(&["use", "dev", "--shell", "bash"]));
    assert!(
        dev.stdout.contains("export AWS_REGION='us-east-2'"),
        "{dev:#?}"
    );
    assert_eq!(f.sts.count("GetSessionToken"), 1);
    assert_eq!(f.sts.count("AssumeRole"), 2);
    let assume: Vec<_> = f
        .sts
        .requests()
        .into_iter()
        .filter(|r| r.params["Action"] == "AssumeRole")
        .collect();
    assert_eq!(assume[0].params["RoleArn"], ROLE_ADMIN);
    assert_eq!(assume[1].params["RoleArn"], ROLE_DEV);
    assert!(
        assume
            .iter()
            .all(|r| r.session_signed && r.access_key_id == fake_sts::SESSION_KEY_ID)
    );
    // The plain identity uses the same MFA session too.
    ok(f.run(&["use", "base", "--shell", "bash"]));
    assert_eq!(f.sts.count("GetSessionToken"), 1);
}

#[test]
fn a_lapsed_role_session_is_renewed_without_a_prompt() {
    let f = roles_fixture("");
    f.login("admin");
    // The role's hour is over, while the 12-hour MFA session is still good.
    lapse(&f, "role-admin.json");
    let run = ok(f.run(&["use", "admin", "--shell", "bash"]));
    assert!(run.stdout.contains("ASIAFAKEROLE"));
    assert_eq!(f.sts.count("GetSessionToken"), 1);
    assert_eq!(f.sts.count("AssumeRole"), 2);
}

#[test]
fn mfa_serial_on_the_role_profile_serves_the_source() {
    let f = Fixture::with_files(
        &format!(
            "[profile r]\nrole_arn = {ROLE_ADMIN}\nsource_profile = k\nmfa_serial = {SERIAL}\nexternal_id = xyz\nrole_session_name = alice\n"
        ),
        &format!(
            "[k]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    );
    f.login("r");
    let reqs = f.sts.requests();
    assert_eq!(reqs[0].params["SerialNumber"], SERIAL);
    assert_eq!(reqs[1].params["ExternalId"], "xyz");
    assert_eq!(reqs[1].params["RoleSessionName"], "alice");
}

#[test]
fn role_chaining_beyond_an_hour_is_explained() {
    let f = roles_fixture("");
    let run = f.run(&["use", "deep", "--shell", "bash", "--token-code", GOOD_CODE]);
    run.assert_fails(2, "role chaining");
    assert!(run.stderr.contains("duration_seconds = 3600"), "{run:#?}");
    assert!(
        run.stderr
            .contains("assumed from the role of profile 'admin'"),
        "{run:#?}"
    );
    assert_eq!(f.sts.requests().len(), 0, "said before any code is spent");
    let f = roles_fixture("");
    std::fs::write(
        f.path(".aws/config"),
        std::fs::read_to_string(f.path(".aws/config"))
            .unwrap()
            .replace("duration_seconds = 7200", "duration_seconds = 3600"),
    )
    .unwrap();
    let run = f.login("deep");
    assert!(run.stderr.contains("account 333333333333"), "{run:#?}");
    assert_eq!(f.sts.count("AssumeRole"), 2);
}

#[test]
fn two_shells_at_once_ask_for_one_code() {
    let f = Fixture::with_files(
        &format!(
            "[profile slow]\nmfa_serial = {SERIAL}\nmfa_process = echo asked >> '{}'; sleep 1; echo {GOOD_CODE}\n",
            std::env::temp_dir().join("unused").display()
        ),
        &format!(
            "[slow]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        ),
    );
    let asked = f.path("asked");
    std::fs::write(
        f.path(".aws/config"),
        format!("[profile slow]\nmfa_serial = {SERIAL}\nmfa_process = echo asked >> '{}'; sleep 1; echo {GOOD_CODE}\n", asked.display()),
    )
    .unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            f.cmd(&["use", "slow", "--shell", "bash"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| Run::from(c.wait_with_output().unwrap()))
        .collect();
    for run in &runs {
        assert_eq!(run.code, Some(0), "{run:#?}");
    }
    assert_eq!(runs[0].stdout, runs[1].stdout);
    assert_eq!(
        std::fs::read_to_string(&asked).unwrap(),
        "asked\n",
        "one prompt"
    );
    assert_eq!(f.sts.count("GetSessionToken"), 1);
    assert!(
        runs.iter().any(|r| r.stderr.contains("waiting for it")),
        "{runs:#?}"
    );
}

#[test]
fn status_tells_by_exit_code() {
    let f = Fixture::new();
    let status = |vars: &[(&str, &str)]| {
        let mut cmd = f.cmd(&["status"]);
        cmd.envs(vars.iter().copied());
        Run::from(cmd.output().unwrap())
    };
    let none = status(&[]);
    assert_eq!((none.code, none.stdout.as_str()), (Some(1), ""));
    assert!(none.stderr.contains("no mfaenv session"), "{none:#?}");
    let valid = status(&[
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", "2999-01-01T00:00:00Z"),
    ]);
    assert_eq!(valid.code, Some(0), "{valid:#?}");
    assert!(
        valid.stderr.contains("profile foobar:") && valid.stderr.contains("left"),
        "{valid:#?}"
    );
    let lapsed = status(&[
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", "2001-01-01T00:00:00Z"),
    ]);
    assert_eq!(lapsed.code, Some(1));
    assert!(lapsed.stderr.contains("lapsed"), "{lapsed:#?}");
    let other_tool = status(&[("AWS_SESSION_EXPIRATION", "2999-01-01T00:00:00Z")]);
    assert_eq!(
        other_tool.code,
        Some(1),
        "sessions of other tools are not mfaenv's"
    );
    let quiet = Run::from(f.cmd(&["status", "-q"]).output().unwrap());
    assert_eq!((quiet.code, quiet.stderr.as_str()), (Some(1), ""));
}

#[test]
fn list_shows_usable_profiles_and_cached_sessions_offline() {
    let f = roles_fixture("[profile sso]\nsso_session = corp\n");
    f.login("admin");
    let before = f.sts.requests().len();
    let run = ok(f.run(&["list"]));
    assert_eq!(f.sts.requests().len(), before, "list makes no request");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("PROFILE"), "{}", run.stdout);
    let row = |p: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{p} ")))
            .copied()
            .unwrap_or_else(|| panic!("no {p} in {}", run.stdout))
    };
    assert!(
        row("admin").contains(ROLE_ADMIN) && row("admin").contains("left"),
        "{}",
        run.stdout
    );
    assert!(
        row("base").contains(SERIAL) && row("base").contains("left"),
        "{}",
        run.stdout
    );
    assert!(
        row("dev").trim_end().ends_with('-'),
        "no cached dev session: {}",
        run.stdout
    );
    assert!(!run.stdout.contains("sso "), "{}", run.stdout);
    assert!(run.stderr.contains("1 other profile"), "{run:#?}");
}

#[test]
fn logout_drops_cached_sessions_and_unsets_this_shell() {
    let f = roles_fixture("");
    f.login("admin");
    let run = ok(f.run_env(
        &["logout", "admin", "--shell", "bash"],
        &[("MFAENV_PROFILE", "admin")],
    ));
    assert!(run.stdout.contains("unset AWS_SESSION_TOKEN"), "{run:#?}");
    assert!(
        run.stderr.contains("'base'"),
        "the identity's MFA session goes too: {run:#?}"
    );
    assert!(!f.path(".cache/mfaenv/role-admin.json").exists());
    assert!(!f.path(".cache/mfaenv/mfa-base.json").exists());
    // Another shell's profile: files go, this shell is left alone.
    f.login("dev");
    let run = ok(f.run(&["logout", "dev", "--shell", "bash"]));
    assert_eq!(run.stdout, "");
    f.login("base");
    ok(f.run(&["use", "admin", "--shell", "bash"]));
    let run = ok(f.run_env(
        &["logout", "--all", "--shell", "fish"],
        &[("MFAENV_PROFILE", "x")],
    ));
    assert!(run.stdout.contains("set -e AWS_ACCESS_KEY_ID"), "{run:#?}");
    assert!(
        run.stderr.contains("dropped 2 cached session(s)"),
        "{run:#?}"
    );
    let again = f.run(&["use", "base", "--shell", "bash"]);
    assert_eq!(again.code, Some(2), "after logout a code is needed again");
}

#[test]
fn exec_runs_the_command_with_the_session_and_its_exit_code() {
    let f = Fixture::new();
    let run = Run::from(
        f.cmd(&[
            "exec",
            "foobar",
            "--token-code",
            GOOD_CODE,
            "--",
            "sh",
            "-c",
            "printf '%s %s' \"$AWS_ACCESS_KEY_ID\" \"$MFAENV_PROFILE\"; exit 7",
        ])
        .output()
        .unwrap(),
    );
    assert_eq!(run.code, Some(7), "{run:#?}");
    assert_eq!(run.stdout, format!("{} foobar", fake_sts::SESSION_KEY_ID));
    let run = f.run(&["exec", "foobar", "--", "definitely-not-a-command-xyz"]);
    run.assert_fails(1, "cannot run definitely-not-a-command-xyz");
}

#[test]
fn credential_process_json_is_accepted_by_the_aws_sdk() {
    use aws_config::credential_process::CredentialProcessProvider;
    use aws_credential_types::provider::ProvideCredentials;
    let f = Fixture::new();
    let q = |p: &std::path::Path| format!("'{}'", p.display());
    let command = format!(
        "env -i HOME={} AWS_CONFIG_FILE={} AWS_SHARED_CREDENTIALS_FILE={} AWS_ENDPOINT_URL_STS={} XDG_CACHE_HOME={} {} credential-process foobar --token-code {GOOD_CODE}",
        q(f.home.path()),
        q(&f.path(".aws/config")),
        q(&f.path(".aws/credentials")),
        f.sts.url,
        q(&f.path(".cache")),
        q(bin()),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let creds = rt
        .block_on(CredentialProcessProvider::new(command).provide_credentials())
        .expect("the SDK accepts mfaenv's JSON");
    assert_eq!(creds.access_key_id(), fake_sts::SESSION_KEY_ID);
    assert_eq!(creds.secret_access_key(), SESSION_SECRET);
    assert_eq!(creds.session_token(), Some(fake_sts::SESSION_TOKEN));
    assert!(creds.expiry().is_some());
    // The second call is served from the cache.
    let run = ok(f.run(&["credential-process", "foobar"]));
    assert!(
        run.stdout.starts_with("{\"") && run.stdout.contains("\"Version\":1"),
        "{run:#?}"
    );
    assert_eq!(run.stderr, "", "nothing but JSON, no notice");
    assert_eq!(f.sts.count("GetSessionToken"), 1);
}

#[test]
fn sts_faults_leave_the_cache_unchanged() {
    let f = Fixture::new();
    f.login("foobar");
    let file = f.path(".cache/mfaenv/mfa-foobar.json");
    let before = std::fs::read(&file).unwrap();
    f.sts.always(Fault::Status(500));
    let run = f.run(&[
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
        "--force",
    ]);
    run.assert_fails(1, "STS is unavailable");
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[test]
fn a_revoked_cached_mfa_session_is_replaced_with_a_new_code() {
    let f = roles_fixture("");
    f.login("admin");
    // The role session lapses; the cached MFA session is then refused by AWS.
    lapse(&f, "role-admin.json");
    f.sts.then([Fault::Error(
        403,
        "ExpiredToken",
        "The security token included in the request is expired",
    )]);
    let run = ok(f.run(&["use", "admin", "--shell", "bash", "--token-code", GOOD_CODE]));
    assert!(
        run.stderr
            .contains("no longer accepts the cached MFA session"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("ASIAFAKEROLE"), "{run:#?}");
    assert_eq!(f.sts.count("GetSessionToken"), 2);
    assert_eq!(f.sts.count("AssumeRole"), 3);
    // Without a code to give, the same situation fails cleanly and says why.
    f.sts.then([Fault::Error(
        403,
        "ExpiredToken",
        "The security token included in the request is expired",
    )]);
    lapse(&f, "role-admin.json");
    let run = f.run(&["use", "admin", "--shell", "bash"]);
    assert_eq!(run.code, Some(2), "no terminal to ask on: {run:#?}");
    assert_eq!(run.stdout, "");
}

const ROLE_LONG: &str = "arn:aws:iam::210987654321:role/long";

/// `long` asks for two hours on top of the profile with keys; `onlong` is a role assumed from
/// it (role chaining, an hour).
fn long_fixture() -> Fixture {
    let f = roles_fixture(&format!(
        "\n[profile long]\nrole_arn = {ROLE_LONG}\nsource_profile = base\nduration_seconds = 7200\n\n\
         [profile onlong]\nrole_arn = {ROLE_DEV}\nsource_profile = long\n"
    ));
    f.sts.max_session(ROLE_LONG, 43200);
    f
}

#[test]
fn a_role_longer_than_an_hour_is_assumed_with_the_long_term_keys_and_one_code() {
    let f = long_fixture();
    let run = f.login("long");
    assert!(
        run.stdout
            .contains("export AWS_ACCESS_KEY_ID='ASIAFAKEROLE"),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("role session valid for 1h 59m")
            || run.stderr.contains("role session valid for 2h 00m"),
        "{run:#?}"
    );
    let reqs = f.sts.requests();
    assert_eq!(reqs.len(), 1, "no GetSessionToken: {reqs:#?}");
    let r = &reqs[0];
    assert_eq!(r.params["Action"], "AssumeRole");
    assert_eq!(r.params["RoleArn"], ROLE_LONG);
    assert_eq!(r.params["DurationSeconds"], "7200");
    assert_eq!(r.params["SerialNumber"], SERIAL);
    assert_eq!(r.params["TokenCode"], GOOD_CODE);
    assert_eq!(
        r.access_key_id, ACCESS_KEY_ID,
        "signed with the long-term keys"
    );
    assert!(!r.session_signed);
    // Cached as the role's session: the next use needs no code and no request.
    assert!(f.path(".cache/mfaenv/role-long.json").exists());
    assert!(!f.path(".cache/mfaenv/mfa-base.json").exists());
    let again = ok(f.run(&["use", "long", "--shell", "bash"]));
    assert_eq!(again.stdout, run.stdout);
    assert_eq!(f.sts.requests().len(), 1);
    // A role of an hour on the same identity shares the MFA session, which this code did not
    // make: it needs a code of its own (no terminal here, so it says so).
    let short = f.run(&["use", "admin", "--shell", "bash"]);
    assert_eq!(short.code, Some(2), "{short:#?}");
    f.login("admin");
    assert_eq!(f.sts.count("GetSessionToken"), 1);
}

#[test]
fn a_role_chained_on_a_long_role_renews_from_the_long_roles_cached_session() {
    let f = long_fixture();
    let run = f.login("onlong");
    assert!(run.stderr.contains("role session valid for"), "{run:#?}");
    let reqs = f.sts.requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    assert_eq!(reqs[0].params["RoleArn"], ROLE_LONG);
    assert!(!reqs[0].session_signed);
    assert_eq!(reqs[1].params["RoleArn"], ROLE_DEV);
    assert!(reqs[1].session_signed && reqs[1].access_key_id.starts_with("ASIAFAKEROLE"));
    // The chained role's hour is over: renewed from long's cached session, without a code.
    lapse(&f, "role-onlong.json");
    ok(f.run(&["use", "onlong", "--shell", "bash"]));
    assert_eq!(f.sts.count("AssumeRole"), 3);
    assert!(!f.sts.requests()[2].params.contains_key("TokenCode"));
    // And long itself is served from the cache.
    ok(f.run(&["use", "long", "--shell", "bash"]));
    assert_eq!(f.sts.requests().len(), 3);
    // Logging out of onlong leaves nothing to renew it from silently.
    ok(f.run(&["logout", "onlong", "--shell", "bash"]));
    assert!(!f.path(".cache/mfaenv/role-long.json").exists());
    let run = f.run(&["use", "onlong", "--shell", "bash"]);
    assert_eq!(run.code, Some(2), "a new code is needed: {run:#?}");
}

#[test]
fn duration_flag_is_for_mfa_sessions_and_a_long_role_keeps_its_duration_seconds() {
    let f = long_fixture();
    let run = ok(f.run(&[
        "use",
        "long",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
        "--duration",
        "1h",
    ]));
    assert!(
        run.stderr.contains("--duration 3600 s is for MFA sessions; role arn:aws:iam::210987654321:role/long of profile 'long' is assumed with your code for its duration_seconds (7200 s)"),
        "{run:#?}"
    );
    assert_eq!(f.sts.requests()[0].params["DurationSeconds"], "7200");
}

#[test]
fn a_role_asked_for_more_than_its_max_session_duration_is_explained() {
    let f = long_fixture();
    // The role's owner never raised its MaxSessionDuration from AWS's default hour.
    f.sts.max_session(ROLE_LONG, 3600);
    let run = f.run(&["use", "long", "--shell", "bash", "--token-code", GOOD_CODE]);
    run.assert_fails(2, "MaxSessionDuration");
    assert!(
        run.stderr
            .contains("role arn:aws:iam::210987654321:role/long of profile 'long'"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("duration_seconds"), "{run:#?}");
    assert!(!run.stderr.contains("another role"), "{run:#?}");
    assert!(!f.path(".cache/mfaenv/role-long.json").exists());
}

#[test]
fn a_role_session_of_an_hour_or_less_says_role_session() {
    let f = roles_fixture("");
    let run = f.login("admin");
    assert!(run.stderr.contains("role session valid for"), "{run:#?}");
    assert!(!run.stderr.contains("MFA session"), "{run:#?}");
    let run = f.login("base");
    assert!(run.stderr.contains("MFA session valid for"), "{run:#?}");
}

#[test]
fn verbose_names_the_sts_endpoint_used() {
    let f = Fixture::new();
    let run = ok(f.run(&[
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
        "-v",
    ]));
    assert!(
        run.stderr
            .contains(&format!("mfaenv: STS endpoint {}/", f.sts.url)),
        "{run:#?}"
    );
    // AWS_ENDPOINT_URL (all services) is followed too, as the SDK's rules say.
    let mut cmd = f.cmd(&[
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
        "-v",
        "--force",
    ]);
    cmd.env_remove("AWS_ENDPOINT_URL_STS")
        .env("AWS_ENDPOINT_URL", &f.sts.url);
    let run = ok(Run::from(cmd.output().unwrap()));
    assert!(
        run.stderr
            .contains(&format!("mfaenv: STS endpoint {}/", f.sts.url)),
        "{run:#?}"
    );
}

#[test]
fn server_text_in_a_role_notice_is_inert() {
    let f = roles_fixture("");
    // A hostile endpoint's AssumedRoleUser: an account that retitles the terminal and forges
    // a line of its own.
    f.sts
        .assumed_arn("arn:aws:sts::21098\x1b]0;pwned\x07\r\nmfaenv: all good:assumed-role/admin/x");
    let run = f.login("admin");
    assert!(
        !run.stderr
            .trim_end_matches('\n')
            .chars()
            .any(char::is_control),
        "{run:#?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    assert!(run.stderr.contains("role session valid for"), "{run:#?}");
}

#[test]
fn a_wrong_code_for_a_long_role_is_said_as_for_any_code() {
    let f = long_fixture();
    let run = f.run(&["use", "long", "--shell", "bash", "--token-code", "111111"]);
    run.assert_fails(1, "AWS rejected the MFA code");
    assert_eq!(f.sts.count("AssumeRole"), 1);
    assert!(!f.path(".cache/mfaenv/role-long.json").exists());
}
