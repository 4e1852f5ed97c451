//! `mfaenv use` and `mfaenv unset` end to end against the fake STS: every shell, every bad
//! input, every fault, and the stream contract (script on stdout, nothing else; secrets only
//! there).

mod common;

use common::fake_sts::{
    self, Fault, GOOD_CODE, SERIAL, SESSION_KEY_ID, SESSION_SECRET, SESSION_TOKEN,
};
use common::*;
use std::process::Command;

fn use_ok(f: &Fixture, shell: &str) -> Run {
    let run = f.run(&["use", "foobar", "--shell", shell, "--token-code", GOOD_CODE]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_no_secret(&run.stderr);
    run
}

/// Evaluates a script in a real shell and prints `NAME=value` for the AWS variables.
fn eval_and_print(shell: &str, script: &str, preset: &[(&str, &str)]) -> String {
    let names = mfaenv::session::VARIABLES;
    let (program, args, body): (&str, &[&str], String) = match shell {
        "fish" => (
            "fish",
            &["--no-config", "-c"],
            format!(
                "printf '%s' \"$MFAENV_SCRIPT\" | source\n{}",
                names
                    .iter()
                    .map(|n| format!("set -q {n}; and printf '%s=%s\\n' {n} \"${n}\"\n"))
                    .collect::<String>()
            ),
        ),
        _ => (
            shell,
            &["-c"],
            format!(
                "eval \"$MFAENV_SCRIPT\"\n{}",
                names
                    .iter()
                    .map(|n| format!("[ -n \"${{{n}+x}}\" ] && printf '%s=%s\\n' {n} \"${n}\"\n"))
                    .collect::<String>()
            ),
        ),
    };
    let mut cmd = Command::new(program);
    cmd.args(args).arg(body).env("MFAENV_SCRIPT", script);
    for (k, v) in preset {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn use_exports_the_session_in_bash_zsh_and_fish() {
    let f = Fixture::new();
    for shell in ["bash", "zsh", "fish"] {
        if !have(shell) {
            eprintln!("SKIPPED {shell}: not installed (.ci/run installs it)");
            continue;
        }
        let run = use_ok(&f, shell);
        let env = eval_and_print(shell, &run.stdout, &[]);
        for expected in [
            format!("AWS_ACCESS_KEY_ID={SESSION_KEY_ID}"),
            format!("AWS_SECRET_ACCESS_KEY={SESSION_SECRET}"),
            format!("AWS_SESSION_TOKEN={SESSION_TOKEN}"),
            format!("AWS_SECURITY_TOKEN={SESSION_TOKEN}"),
            "AWS_REGION=eu-west-1".to_owned(),
            "AWS_DEFAULT_REGION=eu-west-1".to_owned(),
            "MFAENV_PROFILE=foobar".to_owned(),
        ] {
            assert!(
                env.lines().any(|l| l == expected),
                "{shell}: no {expected} in\n{env}"
            );
        }
        let expiry = env
            .lines()
            .find_map(|l| l.strip_prefix("AWS_SESSION_EXPIRATION="))
            .unwrap();
        assert!(env.contains(&format!("AWS_CREDENTIAL_EXPIRATION={expiry}")));
        assert_eq!(expiry.len(), "2026-11-23T19:27:32Z".len(), "{expiry}");
        assert!(
            expiry.ends_with('Z') && expiry.as_bytes()[10] == b'T',
            "{expiry}"
        );
    }
}

#[test]
fn use_prints_powershell_and_cmd_scripts() {
    let f = Fixture::new();
    let ps = use_ok(&f, "powershell").stdout;
    assert!(
        ps.contains(&format!(
            "$Env:AWS_SECRET_ACCESS_KEY = '{SESSION_SECRET}'\n"
        )),
        "{ps}"
    );
    assert!(ps.contains("$Env:MFAENV_PROFILE = 'foobar'\n"), "{ps}");
    // Ten saves, ten values, the record of their names.
    assert_eq!(ps.lines().count(), 21, "{ps}");
    assert_eq!(use_ok(&f, "pwsh").stdout, ps);
    let cmd = use_ok(&f, "cmd").stdout;
    assert!(
        cmd.contains(&format!("set \"AWS_SESSION_TOKEN={SESSION_TOKEN}\"\n")),
        "{cmd}"
    );
    assert!(cmd.lines().all(|l| l.starts_with("set \"")), "{cmd}");
    assert!(cmd.ends_with("set \"MFAENV_VARS=AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_SESSION_EXPIRATION AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION MFAENV_SESSION_SECONDS MFAENV_PROFILE\"\n"), "{cmd}");
}

#[test]
fn notice_follows_on_stderr_with_profile_account_and_time_left() {
    let f = Fixture::new();
    let run = use_ok(&f, "bash");
    let line = run.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("profile 'foobar' (account 123456789012)"),
        "{line}"
    );
    assert!(
        line.contains("valid for 11h 59m") || line.contains("valid for 12h 00m"),
        "{line}"
    );
    let quiet = f.run(&[
        "use",
        "foobar",
        "-q",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
    ]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (Some(0), ""));
}

#[test]
fn profile_defaults_to_aws_profile_then_default() {
    let f = Fixture::new();
    let run = f.run_env(
        &["use", "--shell", "bash", "--token-code", GOOD_CODE],
        &[("AWS_PROFILE", "noregion")],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.contains("MFAENV_PROFILE='noregion'"));
    assert!(
        !run.stdout.contains("export AWS_REGION='")
            && !run.stdout.contains("export AWS_DEFAULT_REGION='"),
        "no region: none exported"
    );
    let run = f.run(&["use", "--shell", "bash", "--token-code", GOOD_CODE]);
    run.assert_fails(2, "profile 'default' not found");
}

#[test]
fn shell_comes_from_mfaenv_shell_else_bash_with_a_notice() {
    let f = Fixture::new();
    let run = f.run_env(
        &["use", "foobar", "--token-code", GOOD_CODE],
        &[("MFAENV_SHELL", "fish")],
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("set -gx AWS_ACCESS_KEY_ID ")),
        "{run:#?}"
    );
    // Started by the test harness, not a shell: bash syntax and a word about it.
    let run = f.run(&["use", "foobar", "--token-code", GOOD_CODE]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("export AWS_ACCESS_KEY_ID=")),
        "{run:#?}"
    );
    assert!(run.stderr.contains("--shell"), "{run:#?}");
    // Started by a shell: that shell's syntax, no notice.
    if have("zsh") {
        let cmd = f.cmd(&[]);
        let out = Command::new("zsh")
            .args([
                "-c",
                &format!(
                    "{} use foobar --token-code {GOOD_CODE}; true",
                    bin().display()
                ),
            ])
            .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env_remove("MFAENV_SHELL")
            .output()
            .unwrap();
        let out = Run::from(out);
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with("export AWS_ACCESS_KEY_ID=")),
            "{out:#?}"
        );
        assert!(!out.stderr.contains("--shell"), "{out:#?}");
    }
}

#[test]
fn keys_come_from_the_files_not_the_environment() {
    // Inside an mfaenv session the environment holds session keys; STS refuses GetSessionToken
    // signed with those, so `use` must sign with the profile's long-term keys.
    let f = Fixture::new();
    let run = f.run_env(
        &[
            "use",
            "foobar",
            "--shell",
            "bash",
            "--token-code",
            GOOD_CODE,
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "ASIAOLDSESSION000001"),
            ("AWS_SECRET_ACCESS_KEY", "oldsecret"),
            ("AWS_SESSION_TOKEN", "oldtoken"),
            ("AWS_PROFILE", "nokeys"),
        ],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    let req = &f.sts.requests()[0];
    assert_eq!(req.access_key_id, fake_sts::ACCESS_KEY_ID);
    assert!(
        !req.session_signed,
        "signed with the environment's session token"
    );
}

#[test]
fn duration_and_serial_flags_reach_sts() {
    let f = Fixture::new();
    let run = f.run(&[
        "use",
        "noserial",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
        "--serial-number",
        SERIAL,
        "--duration",
        "90m",
    ]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let req = &f.sts.requests()[0];
    assert_eq!(req.params["DurationSeconds"], "5400");
    assert_eq!(req.params["SerialNumber"], SERIAL);
}

#[test]
fn mfa_process_supplies_the_code() {
    let f = Fixture::with_files(
        &format!(
            "[profile yk]\nmfa_serial = {SERIAL}\nmfa_process = echo {GOOD_CODE}; echo touch-me >&2\n"
        ),
        &format!(
            "[yk]\naws_access_key_id = {}\naws_secret_access_key = {LONG_TERM_SECRET}\n",
            fake_sts::ACCESS_KEY_ID
        ),
    );
    let run = f.run(&["use", "yk", "--shell", "bash"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stderr.contains("touch-me"),
        "the process's stderr reaches the user"
    );
    assert_eq!(f.sts.requests()[0].params["TokenCode"], GOOD_CODE);
}

#[test]
fn bad_input_is_a_usage_or_config_error_before_any_call() {
    let f = Fixture::new();
    let cases: &[(&[&str], &str)] = &[
        (&["use", "nosuch"], "profile 'nosuch' not found"),
        (&["use", "fooba"], "did you mean 'foobar'"),
        (&["use", "noserial"], "has no mfa_serial"),
        (&["use", "nokeys"], "has no aws_access_key_id"),
        (
            &["use", "foobar", "--serial-number", "short"],
            "invalid MFA serial",
        ),
        (
            &[
                "use",
                "foobar",
                "--serial-number",
                "arn:aws:iam::1:mfa/$(id)",
            ],
            "invalid MFA serial",
        ),
        (
            &["use", "foobar", "--token-code", "12345"],
            "--token-code takes the 6-digit code",
        ),
        (
            &["use", "foobar", "--token-code", "abcdef"],
            "--token-code takes the 6-digit code",
        ),
        (
            &["use", "foobar", "--duration", "10m"],
            "900 to 129600 seconds",
        ),
        (
            &["use", "foobar", "--duration", "37h"],
            "900 to 129600 seconds",
        ),
        (
            &["use", "foobar", "--shell", "tcsh"],
            "invalid value 'tcsh'",
        ),
    ];
    for (args, needle) in cases {
        let run = f.run(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:#?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.contains(needle), "{args:?}: {run:#?}");
        assert_no_secret(&run.stderr);
    }
    assert_eq!(f.sts.requests().len(), 0, "no call on bad input");
}

#[cfg(unix)]
#[test]
fn without_a_terminal_or_token_code_the_error_says_what_to_do() {
    use std::os::unix::process::CommandExt;
    let f = Fixture::new();
    let mut cmd = f.cmd(&["use", "foobar", "--shell", "bash"]);
    // SAFETY: setsid is async-signal-safe; it detaches the child from any terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let run = Run::from(cmd.output().unwrap());
    run.assert_fails(2, "no terminal to ask for the MFA code of profile 'foobar'");
    assert!(run.stderr.contains("--token-code"), "{run:#?}");
}

#[test]
fn endpoint_follows_the_profile_endpoint_url() {
    let f = Fixture::new();
    let config = format!(
        "[profile ep]\nmfa_serial = {SERIAL}\nendpoint_url = {}\n",
        f.sts.url
    );
    std::fs::write(f.path(".aws/config"), config).unwrap();
    std::fs::write(
        f.path(".aws/credentials"),
        format!(
            "[ep]\naws_access_key_id = {}\naws_secret_access_key = {LONG_TERM_SECRET}\n",
            fake_sts::ACCESS_KEY_ID
        ),
    )
    .unwrap();
    let run = Run::from(
        f.cmd(&["use", "ep", "--shell", "bash", "--token-code", GOOD_CODE])
            .env_remove("AWS_ENDPOINT_URL_STS")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(f.sts.count("GetSessionToken"), 1);
}

#[test]
fn verbose_says_what_happens_and_never_a_secret() {
    let f = Fixture::new();
    let run = f.run(&[
        "use",
        "foobar",
        "-v",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
    ]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stderr.contains("GetSessionToken answered in"),
        "{run:#?}"
    );
    assert!(run.stderr.contains(SERIAL), "{run:#?}");
    assert_no_secret(&run.stderr);
    assert!(!run.stderr.contains(GOOD_CODE), "the code is not logged");
    let f = Fixture::new();
    f.sts.always(Fault::Status(500));
    let run = f.run(&[
        "use",
        "foobar",
        "-v",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
    ]);
    assert_eq!(run.stdout, "");
    assert_no_secret(&run.stderr);
}

#[test]
fn hostile_values_from_sts_evaluate_to_themselves() {
    let f = Fixture::new();
    let secret = "s'e\"c$(touch CANARY)`touch CANARY`\\r;e|t&%!^~ü";
    let token = "t\\'o\nk'e\"n";
    f.sts.hand_out("ASIA'$(touch CANARY)", secret, token);
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        if !have(shell) {
            continue;
        }
        let run = use_ok(&f, shell);
        let mut cmd = Command::new(shell);
        let print = "printf '%s\\0' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\"";
        let body = if shell == "fish" {
            format!("printf '%s' \"$MFAENV_SCRIPT\" | source; {print}")
        } else {
            format!("eval \"$MFAENV_SCRIPT\"; {print}")
        };
        let out = cmd
            .arg("-c")
            .arg(body)
            .env("MFAENV_SCRIPT", &run.stdout)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("ASIA'$(touch CANARY)\0{secret}\0{token}\0"),
            "{shell}"
        );
        assert!(
            !dir.path().join("CANARY").exists(),
            "{shell} ran code from STS"
        );
    }
    let run = f.run(&["use", "foobar", "--shell", "cmd", "--token-code", GOOD_CODE]);
    run.assert_fails(1, "cmd cannot hold safely");
}

#[test]
fn unset_removes_exactly_the_session_variables_in_every_shell() {
    let f = Fixture::new();
    let preset: Vec<(&str, &str)> = mfaenv::session::VARIABLES
        .iter()
        .map(|n| (*n, "x"))
        .collect();
    for shell in ["bash", "zsh", "fish"] {
        if !have(shell) {
            continue;
        }
        let run = f.run(&["unset", "--shell", shell]);
        assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{shell}");
        let left = eval_and_print(shell, &run.stdout, &preset);
        assert_eq!(left, "", "{shell} kept {left}");
    }
    let ps = f.run(&["unset", "--shell", "powershell"]).stdout;
    assert_eq!(ps.lines().count(), 11, "ten restores and the record: {ps}");
    assert!(ps.contains("Remove-Item Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue }\n"));
    assert!(ps.ends_with("Remove-Item Env:MFAENV_VARS -ErrorAction SilentlyContinue\n"));
    // cmd cannot decide in the script: mfaenv removes what the record names, all of an
    // mfaenv session without one, nothing of a shell without an mfaenv session.
    let cmd = f.run_env(
        &["unset", "--shell", "cmd"],
        &[("MFAENV_PROFILE", "foobar")],
    );
    assert!(
        cmd.stdout.contains("set MFAENV_PROFILE=\n") && cmd.stdout.lines().count() == 11,
        "{cmd:#?}"
    );
    let cmd = f.run_env(
        &["unset", "--shell", "cmd"],
        &[
            ("MFAENV_PROFILE", "foobar"),
            ("MFAENV_VARS", "AWS_ACCESS_KEY_ID MFAENV_PROFILE"),
        ],
    );
    assert_eq!(
        cmd.stdout,
        "set AWS_ACCESS_KEY_ID=\nset MFAENV_PROFILE=\nset MFAENV_VARS=\n"
    );
    let cmd = f.run_env(&["unset", "--shell", "cmd"], &[("AWS_REGION", "us-east-1")]);
    assert_eq!(cmd.stdout, "set MFAENV_VARS=\n");
}

/// A profile name that reads as an option is refused wherever it comes from (after `--`, from
/// AWS_PROFILE, from MFAENV_PROFILE for logout): one line, exit 2, nothing on stdout, so no
/// hook can be made to evaluate help or version text.
#[test]
fn option_like_profile_names_are_refused_wherever_they_come_from() {
    let f = Fixture::new();
    for name in ["--help", "--version", "-V", "-h", "--shell=fish"] {
        let run = f.run(&["use", "--shell", "bash", "--", name]);
        run.assert_fails(2, "cannot start with '-'");
        let run = f.run_env(
            &["use", "--shell", "bash", "--token-code", GOOD_CODE],
            &[("AWS_PROFILE", name)],
        );
        run.assert_fails(2, "(from AWS_PROFILE)");
        let run = f.run_env(&["logout", "--shell", "bash"], &[("MFAENV_PROFILE", name)]);
        run.assert_fails(2, "cannot start with '-'");
    }
}

/// MFAENV_REFRESH_MARGIN follows the hooks' rule (1 to 6 digits, else 60 with one warning;
/// empty is unset), and a margin longer than half the session is clamped with one warning.
#[test]
fn refresh_margin_follows_the_hooks_rule_and_is_clamped_with_one_warning() {
    let f = Fixture::new();
    let args = [
        "use",
        "foobar",
        "--shell",
        "bash",
        "--token-code",
        GOOD_CODE,
    ];
    for (margin, warned) in [
        ("", false),
        ("0", false),
        ("300", false),
        (" 5", true),
        ("5 ", true),
        ("+5", true),
        ("1000000", true),
        ("4294967297", true),
        ("5s", true),
    ] {
        let run = f.run_env(&args, &[("MFAENV_REFRESH_MARGIN", margin)]);
        assert_eq!(run.code, Some(0), "{run:#?}");
        let warnings = run
            .stderr
            .matches("is not a number of seconds (1 to 6 digits); using 60")
            .count();
        assert_eq!(warnings, usize::from(warned), "{margin:?}: {run:#?}");
    }
    // 12 h sessions: a margin of a day is clamped to 6 h, said once.
    let run = f.run_env(&args, &[("MFAENV_REFRESH_MARGIN", "86400")]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let line = "MFAENV_REFRESH_MARGIN=86400 is more than half of this session's ";
    assert_eq!(run.stderr.matches(line).count(), 1, "{run:#?}");
    assert_eq!(
        run.stderr.lines().count(),
        2,
        "the notice and the warning: {run:#?}"
    );
    let life: u32 = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("export MFAENV_SESSION_SECONDS='"))
        .and_then(|v| v.strip_suffix('\''))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{run:#?}"));
    assert!((43190..=43200).contains(&life), "{life}");
    let kept = format!(
        "mfaenv and the shell hooks renew it {} seconds before it lapses instead",
        life / 2
    );
    assert!(run.stderr.contains(&kept), "{run:#?}");
    // mfaenv applies the same clamp: the session it just cached still serves (no code asked,
    // none could be: there is no terminal), and a margin longer than any session is no error.
    for margin in ["86400", "999999"] {
        let run = f.run_env(
            &["use", "foobar", "--shell", "bash"],
            &[("MFAENV_REFRESH_MARGIN", margin)],
        );
        assert_eq!(run.code, Some(0), "{margin}: {run:#?}");
        assert!(run.stdout.contains("AWS_SESSION_TOKEN"), "{run:#?}");
    }
    assert_eq!(
        f.sts.count("GetSessionToken"),
        1,
        "every later run is served from the cache"
    );
    let run = f.run_env(&args, &[("MFAENV_REFRESH_MARGIN", "3600")]);
    assert!(!run.stderr.contains("more than half"), "{run:#?}");
}

/// In a shell that inherited an mfaenv session (a child of the shell that ran `use`), the
/// record names mfaenv's variables but no saved values are there: `unset` removes exactly the
/// names recorded and leaves a variable mfaenv never set (here the user's own region) alone.
#[test]
fn unset_in_a_child_shell_removes_what_the_record_names_and_nothing_else() {
    let f = Fixture::new();
    let preset = [
        ("AWS_ACCESS_KEY_ID", SESSION_KEY_ID),
        ("AWS_SESSION_TOKEN", "t"),
        ("MFAENV_PROFILE", "noregion"),
        (
            "MFAENV_VARS",
            "AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN MFAENV_PROFILE",
        ),
        ("AWS_REGION", "us-east-2"),
    ];
    for shell in ["bash", "zsh", "fish"] {
        if !have(shell) {
            continue;
        }
        let run = f.run(&["unset", "--shell", shell]);
        let left = eval_and_print(shell, &run.stdout, &preset);
        assert_eq!(left, "AWS_REGION=us-east-2\n", "{shell}");
    }
}

/// The values `use` saves for `unset` stay in the shell: even with every assignment exported
/// (`set -a`, zsh's allexport), no child process sees them.
#[test]
fn saved_values_are_never_exported() {
    let f = Fixture::new();
    for (shell, allexport) in [("bash", "set -a"), ("zsh", "setopt allexport")] {
        if !have(shell) {
            continue;
        }
        let script = use_ok(&f, shell).stdout;
        let out = Command::new(shell)
            .args([
                "-c",
                &format!("{allexport}\neval \"$MFAENV_SCRIPT\"\nunset MFAENV_SCRIPT\nenv"),
            ])
            .env("MFAENV_SCRIPT", &script)
            .env("AWS_SECRET_ACCESS_KEY", LONG_TERM_SECRET)
            .output()
            .unwrap();
        let env = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{shell}: {out:?}"
        );
        assert!(
            env.contains(&format!("AWS_SECRET_ACCESS_KEY={SESSION_SECRET}")),
            "{shell}"
        );
        assert!(
            !env.contains(LONG_TERM_SECRET),
            "{shell}: a saved value was exported"
        );
        assert!(
            !env.lines().any(|l| l.starts_with("_mfaenv_o_")),
            "{shell}: {env}"
        );
    }
}

/// cmd.exe, simulated as cmd and Clink apply the lines (`set "N=v"` sets, `set N=` removes):
/// the README's sequence gives back the user's own regions (kept, not being secrets, in
/// exported `MFAENV_SAVED_*` copies), leaves no stale region, and `unset` removes exactly what
/// `use` set; the user's own key, which cmd cannot keep without exporting it, is removed.
#[test]
fn cmd_keeps_the_users_regions_and_removes_exactly_what_use_set() {
    use std::collections::BTreeMap;
    fn apply(env: &mut BTreeMap<String, String>, script: &str) {
        for line in script.lines() {
            if let Some(rest) = line
                .strip_prefix("set \"")
                .and_then(|l| l.strip_suffix('"'))
            {
                let (name, value) = rest.split_once('=').unwrap();
                env.insert(name.to_owned(), value.to_owned());
            } else if let Some(name) = line.strip_prefix("set ").and_then(|l| l.strip_suffix('=')) {
                env.remove(name);
            } else {
                panic!("not a cmd set line: {line}");
            }
        }
    }
    let f = Fixture::new();
    let run = |env: &BTreeMap<String, String>, args: &[&str]| {
        let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let run = f.run_env(args, &vars);
        assert_eq!(run.code, Some(0), "{run:#?}");
        run.stdout
    };
    let mut env: BTreeMap<String, String> = [
        ("AWS_REGION", "us-east-2"),
        ("AWS_DEFAULT_REGION", "ap-south-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAUSERSOWNKEY00000"),
        ("AWS_PROFILE", "mine"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let before = env.clone();
    let code = ["--shell", "cmd", "--token-code", GOOD_CODE];
    let script = run(&env, &[&["use", "foobar"][..], &code].concat());
    assert!(
        script.contains("set \"MFAENV_SAVED_AWS_REGION=us-east-2\"\n"),
        "{script}"
    );
    apply(&mut env, &script);
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    assert_eq!(env["AWS_ACCESS_KEY_ID"], SESSION_KEY_ID);
    // Again, with the session on: the user's region stays saved, not mfaenv's.
    let script = run(&env, &[&["use", "foobar"][..], &code].concat());
    assert!(!script.contains("MFAENV_SAVED"), "{script}");
    apply(&mut env, &script);
    let script = run(&env, &[&["use", "noregion"][..], &code].concat());
    apply(&mut env, &script);
    assert_eq!(
        (
            env["AWS_REGION"].as_str(),
            env["AWS_DEFAULT_REGION"].as_str()
        ),
        ("us-east-2", "ap-south-1"),
        "no stale region: {script}"
    );
    assert_eq!(env["MFAENV_PROFILE"], "noregion");
    let script = run(&env, &["unset", "--shell", "cmd"]);
    apply(&mut env, &script);
    let mut expected = before;
    expected.remove("AWS_ACCESS_KEY_ID");
    assert_eq!(env, expected, "{script}");
    // A region cmd cannot carry safely is not kept: unset removes it instead.
    let mut env: BTreeMap<String, String> = [("AWS_REGION".to_owned(), "a&b".to_owned())].into();
    let script = run(&env, &[&["use", "foobar"][..], &code].concat());
    assert!(
        !script.contains("a&b") && !script.contains("MFAENV_SAVED"),
        "{script}"
    );
    apply(&mut env, &script);
    let script = run(&env, &["unset", "--shell", "cmd"]);
    apply(&mut env, &script);
    assert!(env.is_empty(), "{env:?}");
    // A copy planted in the environment is held to the same rule: never spliced in raw.
    for planted in [
        "x\" & calc & \"",
        "%PATH%",
        "a\nset \"AWS_ACCESS_KEY_ID=EVIL\"",
    ] {
        let env: BTreeMap<String, String> = [
            ("MFAENV_PROFILE", "foobar"),
            ("MFAENV_VARS", "AWS_REGION MFAENV_PROFILE"),
            ("MFAENV_SAVED_AWS_REGION", planted),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let script = run(&env, &["unset", "--shell", "cmd"]);
        assert_eq!(
            script,
            "set AWS_REGION=\nset MFAENV_SAVED_AWS_REGION=\nset MFAENV_PROFILE=\nset MFAENV_VARS=\n",
            "{planted:?}"
        );
    }
}

/// The scripts run in strict shells (`set -euo pipefail`, zsh's nounset and errexit) without a
/// word, whether the variables were set before or not.
#[test]
fn scripts_run_in_strict_shells() {
    let f = Fixture::new();
    for shell in ["bash", "zsh"] {
        if !have(shell) {
            continue;
        }
        let use_script = use_ok(&f, shell).stdout;
        let unset = f.run(&["unset", "--shell", shell]).stdout;
        for preset in [&[][..], &[("AWS_REGION", "us-east-2")][..]] {
            let out = Command::new(shell)
                .args([
                    "-euo",
                    "pipefail",
                    "-c",
                    "eval \"$U\"; eval \"$U\"; eval \"$X\"; eval \"$X\"; echo \"done ${AWS_REGION-none}\"",
                ])
                .env("U", &use_script)
                .env("X", &unset)
                .envs(preset.iter().copied())
                .env_remove("AWS_REGION")
                .envs(preset.iter().copied())
                .output()
                .unwrap();
            let expected = format!("done {}\n", preset.first().map_or("none", |p| p.1));
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                expected,
                "{shell}: {out:?}"
            );
            assert!(out.stderr.is_empty(), "{shell}: {out:?}");
        }
    }
}

/// Evaluating a script succeeds, so `… | source; and next` and `eval "$(…)" && next` go on:
/// in a fresh shell, with a session already there, and for `unset` with none. (fish's `set`
/// keeps the status of the line before, and `set -e` of a missing variable fails.)
#[test]
fn evaluating_use_and_unset_scripts_succeeds_in_every_shell() {
    let f = Fixture::new();
    for shell in ["bash", "zsh", "fish"] {
        if !have(shell) {
            continue;
        }
        let script = |args: &[&str]| {
            let run = f.run(args);
            assert_eq!(run.code, Some(0), "{run:#?}");
            run.stdout
        };
        let used = script(&[
            "use",
            "foobar",
            "--shell",
            shell,
            "-q",
            "--token-code",
            GOOD_CODE,
        ]);
        let unset = script(&["unset", "--shell", shell]);
        let (program, args, eval) = match shell {
            "fish" => (
                "fish",
                &["--no-config", "-c"][..],
                "printf '%s' \"$S\" | source; echo $status",
            ),
            _ => (shell, &["-c"][..], "eval \"$S\"; echo $?"),
        };
        for (what, text, preset) in [
            ("use, fresh", &used, &[][..]),
            ("use, again", &used, &[("MFAENV_PROFILE", "foobar")][..]),
            ("unset, no session", &unset, &[][..]),
        ] {
            let out = Command::new(program)
                .args(args)
                .arg(eval)
                .env("S", text)
                .envs(preset.iter().copied())
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                "0",
                "{shell}, {what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
