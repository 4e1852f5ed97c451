//! The README's starship and oh-my-posh snippets. Neither theme engine installs here, so each
//! snippet is read by a parser nobody here wrote (Python's `tomllib`, serde_json), its keys are
//! checked against the ones the engine documents, and the commands in it are run as the engine
//! runs them (starship: the command on the shell's stdin; oh-my-posh: `shell -c command`).

mod common;

use common::{Fixture, have, readme_block_containing};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// starship's documented options of a `[custom.NAME]` module.
const STARSHIP_CUSTOM: &[&str] = &[
    "command",
    "when",
    "require_repo",
    "shell",
    "description",
    "detect_files",
    "detect_folders",
    "detect_extensions",
    "symbol",
    "style",
    "format",
    "disabled",
    "os",
    "use_stdin",
    "ignore_timeout",
    "unsafe_no_escape",
];

/// starship's documented options of an `[env_var.NAME]` module.
const STARSHIP_ENV_VAR: &[&str] = &[
    "symbol",
    "variable",
    "default",
    "format",
    "description",
    "style",
    "disabled",
];

/// `MFAENV_PROFILE=foobar` and a session that lapses in an hour, or no session.
fn session_env(f: &Fixture, cmd: &mut Command, session: bool) {
    f.sandbox(cmd);
    let dir = common::bin().parent().unwrap().to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![dir];
    dirs.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(dirs).unwrap());
    if session {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        cmd.env("MFAENV_PROFILE", "foobar").env(
            "AWS_SESSION_EXPIRATION",
            common::fake_sts::rfc3339(now + 3600),
        );
    }
}

/// Runs `script` as starship does: the shell named, the script on its stdin.
fn starship_run(f: &Fixture, shell: &[String], script: &str, session: bool) -> common::Run {
    let mut cmd = Command::new(&shell[0]);
    cmd.args(&shell[1..]);
    session_env(f, &mut cmd, session);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    common::Run::from(child.wait_with_output().unwrap())
}

#[test]
fn starship_snippet_is_valid_toml_with_documented_keys_and_works() {
    if !have("python3") {
        return;
    }
    let toml = readme_block_containing("[custom.mfaenv]");
    let mut py = Command::new("python3")
        .args([
            "-c",
            "import sys, json, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    py.stdin.take().unwrap().write_all(toml.as_bytes()).unwrap();
    let out = py.wait_with_output().unwrap();
    assert!(out.status.success(), "not TOML: {out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();

    let env_var = &doc["env_var"]["MFAENV_PROFILE"];
    let keys: Vec<&String> = env_var.as_object().unwrap().keys().collect();
    for k in &keys {
        assert!(STARSHIP_ENV_VAR.contains(&k.as_str()), "env_var: {k}");
    }
    assert!(env_var["format"].as_str().unwrap().contains("$env_value"));

    let custom = &doc["custom"]["mfaenv"];
    for k in custom.as_object().unwrap().keys() {
        assert!(STARSHIP_CUSTOM.contains(&k.as_str()), "custom: {k}");
    }
    assert!(custom["format"].as_str().unwrap().contains("$output"));
    let shell: Vec<String> = custom["shell"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let when = custom["when"].as_str().unwrap();
    let command = custom["command"].as_str().unwrap();
    let f = Fixture::new();
    assert_eq!(starship_run(&f, &shell, when, true).code, Some(0));
    assert_ne!(starship_run(&f, &shell, when, false).code, Some(0));
    let run = starship_run(&f, &shell, command, true);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stdout == "foobar 59m\n" || run.stdout == "foobar 1h00m\n",
        "{run:#?}"
    );
}

#[test]
fn oh_my_posh_snippet_is_a_command_segment_that_works() {
    let json = readme_block_containing("\"type\": \"command\"");
    let segment: Value = serde_json::from_str(&json).expect("not JSON");
    assert_eq!(segment["type"], "command");
    assert!(
        segment["template"]
            .as_str()
            .unwrap()
            .contains("{{ .Output }}")
    );
    let props = segment["properties"].as_object().unwrap();
    for k in props.keys() {
        assert!(["shell", "command", "script"].contains(&k.as_str()), "{k}");
    }
    let shell = props["shell"].as_str().unwrap();
    let command = props["command"].as_str().unwrap();
    let f = Fixture::new();
    for session in [true, false] {
        let mut cmd = Command::new(shell);
        cmd.args(["-c", command]);
        session_env(&f, &mut cmd, session);
        let run = common::Run::from(cmd.output().unwrap());
        if session {
            assert!(run.stdout.starts_with("foobar "), "{run:#?}");
        } else {
            // Nothing, so the template's `if .Output` shows nothing.
            assert_eq!(run.stdout, "", "{run:#?}");
        }
    }
}
