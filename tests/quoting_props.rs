//! Quoting proven on generated values: every shell's export script is evaluated in the real
//! bash, zsh and fish (one process per batch) and every variable compared byte for byte, with a
//! canary file that any injected `touch CANARY` would create; PowerShell and cmd, which cannot
//! run here, by decoding the text with each shell's quoting grammar.
//!
//! The generators are in `props/`, shared with `parsers.rs` (PowerShell read by tree-sitter).

mod props;

use mfaenv::shell::Shell;
use props::*;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseResult, TestRunner};
use std::path::Path;
use std::process::Command;

/// Values with a NUL, which every shell must refuse.
const NUL_VALUES: u32 = 2_048;

fn have(program: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok();
    if !found {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("{program} is not installed, and under CI every check must run");
        }
        eprintln!("SKIPPED: {program} is not installed (.ci/run installs it)");
    }
    found
}

/// Evaluates the export script for `values` the way mfaenv's hook does, in a fresh tempdir as
/// the shell's cwd, and checks every variable byte for byte and that the canary never appears.
fn evaluates_exactly(shell: Shell, locale: &str, values: &[String]) -> TestCaseResult {
    let names = names(values.len());
    let vars: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(values.iter().map(String::as_str))
        .collect();
    let script = shell
        .export_script(&vars)
        .map_err(|e| TestCaseError::fail(format!("{shell:?} refused a value: {e}")))?;

    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    std::fs::write(dir.path().join("script"), &script)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let print: String = names
        .iter()
        .map(|n| format!("printf '%s\\0' \"${n}\"\n"))
        .collect();
    let (program, args, body): (&str, &[&str], String) = match shell {
        Shell::Fish => (
            "fish",
            &["--no-config", "-c"],
            format!("set -l script (cat script)\nstring join \\n -- $script | source\n{print}"),
        ),
        Shell::Zsh => (
            "zsh",
            &["--no-rcs", "-c"],
            format!("script=$(cat script) && eval \"$script\"\n{print}"),
        ),
        _ => (
            "bash",
            &["--norc", "--noprofile", "-c"],
            format!("script=$(cat script) && eval \"$script\"\n{print}"),
        ),
    };
    let out = run_shell(program, args, &body, dir.path(), locale)?;

    prop_assert!(
        !dir.path().join("CANARY").exists(),
        "{program} ({locale}) ran code from a value"
    );
    prop_assert!(
        out.status.success() && out.stderr.is_empty(),
        "{program} ({locale}) failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got = out.stdout.split(|b| *b == 0);
    for (i, value) in values.iter().enumerate() {
        let name = vars[i].0;
        let seen = got.next().unwrap_or_default();
        prop_assert!(
            seen == value.as_bytes(),
            "{program} ({locale}): {name} is {:?}, not {value:?}; its line: {:?}",
            String::from_utf8_lossy(seen),
            script.lines().nth(i).unwrap_or_default()
        );
    }
    prop_assert_eq!(
        got.next(),
        Some(&b""[..]),
        "{} printed more than asked",
        program
    );
    Ok(())
}

fn run_shell(
    program: &str,
    args: &[&str],
    body: &str,
    dir: &Path,
    locale: &str,
) -> Result<std::process::Output, TestCaseError> {
    Command::new(program)
        .args(args)
        .arg(body)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env("XDG_DATA_HOME", dir)
        .env("LC_ALL", locale)
        .output()
        .map_err(|e| TestCaseError::fail(format!("{program}: {e}")))
}

#[test]
fn bash_holds_every_generated_value() {
    if have("bash") {
        prove("bash", |(locale, values)| {
            evaluates_exactly(Shell::Bash, locale, &values)
        });
    }
}

#[test]
fn zsh_holds_every_generated_value() {
    if have("zsh") {
        prove("zsh", |(locale, values)| {
            evaluates_exactly(Shell::Zsh, locale, &values)
        });
    }
}

#[test]
fn fish_holds_every_generated_value() {
    if have("fish") {
        prove("fish", |(locale, values)| {
            evaluates_exactly(Shell::Fish, locale, &values)
        });
    }
}

/// PowerShell's single-quote characters: any of them opens, closes or (doubled) escapes.
const PS_SINGLE: &[char] = &['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
/// PowerShell's double-quote characters.
const PS_DOUBLE: &[char] = &['"', '\u{201C}', '\u{201D}', '\u{201E}'];

/// Decodes one line `$Env:NAME = EXPR` by PowerShell's grammar, EXPR being string literals
/// joined by `+`: single-quoted (verbatim; two quote characters in a row stand for the
/// second), or double-quoted with backtick escapes and no `$` (which would expand).
/// Returns the name and the value, or why the line is not such an assignment.
fn powershell_assignment(line: &str) -> Result<(&str, String), String> {
    let line = line.strip_suffix('\n').ok_or("no final newline")?;
    if line.contains(['\n', '\r']) {
        return Err("a line break inside the line".into());
    }
    let rest = line
        .strip_prefix("$Env:")
        .ok_or("not an $Env: assignment")?;
    let (name, expr) = rest.split_once(" = ").ok_or("no ` = `")?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("bad name {name:?}"));
    }
    let mut value = String::new();
    let mut chars = expr.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ').is_some() {}
        match chars.next() {
            Some(q) if PS_SINGLE.contains(&q) => loop {
                match chars.next() {
                    None => return Err("unterminated single-quoted string".into()),
                    Some(c) if PS_SINGLE.contains(&c) => {
                        match chars.next_if(|n| PS_SINGLE.contains(n)) {
                            Some(second) => value.push(second),
                            None => break,
                        }
                    }
                    Some(c) => value.push(c),
                }
            },
            Some(q) if PS_DOUBLE.contains(&q) => loop {
                match chars.next() {
                    None => return Err("unterminated double-quoted string".into()),
                    Some('`') => value.push(match chars.next() {
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('0') => '\0',
                        Some('a') => '\u{7}',
                        Some('b') => '\u{8}',
                        Some('e') => '\u{1B}',
                        Some('f') => '\u{C}',
                        Some('v') => '\u{B}',
                        Some('u') => return Err("`u escape".into()),
                        Some(c) => c,
                        None => return Err("backtick at the end".into()),
                    }),
                    Some('$') => return Err("`$` in a double-quoted string expands".into()),
                    Some(c) if PS_DOUBLE.contains(&c) => {
                        match chars.next_if(|n| PS_DOUBLE.contains(n)) {
                            Some(second) => value.push(second),
                            None => break,
                        }
                    }
                    Some(c) => value.push(c),
                }
            },
            other => return Err(format!("expected a string literal, found {other:?}")),
        }
        while chars.next_if(|c| *c == ' ').is_some() {}
        match chars.next() {
            None => return Ok((name, value)),
            Some('+') => {}
            Some(c) => return Err(format!("{c:?} after a string literal")),
        }
    }
}

#[test]
fn powershell_text_decodes_to_every_generated_value() {
    prove("powershell", |(_, values)| {
        for (name, value) in names(values.len()).iter().zip(&values) {
            let line = Shell::PowerShell
                .export(name, value)
                .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
            match powershell_assignment(&line) {
                Ok((n, v)) => {
                    prop_assert_eq!(n, name.as_str());
                    prop_assert!(v == *value, "{line:?} decodes to {v:?}, not {value:?}");
                }
                Err(why) => prop_assert!(false, "{line:?} is not a plain assignment: {why}"),
            }
        }
        Ok(())
    });
}

#[test]
fn the_powershell_grammar_decodes_and_rejects_as_powershell_does() {
    let decode = |line: &str| powershell_assignment(line).map(|(_, v)| v);
    assert_eq!(decode("$Env:X = 'a''b'\n"), Ok("a'b".to_owned()));
    assert_eq!(
        decode("$Env:X = 'a\u{2019}\u{2018}b\u{201B}\n"),
        Ok("a\u{2018}b".to_owned())
    );
    assert_eq!(
        decode("$Env:X = 'a' + \"`r\" + '' + \"`n\" + 'b'\n"),
        Ok("a\r\nb".to_owned())
    );
    assert_eq!(decode("$Env:X = \"a\"\"`$\"\n"), Ok("a\"$".to_owned()));
    for bad in [
        "$Env:X = 'a'b'\n",
        "$Env:X = 'a\u{2019}b'\n",
        "$Env:X = 'a' ; calc\n",
        "$Env:X = 'a' + \"$x\"\n",
        "$Env:X = 'a\nb'\n",
        "$Env:X = 'a'",
        "$Env:X = 'a\n",
        "$Env:X = 'a' +\n",
    ] {
        assert!(decode(bad).is_err(), "{bad:?}");
    }
}

/// Characters cmd.exe cannot carry through `for /f … do %i` and `set "NAME=v"`.
const CMD_FORBIDDEN: &[char] = &['"', '%', '!', '^', '&', '|', '<', '>'];

#[test]
fn cmd_sets_exactly_or_refuses_without_the_value() {
    prove("cmd", |(_, values)| {
        for (name, value) in names(values.len()).iter().zip(&values) {
            let plain = value
                .chars()
                .all(|c| (' '..='~').contains(&c) && !CMD_FORBIDDEN.contains(&c));
            match Shell::Cmd.export(name, value) {
                Ok(line) => {
                    prop_assert!(plain, "cmd took {value:?}");
                    prop_assert_eq!(line, format!("set \"{name}={value}\"\n"));
                }
                Err(e) => {
                    let e = e.to_string();
                    prop_assert!(!plain, "cmd refused the plain {value:?}: {e}");
                    prop_assert!(e.contains(name.as_str()), "{e} does not name the variable");
                    // Short values may occur in the message's own words.
                    prop_assert!(
                        value.len() < 12 || !e.contains(value.as_str()),
                        "{e} leaks the value"
                    );
                }
            }
        }
        Ok(())
    });
}

#[test]
fn every_shell_refuses_nul_without_the_value() {
    println!("nul: {NUL_VALUES} generated values");
    let values = (value(), value(), 1..4usize).prop_map(|(a, b, n)| {
        let nul = "\0".repeat(n);
        (format!("{a}{nul}{b}"), a, b)
    });
    let result = TestRunner::new(config(NUL_VALUES)).run(&values, |(value, a, b)| {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Cmd,
        ] {
            let e = match shell.export("MFAENV_NUL", &value) {
                Ok(line) => {
                    return Err(TestCaseError::fail(format!("{shell:?} took it: {line:?}")));
                }
                Err(e) => e.to_string(),
            };
            prop_assert!(e.contains("MFAENV_NUL"), "{shell:?}: {e}");
            prop_assert!(!e.contains('\0'), "{shell:?}: {e:?}");
            for part in [&a, &b] {
                prop_assert!(
                    part.len() < 12 || !e.contains(part.as_str()),
                    "{shell:?} leaks: {e}"
                );
            }
            let script =
                shell.export_script(&[("MFAENV_OK", "ok"), ("MFAENV_NUL", value.as_str())]);
            prop_assert!(script.is_err(), "{shell:?} printed a script with a NUL");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("nul: {e}");
    }
}
