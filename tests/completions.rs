//! Completion: the committed static scripts and man page are current; the dynamic completion
//! that `mfaenv init` registers offers the profiles of the AWS files, described, safely, in the
//! real shells.

mod common;

use common::fake_sts::SERIAL;
use common::{Fixture, LONG_TERM_SECRET, assert_no_secret, bin, have};
use rexpect::reader::Options;
use rexpect::session::spawn_with_options;
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

/// A home with profiles of every kind: usable ones, one mfaenv cannot use, and names that no
/// completion may offer.
fn profiles_fixture() -> Fixture {
    let config = format!(
        "[profile foobar]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\n\
         [profile prod-admin]\nrole_arn = arn:aws:iam::210987654321:role/admin\nsource_profile = foobar\n\n\
         [profile sso-only]\nsso_start_url = https://example.awsapps.com/start\n\n\
         [profile $(touch PWNED)]\nrole_arn = arn:aws:iam::210987654321:role/admin\nsource_profile = foobar\n\n\
         [profile -h]\nrole_arn = arn:aws:iam::210987654321:role/admin\nsource_profile = foobar\n"
    );
    let credentials = format!(
        "[foobar]\naws_access_key_id = AKIAFAKELONGTERM0001\naws_secret_access_key = {LONG_TERM_SECRET}\n\n\
         [plain]\naws_access_key_id = AKIAFAKELONGTERM0002\naws_secret_access_key = {LONG_TERM_SECRET}\n"
    );
    Fixture::with_files(&config, &credentials)
}

/// What the engine answers for `WORDS…` in `shell`'s protocol (the last word is the one being
/// completed), as the registered shell code asks it.
fn ask(f: &Fixture, shell: &str, words: &[&str]) -> common::Run {
    let mut args = vec!["--", "mfaenv"];
    args.extend_from_slice(words);
    let index = words.len().to_string();
    f.run_env(
        &args,
        &[
            ("MFAENV_COMPLETE", shell),
            ("_CLAP_COMPLETE_INDEX", &index),
            ("_CLAP_IFS", "\n"),
        ],
    )
}

/// The candidates of a fish-protocol answer: value and description.
fn candidates(run: &common::Run) -> Vec<(String, String)> {
    run.stdout
        .lines()
        .map(|l| {
            let (v, d) = l.split_once('\t').unwrap_or((l, ""));
            (v.to_owned(), d.to_owned())
        })
        .collect()
}

#[test]
fn every_profile_argument_offers_the_usable_profiles_described() {
    let f = profiles_fixture();
    for words in [
        &["use", ""][..],
        &["use", "--force", ""],
        &["logout", ""],
        &["setup", ""],
        &["credential-process", ""],
        &["exec", ""],
        &["import", ""],
        &["remove", ""],
    ] {
        let run = ask(&f, "fish", words);
        assert_eq!(run.code, Some(0), "{words:?}: {run:#?}");
        let got = candidates(&run);
        let profiles: Vec<_> = got.iter().filter(|(v, _)| !v.starts_with('-')).collect();
        assert_eq!(
            profiles,
            [
                &("foobar".to_owned(), "MFA alice@123456789012".to_owned()),
                &("plain".to_owned(), "no MFA device yet".to_owned()),
                &(
                    "prod-admin".to_owned(),
                    "role admin@210987654321, MFA alice@123456789012".to_owned()
                ),
            ],
            "{words:?}: {run:#?}"
        );
        assert_eq!(run.stderr, "", "{words:?}");
    }
}

#[test]
fn a_prefix_narrows_the_profiles() {
    let f = profiles_fixture();
    let run = ask(&f, "fish", &["use", "pr"]);
    assert_eq!(candidates(&run).len(), 1, "{run:#?}");
    assert!(run.stdout.starts_with("prod-admin\t"), "{run:#?}");
}

#[test]
fn cached_sessions_show_their_time_left() {
    let f = profiles_fixture();
    f.login("foobar");
    let run = ask(&f, "fish", &["use", "foo"]);
    let got = candidates(&run);
    assert_eq!(got.len(), 1, "{run:#?}");
    let desc = &got[0].1;
    assert!(
        desc.starts_with("MFA alice@123456789012, ") && desc.ends_with(" left"),
        "{run:#?}"
    );
    assert_no_secret(&run.stdout);
}

#[test]
fn names_that_could_run_or_split_are_never_offered() {
    let f = profiles_fixture();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = ask(&f, shell, &["use", ""]);
        assert_eq!(run.code, Some(0), "{run:#?}");
        assert!(
            !run.stdout.contains("PWNED") && !run.stdout.contains("sso-only"),
            "{shell}: {run:#?}"
        );
        let values: Vec<&str> = run
            .stdout
            .lines()
            .map(|l| l.split(['\t', ':']).next().unwrap())
            .collect();
        assert!(!values.contains(&"-h"), "{shell}: {run:#?}");
        assert_no_secret(&run.stdout);
    }
}

#[test]
fn completing_writes_nothing_and_needs_no_network() {
    let f = profiles_fixture();
    let mut cmd = f.cmd(&["--", "mfaenv", "use", ""]);
    // An endpoint nothing listens on: any attempt to reach STS would fail the run or hang.
    cmd.env("MFAENV_COMPLETE", "fish")
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
        .env("XDG_CACHE_HOME", f.path("no-cache-here"));
    let run = common::Run::from(cmd.output().unwrap());
    assert!(run.stdout.contains("prod-admin\t"), "{run:#?}");
    assert!(
        !f.path("no-cache-here").exists(),
        "completion created the cache directory"
    );
}

#[test]
fn a_broken_config_means_no_profiles_and_no_noise() {
    let f = Fixture::with_files("[profile foobar\nregion = x\n", "");
    let run = ask(&f, "fish", &["use", ""]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(run.stderr, "", "{run:#?}");
    assert!(run.stdout.lines().all(|l| l.starts_with('-')), "{run:#?}");
}

#[test]
fn a_leftover_complete_variable_never_replaces_the_script() {
    // The engine's default variable belongs to every clap program: mfaenv must not answer it.
    let f = Fixture::new();
    let run = f.run_env(&["unset", "--shell", "bash"], &[("COMPLETE", "bash")]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stdout.starts_with("unset ") || run.stdout.contains("\nunset "),
        "{run:#?}"
    );
    assert!(!run.stdout.contains("complete"), "{run:#?}");
}

/// The registration each hook carries is what the engine prints now.
#[test]
fn hooks_carry_the_current_registration() {
    for (shell, file) in [
        ("bash", "mfaenv.bash"),
        ("zsh", "mfaenv.zsh"),
        ("fish", "mfaenv.fish"),
    ] {
        let out = Command::new(bin())
            .env("MFAENV_COMPLETE", shell)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let fresh = String::from_utf8(out.stdout).unwrap();
        let mut fresh = fresh.trim().to_owned();
        if shell == "zsh" {
            // The hook registers with compdef itself, once compinit has run.
            let cut = fresh
                .rfind("\ncompdef ")
                .expect("zsh registration ends with compdef");
            fresh.truncate(cut);
            fresh = fresh.trim_end().to_owned();
        }
        let hook = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("shell")
                .join(file),
        )
        .unwrap();
        assert!(
            hook.contains(&fresh),
            "shell/{file} lacks the completion registration `MFAENV_COMPLETE={shell} mfaenv` prints now:\n{fresh}"
        );
    }
}

fn man_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/man"))
}

/// The man pages in man/ are what clap_mangen makes of the command line now; with
/// MFAENV_UPDATE_COMPLETIONS=1 it writes them instead.
#[test]
fn committed_man_pages_are_up_to_date() {
    let update = std::env::var_os("MFAENV_UPDATE_COMPLETIONS").is_some_and(|v| v == "1");
    let fresh = tempfile::tempdir().unwrap();
    let cmd = <mfaenv::cli::Cli as clap::CommandFactory>::command();
    clap_mangen::generate_to(cmd, fresh.path()).unwrap();
    let mut stale = Vec::new();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(fresh.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let text = std::fs::read(entry.path()).unwrap();
        let path = man_dir().join(&name);
        if std::fs::read(&path).ok().as_deref() != Some(text.as_slice()) {
            if update {
                std::fs::create_dir_all(man_dir()).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else {
                stale.push(name.clone());
            }
        }
        names.push(name);
    }
    assert!(names.contains(&"mfaenv.1".to_owned()), "{names:?}");
    // No page of a command that is gone.
    for entry in std::fs::read_dir(man_dir()).into_iter().flatten() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !names.contains(&name) {
            stale.push(format!("{name} (no such command any more)"));
        }
    }
    assert!(
        stale.is_empty(),
        "stale man pages in man/: {stale:?}; refresh them with\n    \
         MFAENV_UPDATE_COMPLETIONS=1 cargo test --test completions"
    );
}

#[test]
fn man_page_reads_as_a_man_page() {
    if !have("man") {
        return;
    }
    let out = Command::new("man")
        .arg("-l")
        .arg(man_dir().join("mfaenv.1"))
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text.contains("SYNOPSIS") && text.contains("mfaenv-use(1)"),
        "{text}"
    );
}

/// The environment of a shell under test: the fixture's, with the binary under test first on
/// PATH (the registration calls `mfaenv` by name).
fn shell_command(f: &Fixture, program: &str) -> Command {
    // The sandbox's variables only: its /dev/null stdin and setsid would take the terminal
    // away from an interactive shell.
    let template = f.cmd(&[]);
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for (k, v) in template.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let bin_dir = bin().parent().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir.to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(dirs).unwrap())
        .env("TERM", "dumb");
    cmd
}

#[test]
fn fish_completes_profiles_after_init() {
    if !have("fish") {
        return;
    }
    let f = profiles_fixture();
    let mut cmd = shell_command(&f, "fish");
    cmd.args([
        "--no-config",
        "-c",
        "mfaenv init fish | source; complete -C 'mfaenv use '; complete -C 'mfaenv exec pro'",
    ]);
    let run = common::Run::from(cmd.output().unwrap());
    assert!(
        run.stdout.contains("foobar\tMFA alice@123456789012")
            && run
                .stdout
                .contains("prod-admin\trole admin@210987654321, MFA alice@123456789012")
            && run.stdout.contains("plain\tno MFA device yet"),
        "{run:#?}"
    );
    assert!(!run.stdout.contains("PWNED"), "{run:#?}");
    assert_eq!(run.stderr, "", "{run:#?}");
}

const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

/// bash with the bash-completion package loaded, as a user's rc file has it, asks the function
/// the hook registered, as readline would on Tab.
#[test]
fn bash_with_bash_completion_completes_profiles() {
    if !have("bash") {
        return;
    }
    if !Path::new(BASH_COMPLETION).exists() {
        common::require_under_ci("bash-completion");
        return;
    }
    let f = profiles_fixture();
    let script = format!(
        r#"source {BASH_COMPLETION}
        eval "$(mfaenv init bash)"
        spec=$(complete -p mfaenv) || exit 3
        fn=${{spec##*-F }}; fn=${{fn%% *}}
        ask() {{
          COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${{#COMP_LINE}}
          COMP_TYPE=9; COMPREPLY=()
          "$fn" mfaenv "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD - 1]}}"
          printf '<%s>\n' "${{COMPREPLY[@]}}"
        }}
        ask mfaenv use ''
        echo ---
        ask mfaenv exec pro
        "#
    );
    let mut cmd = shell_command(&f, "bash");
    cmd.args(["--norc", "--noprofile", "-c", &script]);
    let run = common::Run::from(cmd.output().unwrap());
    let (all, pro) = run
        .stdout
        .split_once("---\n")
        .unwrap_or_else(|| panic!("{run:#?}"));
    for name in ["<foobar>", "<plain>", "<prod-admin>", "<--shell>"] {
        assert!(all.contains(name), "{name}: {run:#?}");
    }
    assert!(!all.contains("PWNED") && !all.contains("<-h>"), "{run:#?}");
    assert_eq!(pro, "<prod-admin>\n", "{run:#?}");
    assert_eq!(run.stderr, "", "{run:#?}");
}

/// zsh with compinit run after the hook (the order oh-my-zsh and many rc files have) and
/// before it: completion works either way.
#[test]
fn zsh_completes_profiles_with_descriptions_on_a_terminal() {
    if !have("zsh") {
        return;
    }
    for compinit_first in [true, false] {
        let f = profiles_fixture();
        let dir = f.path("zdot");
        std::fs::create_dir_all(&dir).unwrap();
        let compinit = "autoload -Uz compinit && compinit -u -D\n";
        let init = "eval \"$(mfaenv init zsh)\"\n";
        let (a, b) = if compinit_first {
            (compinit, init)
        } else {
            (init, compinit)
        };
        std::fs::write(
            dir.join(".zshrc"),
            format!("PS1='PROMPT> '\nunsetopt prompt_cr prompt_sp\n{a}{b}"),
        )
        .unwrap();
        let mut cmd = shell_command(&f, "zsh");
        cmd.args(["--no-globalrcs", "-i"]).env("ZDOTDIR", &dir);
        let options = Options::new()
            .timeout_ms(Some(15_000))
            .strip_ansi_escape_codes(true);
        let mut pty = spawn_with_options(cmd, options).unwrap();
        pty.exp_string("PROMPT> ").unwrap();
        pty.send("mfaenv use \t").unwrap();
        pty.flush().unwrap();
        // The list with descriptions, then the line as it was.
        let listed = pty.exp_string("--version").unwrap();
        for text in [
            "no MFA device yet",
            "foobar",
            "MFA alice@123456789012",
            "prod-admin",
            "role admin@210987654321",
            "plain",
        ] {
            assert!(
                listed.contains(text),
                "compinit first: {compinit_first}: no {text:?} in {listed:?}"
            );
        }
        assert!(!listed.contains("PWNED"), "{listed:?}");
        pty.send("pro\t").unwrap();
        pty.flush().unwrap();
        // The line as zle redraws it: the profile inserted, and a space after it.
        pty.exp_string("PROMPT> mfaenv use prod-admin ").unwrap();
        // Dropping the session ends the shell (rexpect kills it).
    }
}

/// Waits in nu's output for `text`, answering the line editor's cursor-position questions
/// (ESC [6n) as a terminal does; returns what came before `text`.
fn nu_expect(pty: &mut rexpect::session::PtySession, text: &str) -> String {
    use rexpect::ReadUntil;
    let mut before = String::new();
    loop {
        let (seen, hit) = pty
            .exp_any(vec![
                ReadUntil::String("\x1b[6n".to_owned()),
                ReadUntil::String(text.to_owned()),
            ])
            .unwrap_or_else(|e| panic!("nu: no {text:?} after {before:?}: {e}"));
        before += &seen;
        if hit != "\x1b[6n" {
            return before;
        }
        pty.send("\x1b[1;1R").unwrap();
        pty.flush().unwrap();
    }
}

/// An interactive nu on a pseudo-terminal with the hook saved as the README says and loaded
/// at start-up, at its first prompt.
fn nu_with_hook(f: &Fixture) -> rexpect::session::PtySession {
    let dir = f.path("nu");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mfaenv.nu"), f.run(&["init", "nu"]).stdout).unwrap();
    std::fs::write(
        dir.join("rc.nu"),
        "$env.config.show_banner = false\n\
         $env.config.shell_integration = {osc2: false, osc7: false, osc8: false, osc9_9: false, osc133: false, osc633: false, reset_application_mode: false}\n\
         $env.config.bracketed_paste = false\n$env.config.use_kitty_protocol = false\n\
         $env.PROMPT_COMMAND = {|| 'PROMPT> ' }\n$env.PROMPT_COMMAND_RIGHT = ''\n$env.PROMPT_INDICATOR = ''\n\
         source mfaenv.nu\n",
    )
    .unwrap();
    let mut cmd = shell_command(f, "nu");
    cmd.current_dir(&dir).args(["-n", "-e", "source rc.nu"]);
    let options = Options::new()
        .timeout_ms(Some(15_000))
        .strip_ansi_escape_codes(false);
    let mut pty = spawn_with_options(cmd, options).unwrap();
    nu_expect(&mut pty, "PROMPT> ");
    pty
}

/// nu with the hook: Tab after `mfaenv use ` lists the usable profiles with their
/// descriptions (the hook's `mfaenv` is a command of nu's, which nu's external completer
/// never sees), and a prefix with one match is completed in the line.
#[test]
fn nu_completes_profiles_after_init() {
    if !have("nu") {
        return;
    }
    let f = profiles_fixture();
    let mut pty = nu_with_hook(&f);
    pty.send("mfaenv use \t").unwrap();
    pty.flush().unwrap();
    let listed = nu_expect(&mut pty, "prod-admin");
    let listed = listed + &nu_expect(&mut pty, "MFA alice@123456789012");
    for text in [
        "foobar",
        "plain",
        "no MFA device yet",
        "role admin@210987654321",
    ] {
        assert!(listed.contains(text), "no {text:?} in {listed:?}");
    }
    assert!(
        !listed.contains("PWNED") && !listed.contains("sso-only") && !listed.contains("NO RECORDS"),
        "{listed:?}"
    );
    drop(pty);

    let mut pty = nu_with_hook(&f);
    pty.send("mfaenv exec pro\t").unwrap();
    pty.flush().unwrap();
    // The line as nu redraws it, colours and cursor moves taken out.
    let escape = rexpect::reader::Regex::new(r"\x1b(\[[0-9;?]*[A-Za-z]|[78])").unwrap();
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !escape
        .replace_all(&seen, "")
        .contains("mfaenv exec prod-admin")
    {
        assert!(std::time::Instant::now() < deadline, "{seen:?}");
        match pty.try_read() {
            Some(c) => seen.push(c),
            None => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
        if seen.ends_with("\x1b[6n") {
            pty.send("\x1b[1;1R").unwrap();
            pty.flush().unwrap();
        }
    }
}

/// The README's external completer for nu without the hook: asked as nu asks it (the words of
/// the line), it answers with the profiles and their descriptions, and hands other commands to
/// the completer that was there before.
#[test]
fn nu_external_completer_from_the_readme_completes_profiles() {
    if !have("nu") {
        return;
    }
    let f = profiles_fixture();
    let snippet = common::readme_block("In nu without the hook, the external completer", "nu");
    let script = format!(
        "$env.config.completions.external.completer = {{|spans| [{{value: ('before:' + ($spans | str join ' '))}}] }}\n\
         {snippet}\n\
         let c = $env.config.completions.external.completer\n\
         print (do $c [mfaenv use ''] | to json -r)\n\
         print (do $c [mfaenv use fo] | to json -r)\n\
         print (do $c [git checkout ''] | to json -r)\n"
    );
    let mut cmd = shell_command(&f, "nu");
    cmd.args(["-n", "-c", &script]);
    let run = common::Run::from(cmd.output().unwrap());
    assert_eq!(run.code, Some(0), "{run:#?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run:#?}");
    for (value, description) in [
        ("foobar", "MFA alice@123456789012"),
        ("plain", "no MFA device yet"),
        (
            "prod-admin",
            "role admin@210987654321, MFA alice@123456789012",
        ),
    ] {
        let record = format!(r#"{{"value":"{value}","description":"{description}"}}"#);
        assert!(lines[0].contains(&record), "{record} in {run:#?}");
    }
    assert!(!lines[0].contains("PWNED"), "{run:#?}");
    assert_eq!(
        lines[1],
        r#"[{"value":"foobar","description":"MFA alice@123456789012"}]"#
    );
    assert_eq!(lines[2], r#"[{"value":"before:git checkout "}]"#);
    assert_eq!(run.stderr, "", "{run:#?}");
}

/// bash on a pseudo-terminal, with readline and the bash-completion package loaded before the
/// hook as a user's rc file has them: Tab Tab after `mfaenv use p` lists the profiles that
/// start with `p`, and Tab after `mfaenv use f` completes the one that does.
#[test]
fn bash_completes_profiles_on_a_terminal() {
    if !have("bash") {
        return;
    }
    if !Path::new(BASH_COMPLETION).exists() {
        common::require_under_ci("bash-completion");
        return;
    }
    let f = profiles_fixture();
    // The pseudo-terminal starts with echo off, and readline shows the line (and redraws it
    // after a list) only on a terminal that echoes: `stty echo` makes it a user's terminal.
    let rc = f.path("bashrc");
    std::fs::write(
        &rc,
        format!(
            "PS1='PROMPT> '\nsource {BASH_COMPLETION}\neval \"$(mfaenv init bash)\"\n\
             bind 'set bell-style none'\nstty echo\n"
        ),
    )
    .unwrap();
    let mut cmd = shell_command(&f, "bash");
    cmd.args(["--noprofile", "--rcfile"]).arg(&rc).arg("-i");
    // With TERM=dumb readline writes text, CRs and bells, no escape sequences.
    let options = Options::new()
        .timeout_ms(Some(15_000))
        .strip_ansi_escape_codes(false);
    let mut pty = spawn_with_options(cmd, options).unwrap();
    pty.exp_string("PROMPT> ").unwrap();
    pty.send("mfaenv use p\t\t").unwrap();
    pty.flush().unwrap();
    // The list, then the prompt and the line again.
    let listed = pty.exp_string("PROMPT> mfaenv use p").unwrap();
    assert!(
        listed.contains("plain") && listed.contains("prod-admin"),
        "{listed:?}"
    );
    assert!(
        !listed.contains("foobar") && !listed.contains("PWNED"),
        "{listed:?}"
    );
    // Ctrl-U drops the line; Tab completes the one match, and a space after it.
    pty.send("\x15mfaenv use f\t").unwrap();
    pty.flush().unwrap();
    pty.exp_string("mfaenv use foobar ").unwrap();
    pty.send("\x15exit\r").unwrap();
    pty.flush().unwrap();
    pty.exp_eof().unwrap();
}
