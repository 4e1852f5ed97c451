//! Every shell's quoting rule, proven by evaluating the printed script in the real shell and
//! comparing each value byte for byte (PowerShell and cmd, which cannot run here, by text).

mod common;

use common::have;
use mfaenv::shell::Shell;
use std::process::Command;

/// Values chosen to break naive quoting: quotes of every kind, expansions, escapes, line breaks,
/// cmd and history metacharacters, glob and tilde, unicode, empty.
pub const HOSTILE: &[&str] = &[
    "plain",
    "",
    "'",
    "''",
    "it's",
    "\"double\"",
    "$(touch CANARY)",
    "`touch CANARY`",
    "${HOME}",
    "$HOME",
    "\\",
    "trailing\\",
    "\\'",
    "a\\nb",
    "line1\nline2",
    "\n",
    "ends with newline\n",
    "cr\rlf\r\n",
    "tab\tsep",
    "%PATH%",
    "!!",
    "!$",
    "^caret^",
    "a&b|c;d",
    "< > >> 2>&1",
    "(sub) {brace} [glob] * ?",
    "~",
    "~root",
    "=ls",
    "-e",
    "--help",
    "#not a comment",
    "\u{2018}curly\u{2019} \u{201A}low\u{201B} \u{201C}dq\u{201D}",
    "ünïcödé 日本語 🙂",
    "\u{7f}\u{1b}[31mred\u{1b}[0m",
    "; touch CANARY #",
    "' ; touch CANARY ; '",
    "\\'; touch CANARY; echo \\'",
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def==",
];

/// Evaluates `script` in `shell`, whole or each line on its own, and returns each variable's
/// value, NUL-separated.
fn eval_in(
    shell: &str,
    script: &str,
    names: &[&str],
    dir: &std::path::Path,
    per_line: bool,
) -> Vec<u8> {
    let (program, prelude, print): (&str, &[&str], String) = match shell {
        "fish" => (
            "fish",
            &["--no-config", "-c"],
            names
                .iter()
                .map(|n| format!("printf '%s\\0' \"${n}\"\n"))
                .collect(),
        ),
        "zsh" => (
            "zsh",
            &["--no-rcs", "-c"],
            names
                .iter()
                .map(|n| format!("printf '%s\\0' \"${n}\"\n"))
                .collect(),
        ),
        _ => (
            "bash",
            &["--norc", "--noprofile", "-c"],
            names
                .iter()
                .map(|n| format!("printf '%s\\0' \"${n}\"\n"))
                .collect(),
        ),
    };
    let body = match shell {
        "fish" if per_line => format!(
            "for line in (string split \\n -- \"$MFAENV_SCRIPT\")\n eval $line\nend\n{print}"
        ),
        "fish" => format!("printf '%s' \"$MFAENV_SCRIPT\" | source\n{print}"),
        _ if per_line => format!(
            "while IFS= read -r line; do eval \"$line\"; done <<'MFAENV_EOF'\n{script}MFAENV_EOF\n{print}"
        ),
        _ => format!("eval \"$MFAENV_SCRIPT\"\n{print}"),
    };
    let out = Command::new(program)
        .args(prelude)
        .arg(&body)
        .current_dir(dir)
        .env("MFAENV_SCRIPT", script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn check_shell(shell: Shell, program: &str, per_line: bool) {
    if !have(program) {
        eprintln!("SKIPPED: {program} is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..HOSTILE.len()).map(|i| format!("MFAENV_T{i}")).collect();
    let vars: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(HOSTILE.iter().copied())
        .collect();
    let script = shell.export_script(&vars).unwrap();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let got = eval_in(program, &script, &name_refs, dir.path(), per_line);
    let expected: Vec<u8> = HOSTILE.iter().flat_map(|v| v.bytes().chain([0])).collect();
    if got != expected {
        let got: Vec<_> = got
            .split(|b| *b == 0)
            .map(String::from_utf8_lossy)
            .collect();
        for (i, v) in HOSTILE.iter().enumerate() {
            assert_eq!(
                got[i], *v,
                "{program}: value {i} changed; script:\n{script}"
            );
        }
    }
    assert!(
        !dir.path().join("CANARY").exists(),
        "{program} ran code from a value"
    );
}

#[test]
fn bash_evaluates_every_hostile_value_byte_for_byte() {
    check_shell(Shell::Bash, "bash", false);
}

#[test]
fn zsh_evaluates_every_hostile_value_byte_for_byte() {
    check_shell(Shell::Zsh, "zsh", false);
}

#[test]
fn fish_evaluates_every_hostile_value_byte_for_byte() {
    check_shell(Shell::Fish, "fish", false);
}

#[test]
fn every_line_of_a_script_is_complete_on_its_own() {
    // Each line evaluated alone, as PowerShell's Invoke-Expression may get them, gives the same
    // values as the whole script.
    check_shell(Shell::Bash, "bash", true);
    check_shell(Shell::Zsh, "zsh", true);
    check_shell(Shell::Fish, "fish", true);
}

#[test]
fn powershell_text_is_single_quoted_with_every_quote_doubled() {
    for value in HOSTILE {
        let line = Shell::PowerShell.export("X", value).unwrap();
        assert!(
            line.starts_with("$Env:X = '") && line.ends_with("'\n"),
            "{line}"
        );
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        // Undo the quoting by PowerShell's grammar: inside '…', a doubled quote is one quote;
        // between literals only `+ "`n"` and `+ "`r"` joins appear.
        let body = &line["$Env:X = ".len()..line.len() - 1];
        assert_eq!(unquote_powershell(body), *value, "{line}");
    }
}

fn unquote_powershell(mut text: &str) -> String {
    let quotes = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
    let mut out = String::new();
    loop {
        if let Some(rest) = text.strip_prefix(" + \"`n\" + ") {
            out.push('\n');
            text = rest;
            continue;
        }
        if let Some(rest) = text.strip_prefix(" + \"`r\" + ") {
            out.push('\r');
            text = rest;
            continue;
        }
        let Some(first) = text.chars().next() else {
            return out;
        };
        assert!(
            quotes.contains(&first),
            "literal must open with a quote: {text}"
        );
        let mut chars = text[first.len_utf8()..].char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if quotes.contains(&c) {
                if chars.peek().map(|(_, n)| quotes.contains(n)) == Some(true) {
                    out.push(c);
                    chars.next();
                } else {
                    end = Some(first.len_utf8() + i + c.len_utf8());
                    break;
                }
            } else {
                out.push(c);
            }
        }
        text = &text[end.expect("unterminated literal")..];
    }
}

#[test]
fn cmd_text_is_plain_or_refused() {
    for value in HOSTILE {
        match Shell::Cmd.export("X", value) {
            Ok(line) => {
                assert_eq!(line, format!("set \"X={value}\"\n"));
                assert!(!value.contains(['"', '%', '!', '^', '&', '|', '<', '>', '\n', '\r']));
            }
            Err(e) => assert!(!e.to_string().contains(value) || value.is_empty(), "{e}"),
        }
    }
}

/// The user's own values, whatever they hold, come back byte for byte from `unset` after a
/// `use` overwrote them, whole or line by line, set-but-empty still set; and nothing in them
/// is ever run (the scripts hold no value of the user's, only fixed names).
fn check_restore(shell: Shell, program: &str, per_line: bool) {
    if !have(program) {
        return;
    }
    let names = mfaenv::session::MANAGED;
    let session: Vec<(&str, String)> = names.iter().map(|n| (*n, format!("new {n}"))).collect();
    let script = shell.use_script(&session, &Default::default()).unwrap()
        + &shell.restore_script(&Default::default());
    // MFAENV_PROFILE is never the user's own: set without a record, it marks a session of an
    // older mfaenv, whose variables are all mfaenv's. It stays unset here.
    for chunk in HOSTILE.chunks(names.len() - 1) {
        let dir = tempfile::tempdir().unwrap();
        let print: String = names
            .iter()
            .map(|n| match program {
                "fish" => format!("if set -q {n}; printf 'S%s\\0' \"${n}\"; else; printf 'U\\0'; end\n"),
                _ => format!("if [ -n \"${{{n}+x}}\" ]; then printf 'S%s\\0' \"${n}\"; else printf 'U\\0'; fi\n"),
            })
            .collect();
        let body = match program {
            "fish" if per_line => format!(
                "for line in (string split \\n -- \"$MFAENV_SCRIPT\")\n eval $line\nend\n{print}"
            ),
            "fish" => format!("printf '%s' \"$MFAENV_SCRIPT\" | source\n{print}"),
            _ if per_line => format!(
                "while IFS= read -r line; do eval \"$line\"; done <<'MFAENV_EOF'\n{script}MFAENV_EOF\n{print}"
            ),
            _ => format!("eval \"$MFAENV_SCRIPT\"\n{print}"),
        };
        let mut cmd = Command::new(program);
        match program {
            "fish" => cmd.args(["--no-config", "-c"]),
            "zsh" => cmd.args(["--no-rcs", "-c"]),
            _ => cmd.args(["--norc", "--noprofile", "-c"]),
        };
        cmd.arg(&body)
            .current_dir(dir.path())
            .env("MFAENV_SCRIPT", &script);
        for name in names {
            cmd.env_remove(name);
        }
        cmd.env_remove("MFAENV_VARS");
        // Names past a short chunk stay unset, and must be unset afterwards too.
        for (name, value) in names.iter().zip(chunk) {
            cmd.env(name, value);
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && err.is_empty(), "{program}: {err}");
        let got: Vec<String> = out
            .stdout
            .split(|b| *b == 0)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect();
        for (i, name) in names.iter().enumerate() {
            let expected = chunk.get(i).map_or("U".to_owned(), |v| format!("S{v}"));
            assert_eq!(got[i], expected, "{program} (per line: {per_line}): {name}");
        }
        assert!(
            !dir.path().join("CANARY").exists(),
            "{program} ran code from a value"
        );
    }
}

#[test]
fn bash_restores_every_hostile_original_byte_for_byte() {
    check_restore(Shell::Bash, "bash", false);
    check_restore(Shell::Bash, "bash", true);
}

#[test]
fn zsh_restores_every_hostile_original_byte_for_byte() {
    check_restore(Shell::Zsh, "zsh", false);
    check_restore(Shell::Zsh, "zsh", true);
}

#[test]
fn fish_restores_every_hostile_original_byte_for_byte() {
    check_restore(Shell::Fish, "fish", false);
    check_restore(Shell::Fish, "fish", true);
}

/// nu reads `use --shell nu` as JSON data with `from json | load-env`: every hostile value
/// reaches nu and the programs it starts byte for byte, and none runs as code.
#[test]
fn nu_loads_every_hostile_value_byte_for_byte() {
    if !have("nu") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..HOSTILE.len()).map(|i| format!("MFAENV_T{i}")).collect();
    let vars: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(HOSTILE.iter().copied())
        .collect();
    let script = Shell::Nu.export_script(&vars).unwrap();
    let in_nu: String = names
        .iter()
        .map(|n| format!("print -n ($env.{n} + (char nul))\n"))
        .collect();
    let body = format!("$env.MFAENV_SCRIPT | from json | load-env\n{in_nu}^env -0");
    let out = Command::new("nu")
        .args(["-n", "-c", &body])
        .current_dir(dir.path())
        .env("MFAENV_SCRIPT", &script)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "nu: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fields: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .map(|f| String::from_utf8(f.to_vec()).unwrap())
        .collect();
    for (i, (name, value)) in vars.iter().enumerate() {
        assert_eq!(
            fields[i], *value,
            "nu: value {i} changed; script:\n{script}"
        );
        let exported = format!("{name}={value}");
        assert!(
            fields[HOSTILE.len()..].contains(&exported),
            "child of nu: value {i} changed"
        );
    }
    assert!(
        !dir.path().join("CANARY").exists(),
        "nu ran code from a value"
    );
}
