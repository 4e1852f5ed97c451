//! The completion scripts committed in completions/ are what `mfaenv completions` prints now.

mod common;

use common::{bin, have};
use std::path::Path;
use std::process::Command;

const FILES: [(&str, &str); 5] = [
    ("bash", "mfaenv.bash"),
    ("zsh", "_mfaenv"),
    ("fish", "mfaenv.fish"),
    ("powershell", "_mfaenv.ps1"),
    ("elvish", "mfaenv.elv"),
];

fn completions_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/completions"))
}

fn generate(shell: &str) -> String {
    let out = Command::new(bin())
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// With MFAENV_UPDATE_COMPLETIONS=1 it writes them instead.
#[test]
fn committed_completions_are_up_to_date() {
    let update = std::env::var_os("MFAENV_UPDATE_COMPLETIONS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (shell, file) in FILES {
        let fresh = generate(shell);
        let path = completions_dir().join(file);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            if update {
                std::fs::write(&path, fresh).unwrap();
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions in completions/: {stale:?}; refresh them with\n    \
         MFAENV_UPDATE_COMPLETIONS=1 cargo test --test completions"
    );
}

#[test]
fn bash_completes_subcommands_and_shells() {
    if !have("bash") {
        eprintln!("note: bash is not installed; skipping");
        return;
    }
    let script = r#"
        source "$1"
        COMP_WORDS=(mfaenv i); COMP_CWORD=1; _mfaenv mfaenv i mfaenv
        printf '%s\n' "${COMPREPLY[@]}"
        COMP_WORDS=(mfaenv init z); COMP_CWORD=2; _mfaenv mfaenv z init
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = Command::new("bash")
        .args(["--norc", "-c", script, "bash"])
        .arg(completions_dir().join("mfaenv.bash"))
        .output()
        .unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    let words: Vec<&str> = words.lines().map(str::trim).collect();
    assert!(words.contains(&"init") && words.contains(&"zsh"), "{out:?}");
}

#[test]
fn fish_completes_subcommands_and_shells() {
    if !have("fish") {
        eprintln!("note: fish is not installed; skipping");
        return;
    }
    let file = completions_dir().join("mfaenv.fish");
    let script = format!(
        "source '{}'; complete -C 'mfaenv in'; complete -C 'mfaenv unset --shell f'",
        file.display()
    );
    let out = Command::new("fish")
        .args(["--no-config", "-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("init\t") && text.contains("fish"), "{out:?}");
}

#[test]
fn zsh_parses_its_completions() {
    if !have("zsh") {
        eprintln!("note: zsh is not installed; skipping");
        return;
    }
    let out = Command::new("zsh")
        .arg("-n")
        .arg(completions_dir().join("_mfaenv"))
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}
