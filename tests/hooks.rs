//! The shell hooks, driven in real interactive shells on a pseudo-terminal against the fake STS.

mod common;

use common::fake_sts::{self, GOOD_CODE, SESSION_KEY_ID};
use common::*;
use rexpect::ReadUntil;
use rexpect::reader::{Options, Regex};
use rexpect::session::{PtySession, spawn_with_options};
use std::path::Path;
use std::process::Command;

/// Generous: a slow CI machine must not fail a test that a fast one passes.
const TIMEOUT_MS: u64 = 10_000;
const LAPSED: &str = "2000-01-01T00:00:00Z";
const OLD_KEY: &str = "ASIAOLDLAPSEDSESSION";
const NOTICE: &str = "mfaenv: session for foobar lapsed; renewing it";
const ASK: &str = "MFA code for profile 'foobar'";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Sh {
    Bash,
    Zsh,
    Fish,
    Nu,
}

impl Sh {
    fn name(self) -> &'static str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
            Sh::Nu => "nu",
        }
    }

    /// Whether the shell is installed; CI installs all three, so only a developer's machine
    /// may skip, and it says so.
    fn present(self) -> bool {
        let here = have(self.name());
        if !here {
            eprintln!("note: {} is not installed; skipping", self.name());
        }
        here
    }

    /// A command line that prints `NAME` between markers the typed command does not contain.
    fn show(self, name: &str) -> String {
        match self {
            Sh::Fish => format!("printf 'V''AL<%s>\\n' \"${name}\""),
            Sh::Nu => {
                format!("print ('V' + 'AL<' + ($env.{name}? | default '' | into string) + '>')")
            }
            _ => format!("printf 'V''AL<%s>\\n' \"${{{name}-}}\""),
        }
    }
}

/// The current time as the hooks compare it, `offset` seconds from now.
fn rfc3339_in(offset: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    fake_sts::rfc3339(now.checked_add_signed(offset).unwrap())
}

/// An interactive shell on a pseudo-terminal with the hook loaded from its rc file.
struct Term {
    sh: Sh,
    pty: PtySession,
    /// fish repaints its prompt as it echoes what is typed, so its prompts are numbered.
    prompts: u32,
}

/// What goes into the shell's rc file around the hook, and the environment it starts with.
#[derive(Default)]
struct Setup<'a> {
    env: &'a [(&'a str, &'a str)],
    before: &'a str,
    after: &'a str,
    /// Load the hook twice, as a re-sourced rc file does.
    twice: bool,
    /// Do not load the hook at all (the README's forms without it).
    no_hook: bool,
    /// Keep escape sequences in what the shell writes (to see that none reach the terminal).
    raw: bool,
}

impl Term {
    fn start(f: &Fixture, sh: Sh, setup: Setup) -> Term {
        let init = match sh {
            Sh::Fish => "mfaenv init fish | source\n",
            Sh::Bash => "eval \"$(mfaenv init bash)\"\n",
            Sh::Zsh => "eval \"$(mfaenv init zsh)\"\n",
            Sh::Nu => "source mfaenv.nu\n",
        };
        let hook = if setup.no_hook {
            String::new()
        } else if setup.twice {
            init.repeat(2)
        } else {
            init.to_owned()
        };
        let rc = match sh {
            Sh::Bash => format!("PS1='PROMPT> '\n{}\n{hook}{}\n", setup.before, setup.after),
            Sh::Zsh => format!(
                "unsetopt zle prompt_cr prompt_sp\nPS1='PROMPT> '\n{}\n{hook}{}\n",
                setup.before, setup.after
            ),
            Sh::Fish => format!(
                "set -g fish_greeting\nset -g __prompts 0\n\
                 function fish_prompt; set __prompts (math $__prompts + 1); printf 'PROMPT%s> ' $__prompts; end\n\
                 {}\n{hook}{}\n",
                setup.before, setup.after
            ),
            Sh::Nu => format!(
                "$env.config.show_banner = false\n\
                 $env.config.shell_integration = {{osc2: false, osc7: false, osc8: false, osc9_9: false, osc133: false, osc633: false, reset_application_mode: false}}\n\
                 $env.config.bracketed_paste = false\n$env.config.use_kitty_protocol = false\n\
                 $env.__prompts = 0\n\
                 $env.config.hooks.pre_prompt = [{{|| $env.__prompts = $env.__prompts + 1 }}]\n\
                 $env.PROMPT_COMMAND = {{|| $\"PROMPT($env.__prompts)> \" }}\n\
                 $env.PROMPT_COMMAND_RIGHT = ''\n$env.PROMPT_INDICATOR = ''\n{}\n{hook}{}\n",
                setup.before, setup.after
            ),
        };
        let dir = f.path("rc");
        std::fs::create_dir_all(&dir).unwrap();
        let rc_file = dir.join(match sh {
            Sh::Zsh => ".zshrc",
            _ => "rc",
        });
        std::fs::write(&rc_file, rc).unwrap();
        if sh == Sh::Nu {
            // nu sources files at parse time: the hook is saved once, as the README says.
            let hook = f.run(&["init", "nu"]);
            std::fs::write(dir.join("mfaenv.nu"), hook.stdout).unwrap();
        }

        let mut cmd = Command::new(sh.name());
        shell_env(f, &mut cmd);
        match sh {
            Sh::Bash => cmd
                .args(["--noprofile", "--noediting", "--rcfile"])
                .arg(&rc_file)
                .arg("-i"),
            Sh::Zsh => cmd.args(["--no-globalrcs", "-i"]).env("ZDOTDIR", &dir),
            Sh::Fish => cmd
                .args(["--no-config", "-i", "-C"])
                .arg(format!("source {}", rc_file.display())),
            Sh::Nu => cmd
                .current_dir(&dir)
                .args(["-n", "-e"])
                .arg(format!("source {}", rc_file.display())),
        };
        for (k, v) in setup.env {
            cmd.env(k, v);
        }
        // nu's line editor asks the terminal where the cursor is (ESC [6n) and must see the
        // question to answer it, so its output is read as it comes.
        let options = Options::new()
            .timeout_ms(Some(TIMEOUT_MS))
            .strip_ansi_escape_codes(sh != Sh::Nu && !setup.raw);
        let pty = spawn_with_options(cmd, options).unwrap();
        Term {
            sh,
            pty,
            prompts: 0,
        }
    }

    /// Waits for the next prompt and returns what came before it.
    fn prompt(&mut self) -> String {
        let found = match self.sh {
            Sh::Nu => {
                self.prompts += 1;
                let prompt = format!("PROMPT{}> ", self.prompts);
                let mut before = String::new();
                loop {
                    let (text, hit) = self
                        .pty
                        .exp_any(vec![
                            ReadUntil::String("\x1b[6n".to_owned()),
                            ReadUntil::String(prompt.clone()),
                        ])
                        .unwrap_or_else(|e| panic!("nu: no prompt: {e}"));
                    before += &text;
                    if hit != "\x1b[6n" {
                        break Ok(before);
                    }
                    self.pty.send("\x1b[1;1R").unwrap();
                    self.pty.flush().unwrap();
                }
            }
            Sh::Fish => {
                self.prompts += 1;
                self.pty.exp_string(&format!("PROMPT{}> ", self.prompts))
            }
            _ => self.pty.exp_string("PROMPT> "),
        };
        found.unwrap_or_else(|e| panic!("{}: no prompt: {e}", self.sh.name()))
    }

    /// Waits for `text` and returns what came before it.
    fn expect(&mut self, text: &str) -> String {
        self.pty
            .exp_string(text)
            .unwrap_or_else(|e| panic!("{}: no {text:?}: {e}", self.sh.name()))
    }

    /// Runs `line` and returns its output up to the next prompt.
    fn run(&mut self, line: &str) -> String {
        self.pty.send_line(line).unwrap();
        self.prompt()
    }

    /// The value of `name` in the shell ("" when unset).
    fn var(&mut self, name: &str) -> String {
        self.vars(&[name]).pop().unwrap()
    }

    /// The values of `names`, in one round trip.
    fn vars(&mut self, names: &[&str]) -> Vec<String> {
        let line: Vec<String> = names.iter().map(|name| self.sh.show(name)).collect();
        let out = self.run(&line.join("; "));
        let re = Regex::new(r"VAL<([^>]*)>").unwrap();
        let values: Vec<String> = re.captures_iter(&out).map(|c| c[1].to_owned()).collect();
        assert_eq!(
            values.len(),
            names.len(),
            "{}: {names:?} in {out:?}",
            self.sh.name()
        );
        values
    }

    /// The values of `names`, with "(unset)" for a variable that is not set at all.
    fn states(&mut self, names: &[&str]) -> Vec<String> {
        let line: Vec<String> = names
            .iter()
            .map(|n| match self.sh {
                Sh::Fish => format!(
                    "if set -q {n}; printf 'V''AL<%s>\\n' \"${n}\"; else; printf 'V''AL<(unset)>\\n'; end"
                ),
                Sh::Nu => format!(
                    "print ('V' + 'AL<' + (if '{n}' in $env {{ $env.{n} | into string }} else {{ '(unset)' }}) + '>')"
                ),
                _ => format!("printf 'V''AL<%s>\\n' \"${{{n}-(unset)}}\""),
            })
            .collect();
        let out = self.run(&line.join("; "));
        let re = Regex::new(r"VAL<([^>]*)>").unwrap();
        let values: Vec<String> = re.captures_iter(&out).map(|c| c[1].to_owned()).collect();
        assert_eq!(
            values.len(),
            names.len(),
            "{}: {names:?} in {out:?}",
            self.sh.name()
        );
        values
    }

    /// Types an answer at mfaenv's question, with the carriage return a terminal sends.
    fn answer(&mut self, text: &str) {
        self.pty.send(&format!("{text}\r")).unwrap();
        self.pty.flush().unwrap();
    }

    /// Leaves the shell and waits for it to end, so that nothing is left behind.
    fn exit(mut self) {
        self.pty.send_line("exit").unwrap();
        self.pty.exp_eof().unwrap();
    }
}

/// The environment of `Fixture::cmd` (the sandboxed home, the fake STS), with the binary under
/// test first on PATH so that the hook's `command mfaenv` finds it.
fn shell_env(f: &Fixture, cmd: &mut Command) {
    let template = f.cmd(&[]);
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
}

fn lapsed_env() -> [(&'static str, &'static str); 3] {
    [
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", LAPSED),
        ("AWS_ACCESS_KEY_ID", OLD_KEY),
    ]
}

/// A line that exports `name=value` in this shell.
fn export(sh: Sh, name: &str, value: &str) -> String {
    match sh {
        Sh::Fish => format!("set -gx {name} '{value}'"),
        Sh::Nu => format!("$env.{name} = '{value}'"),
        _ => format!("export {name}='{value}'"),
    }
}

/// A prompt handler of the user's own, installed before the hook, that prints the status it
/// sees; and the line that shows it ran.
fn user_handler(sh: Sh) -> &'static str {
    match sh {
        Sh::Bash => r#"PROMPT_COMMAND='printf "P""C<%s>\n" "$?"'"#,
        Sh::Zsh => "_user_hook() { printf 'P''C<%s>\\n' \"$?\" }\nprecmd_functions+=(_user_hook)",
        Sh::Fish => "function user_hook --on-event fish_prompt; printf 'P''C<%s>\\n' $status; end",
        Sh::Nu => {
            "$env.config.hooks.pre_prompt = ($env.config.hooks.pre_prompt | append {|| print ('P' + 'C<' + ($env.LAST_EXIT_CODE | into string) + '>') })"
        }
    }
}

fn lapsed_session_is_renewed(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let env = lapsed_env();
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            ..Setup::default()
        },
    );
    t.expect(NOTICE);
    t.expect(ASK);
    t.answer(GOOD_CODE);
    let out = t.prompt();
    assert!(out.contains("MFA session valid for"), "{out:?}");
    assert_no_secret(&out);
    let v = t.vars(&[
        "AWS_ACCESS_KEY_ID",
        "MFAENV_PROFILE",
        "AWS_SESSION_EXPIRATION",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_REGION",
    ]);
    assert_eq!((v[0].as_str(), v[1].as_str()), (SESSION_KEY_ID, "foobar"));
    assert!(v[2] > rfc3339_in(3600), "{}", v[2]);
    assert_eq!(v[3], v[2]);
    assert_eq!(v[4], "eu-west-1");
    let out = t.run("true");
    assert!(!out.contains("lapsed"), "asked again: {out:?}");
    assert_eq!(f.sts.count("GetSessionToken"), 1);
    t.exit();
}

/// `key` is what the user types at the question: an empty line, or Ctrl-C.
fn declining_removes_the_session_and_stops_asking(sh: Sh, ctrl_c: bool) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let env = lapsed_env();
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            ..Setup::default()
        },
    );
    t.expect(NOTICE);
    t.expect(ASK);
    if ctrl_c {
        t.pty.send_control('c').unwrap();
    } else {
        t.answer("");
    }
    let out = t.prompt();
    assert!(
        out.contains("removed the lapsed credentials; run 'mfaenv use foobar' to start again"),
        "{out:?}"
    );
    let names = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SESSION_EXPIRATION",
        "MFAENV_PROFILE",
    ];
    assert_eq!(t.vars(&names), ["", "", ""], "left behind");
    let out = t.run("true");
    assert!(
        !out.contains("lapsed") && !out.contains("MFA code"),
        "asked again: {out:?}"
    );
    assert_eq!(f.sts.count("GetSessionToken"), 0);
    t.exit();
}

fn valid_session_is_left_alone(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let expiry = rfc3339_in(3600);
    let env = [
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", expiry.as_str()),
        ("AWS_ACCESS_KEY_ID", OLD_KEY),
    ];
    // Without PATH any process the check started would fail loudly (fish needs `date`).
    let after = match sh {
        Sh::Fish => "",
        Sh::Nu => "$env.PATH = ['/nonexistent']",
        _ => "PATH=/nonexistent",
    };
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            after,
            ..Setup::default()
        },
    );
    let mut out = t.prompt();
    for _ in 0..3 {
        out += &t.run("true");
    }
    assert!(
        !out.contains("lapsed") && !out.contains("not found"),
        "{out:?}"
    );
    let v = t.vars(&["AWS_ACCESS_KEY_ID", "AWS_SESSION_EXPIRATION"]);
    assert_eq!(v, [OLD_KEY, expiry.as_str()]);
    assert_eq!(f.sts.count("GetSessionToken"), 0);
    t.exit();
}

/// Within MFAENV_REFRESH_MARGIN (60 s unless set) of its expiry, a session counts as lapsed.
fn margin_counts_as_lapsed(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let soon = rfc3339_in(30);
    let env = [
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", soon.as_str()),
    ];
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            ..Setup::default()
        },
    );
    t.expect(NOTICE);
    t.expect(ASK);
    t.answer("");
    t.prompt();
    t.exit();

    let env = [
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", soon.as_str()),
        ("MFAENV_REFRESH_MARGIN", "5"),
    ];
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            ..Setup::default()
        },
    );
    let out = t.prompt() + &t.run("true");
    assert!(!out.contains("lapsed"), "{out:?}");
    assert_eq!(t.var("AWS_SESSION_EXPIRATION"), soon);
    t.exit();
}

/// Sessions of other tools carry no MFAENV_PROFILE: the hook leaves them alone.
fn other_tools_sessions_are_left_alone(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let env = [
        ("AWS_SESSION_EXPIRATION", LAPSED),
        ("AWS_ACCESS_KEY_ID", OLD_KEY),
    ];
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            ..Setup::default()
        },
    );
    let out = t.prompt() + &t.run("true");
    assert!(!out.contains("lapsed"), "{out:?}");
    let v = t.vars(&["AWS_ACCESS_KEY_ID", "AWS_SESSION_EXPIRATION"]);
    assert_eq!(v, [OLD_KEY, LAPSED]);
    assert_eq!(f.sts.count("GetSessionToken"), 0);
    t.exit();
}

/// The user's own prompt handler still runs and sees the status of the last command, with a
/// valid session and across a renewal.
fn user_handler_runs_with_the_last_status(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let expiry = rfc3339_in(3600);
    let env = [
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", expiry.as_str()),
    ];
    let before = user_handler(sh);
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            before,
            ..Setup::default()
        },
    );
    assert!(t.prompt().contains("PC<0>"));
    let fail = if sh == Sh::Nu { "^false" } else { "false" };
    let out = t.run(fail);
    assert!(out.contains("PC<1>"), "{out:?}");
    let out = t.run("true");
    assert!(out.contains("PC<0>"), "{out:?}");

    t.pty
        .send_line(&format!(
            "{}; {fail}",
            export(sh, "AWS_SESSION_EXPIRATION", LAPSED)
        ))
        .unwrap();
    let mut out = t.expect(ASK);
    t.answer(GOOD_CODE);
    out += &t.prompt();
    assert!(out.contains(NOTICE) && out.contains("PC<1>"), "{out:?}");
    assert_eq!(t.var("AWS_ACCESS_KEY_ID"), SESSION_KEY_ID);
    t.exit();
}

/// bash 5.1 and later run every element of an array PROMPT_COMMAND: the hook adds its own.
#[test]
fn bash_keeps_an_array_prompt_command() {
    if !Sh::Bash.present() {
        return;
    }
    let f = Fixture::new();
    let expiry = rfc3339_in(3600);
    let env = [
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", expiry.as_str()),
    ];
    let before = r#"PROMPT_COMMAND=('printf "P""C<%s>\n" "$?"' 'printf "P""D\n"')"#;
    let mut t = Term::start(
        &f,
        Sh::Bash,
        Setup {
            env: &env,
            before,
            twice: true,
            ..Setup::default()
        },
    );
    t.prompt();
    let out = t.run("false");
    assert!(out.contains("PC<1>") && out.contains("PD"), "{out:?}");
    let out = t.run("declare -p PROMPT_COMMAND");
    assert!(
        out.contains(r#"declare -a PROMPT_COMMAND=([0]="_mfaenv_hook" [1]="printf"#),
        "{out:?}"
    );
    assert_eq!(out.matches("_mfaenv_hook").count(), 1, "{out:?}");
    t.exit();
}

/// A re-sourced rc file installs the check once: one question, one request.
fn loading_twice_installs_once(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let env = lapsed_env();
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            twice: true,
            ..Setup::default()
        },
    );
    t.expect(ASK);
    t.answer(GOOD_CODE);
    let out = t.prompt();
    assert!(
        !out.contains("lapsed") && !out.contains("MFA code"),
        "{out:?}"
    );
    let installed = match sh {
        Sh::Bash => "printf 'V''AL<%s>\\n' \"${PROMPT_COMMAND[*]}\"",
        Sh::Zsh => "printf 'V''AL<%s>\\n' \"${precmd_functions[*]}\"",
        Sh::Fish => "printf 'V''AL<%s>\\n' (functions --handlers-type generic | string join ' ')",
        Sh::Nu => {
            "print ('V' + 'AL<' + ($env.config.hooks.pre_prompt | each {|h| view source $h } | str join ' ') + '>')"
        }
    };
    let out = t.run(installed);
    assert_eq!(out.matches("mfaenv_hook").count(), 1, "{out:?}");
    assert_eq!(f.sts.count("GetSessionToken"), 1);
    t.exit();
}

macro_rules! per_shell {
    ($($scenario:ident => $bash:ident, $zsh:ident, $fish:ident;)*) => {$(
        #[test]
        fn $bash() {
            $scenario(Sh::Bash);
        }
        #[test]
        fn $zsh() {
            $scenario(Sh::Zsh);
        }
        #[test]
        fn $fish() {
            $scenario(Sh::Fish);
        }
    )*};
}

per_shell! {
    lapsed_session_is_renewed =>
        bash_renews_a_lapsed_session, zsh_renews_a_lapsed_session, fish_renews_a_lapsed_session;
    valid_session_is_left_alone =>
        bash_leaves_a_valid_session_alone, zsh_leaves_a_valid_session_alone,
        fish_leaves_a_valid_session_alone;
    margin_counts_as_lapsed =>
        bash_renews_within_the_margin, zsh_renews_within_the_margin, fish_renews_within_the_margin;
    other_tools_sessions_are_left_alone =>
        bash_ignores_sessions_without_mfaenv_profile, zsh_ignores_sessions_without_mfaenv_profile,
        fish_ignores_sessions_without_mfaenv_profile;
    user_handler_runs_with_the_last_status =>
        bash_keeps_prompt_command_and_status, zsh_keeps_precmd_and_status,
        fish_keeps_fish_prompt_handlers_and_status;
    loading_twice_installs_once =>
        bash_loaded_twice_installs_once, zsh_loaded_twice_installs_once,
        fish_loaded_twice_installs_once;
}

#[test]
fn bash_decline_removes_the_session_and_stops_asking() {
    declining_removes_the_session_and_stops_asking(Sh::Bash, false);
}

#[test]
fn zsh_decline_removes_the_session_and_stops_asking() {
    declining_removes_the_session_and_stops_asking(Sh::Zsh, false);
}

#[test]
fn fish_decline_removes_the_session_and_stops_asking() {
    declining_removes_the_session_and_stops_asking(Sh::Fish, false);
}

#[test]
fn bash_ctrl_c_removes_the_session_and_stops_asking() {
    declining_removes_the_session_and_stops_asking(Sh::Bash, true);
}

#[test]
fn zsh_ctrl_c_removes_the_session_and_stops_asking() {
    declining_removes_the_session_and_stops_asking(Sh::Zsh, true);
}

#[test]
fn fish_ctrl_c_removes_the_session_and_stops_asking() {
    declining_removes_the_session_and_stops_asking(Sh::Fish, true);
}

/// With `set -u` (nounset) on, every path of the hook and the wrapper runs without a complaint.
fn nounset_does_not_break_the_hook(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let before = match sh {
        Sh::Zsh => "setopt nounset",
        _ => "set -u",
    };
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            before,
            ..Setup::default()
        },
    );
    let mut out = t.prompt();
    // Not cached, so that the renewal below asks.
    out += &t.run(&format!(
        "mfaenv use foobar --token-code {GOOD_CODE} --no-cache"
    ));
    assert_eq!(t.var("AWS_ACCESS_KEY_ID"), SESSION_KEY_ID);
    out += &t.run("true");
    t.pty
        .send_line(&export(sh, "AWS_SESSION_EXPIRATION", LAPSED))
        .unwrap();
    out += &t.expect(ASK);
    t.answer("");
    out += &t.prompt();
    assert_eq!(t.var("AWS_ACCESS_KEY_ID"), "");
    out += &t.run("mfaenv unset");
    for complaint in ["unbound", "parameter not set", "not found", "error"] {
        assert!(!out.contains(complaint), "{complaint}: {out:?}");
    }
    t.exit();
}

#[test]
fn bash_hook_works_under_set_u() {
    nounset_does_not_break_the_hook(Sh::Bash);
}

#[test]
fn zsh_hook_works_under_nounset() {
    nounset_does_not_break_the_hook(Sh::Zsh);
}

/// Runs `script` in a non-interactive shell started as `argv` with the test environment.
fn run_script(f: &Fixture, argv: &[&str], script: &str) -> Run {
    let mut cmd = Command::new(argv[0]);
    shell_env(f, &mut cmd);
    cmd.args(&argv[1..]).arg(script);
    Run::from(cmd.output().unwrap())
}

/// Each hook loads in a strict shell without a word on stdout or stderr.
#[test]
fn hooks_load_silently_in_strict_shells() {
    let f = Fixture::new();
    let cases: [(Sh, &[&str], &str); 3] = [
        (
            Sh::Bash,
            &["bash", "--norc", "-e", "-u", "-o", "pipefail", "-c"],
            r#"eval "$(mfaenv init bash)"; eval "$(mfaenv init bash)"; _mfaenv_hook"#,
        ),
        (
            Sh::Zsh,
            &["zsh", "-e", "-u", "-o", "pipefail", "--no-rcs", "-c"],
            r#"eval "$(mfaenv init zsh)"; eval "$(mfaenv init zsh)"; _mfaenv_hook"#,
        ),
        (
            Sh::Fish,
            &["fish", "--no-config", "-c"],
            "mfaenv init fish | source; and mfaenv init fish | source; and __mfaenv_hook",
        ),
    ];
    for (sh, argv, script) in cases {
        if !sh.present() {
            continue;
        }
        let run = run_script(&f, argv, script);
        assert_eq!(run.code, Some(0), "{sh:?}: {run:#?}");
        assert_eq!(
            (run.stdout.as_str(), run.stderr.as_str()),
            ("", ""),
            "{sh:?}"
        );
    }
}

/// `mfaenv init SHELL` prints the file in shell/ as it is.
#[test]
fn init_prints_the_files_in_shell_dir() {
    let f = Fixture::new();
    for (shell, file) in [
        ("bash", "mfaenv.bash"),
        ("zsh", "mfaenv.zsh"),
        ("fish", "mfaenv.fish"),
        ("powershell", "mfaenv.ps1"),
        ("pwsh", "mfaenv.ps1"),
        ("cmd", "mfaenv.cmd"),
        ("clink", "mfaenv.lua"),
        ("nu", "mfaenv.nu"),
    ] {
        let run = f.run(&["init", shell]);
        assert_eq!(run.code, Some(0), "{run:#?}");
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("shell")
            .join(file);
        assert_eq!(
            run.stdout,
            std::fs::read_to_string(path).unwrap(),
            "{shell}"
        );
        assert_eq!(run.stderr, "");
    }
    let run = f.run(&["init", "tcsh"]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(
        run.stdout.is_empty() && run.stderr.contains("'tcsh'"),
        "{run:#?}"
    );
}

/// The wrapper applies `use` and `unset` to the shell, tells mfaenv the shell even where it
/// could not tell (a shell under another name), keeps MFAENV_SHELL out of the shell, returns
/// mfaenv's exit code, applies `logout`, and passes other commands and help through
/// unevaluated.
fn wrapper_applies_use_and_unset(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", &format!("command -v {}", sh.name())])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let disguised = f.path("notashell");
    std::os::unix::fs::symlink(real.trim(), &disguised).unwrap();
    let show = |name: &str| sh.show(name).replace("V''AL", &format!("{name}="));
    let (init, status) = match sh {
        Sh::Bash => (r#"eval "$(mfaenv init bash)""#, "$?"),
        Sh::Zsh => (r#"eval "$(mfaenv init zsh)""#, "$?"),
        Sh::Fish => ("mfaenv init fish | source", "$status"),
        Sh::Nu => unreachable!("nu has its own test"),
    };
    let script = [
        init.to_owned(),
        format!("mfaenv -q use foobar --token-code {GOOD_CODE}"),
        show("AWS_ACCESS_KEY_ID"),
        show("MFAENV_SHELL"),
        "mfaenv use foobar --token-code 000000 --force".to_owned(),
        format!("printf 'RC=<%s>\\n' {status}"),
        show("AWS_ACCESS_KEY_ID"),
        "mfaenv unset".to_owned(),
        show("AWS_ACCESS_KEY_ID"),
        show("MFAENV_PROFILE"),
        "mfaenv use foobar".to_owned(),
        show("AWS_ACCESS_KEY_ID"),
        "mfaenv logout".to_owned(),
        show("AWS_ACCESS_KEY_ID"),
        "mfaenv --version".to_owned(),
        "mfaenv use --help".to_owned(),
    ]
    .join("\n");
    let argv = match sh {
        Sh::Fish => ["--no-config", "-c"],
        Sh::Bash => ["--norc", "-c"],
        Sh::Zsh => ["--no-rcs", "-c"],
        Sh::Nu => unreachable!("nu has its own test"),
    };
    let run = run_script(
        &f,
        &[disguised.to_str().unwrap(), argv[0], argv[1]],
        &script,
    );
    let out = &run.stdout;
    assert_eq!(run.code, Some(0), "{run:#?}");
    let key = format!("AWS_ACCESS_KEY_ID=<{SESSION_KEY_ID}>");
    // Applied, kept when a later use fails, applied again from the cache.
    assert_eq!(out.matches(&key).count(), 3, "{run:#?}");
    assert_eq!(
        out.matches("AWS_ACCESS_KEY_ID=<>").count(),
        2,
        "unset, logout: {run:#?}"
    );
    assert!(out.contains("MFAENV_SHELL=<>"), "{run:#?}");
    assert!(out.contains("RC=<1>"), "{run:#?}");
    assert!(
        out.contains("AWS_ACCESS_KEY_ID=<>") && out.contains("MFAENV_PROFILE=<>"),
        "{run:#?}"
    );
    assert!(
        out.contains("mfaenv 0.1.0") && out.contains("Usage: mfaenv use"),
        "{run:#?}"
    );
    assert!(!run.stderr.contains("could not tell"), "{run:#?}");
    assert!(!run.stderr.contains("not found"), "{run:#?}");
    assert!(run.stderr.contains("AWS rejected"), "{run:#?}");
    assert_no_secret(&run.stderr);
}

#[test]
fn bash_wrapper_applies_use_and_unset() {
    wrapper_applies_use_and_unset(Sh::Bash);
}

#[test]
fn zsh_wrapper_applies_use_and_unset() {
    wrapper_applies_use_and_unset(Sh::Zsh);
}

#[test]
fn fish_wrapper_applies_use_and_unset() {
    wrapper_applies_use_and_unset(Sh::Fish);
}

/// The source files themselves, checked by each shell's own linter.
fn lint(program: &str, args: &[&str], file: &str) {
    if !have(program) {
        eprintln!("note: {program} is not installed; skipping");
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shell")
        .join(file);
    let out = Command::new(program)
        .args(args)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{program} {file}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn shellcheck_passes_on_the_bash_hook() {
    lint(
        "shellcheck",
        &["--shell=bash", "--severity=style"],
        "mfaenv.bash",
    );
}

#[test]
fn zsh_parses_its_hook() {
    lint("zsh", &["-n"], "mfaenv.zsh");
}

#[test]
fn fish_parses_its_hook() {
    lint("fish", &["--no-execute"], "mfaenv.fish");
}

/// What bash, zsh and fish say when they are given something that is not their script.
const COMPLAINTS: [&str; 8] = [
    "not found",
    "syntax error",
    "parse error",
    "invalid option",
    "nknown command",
    "Unsupported",
    "unexpected",
    "bad pattern",
];

/// The user's own values, there before any `mfaenv use`, that `unset` must give back.
const USER_KEY: &str = "AKIAUSERSOWNKEY00000";
const USER_REGION: &str = "us-east-2";
const USER_DEFAULT_REGION: &str = "ap-south-1";

fn user_env() -> [(&'static str, &'static str); 3] {
    [
        ("AWS_ACCESS_KEY_ID", USER_KEY),
        ("AWS_REGION", USER_REGION),
        ("AWS_DEFAULT_REGION", USER_DEFAULT_REGION),
    ]
}

/// The README's way to start and end a session in this shell without the hook.
fn readme_forms(sh: Sh) -> (String, String, String) {
    let code = format!("--token-code {GOOD_CODE}");
    match sh {
        Sh::Fish => (
            format!("mfaenv use foobar {code} | source"),
            format!("mfaenv use noregion {code} | source"),
            "mfaenv unset | source".to_owned(),
        ),
        Sh::Nu => (
            format!("mfaenv use foobar {code} --shell nu | from json | load-env"),
            format!("mfaenv use noregion {code} --shell nu | from json | load-env"),
            "hide-env -i ...(mfaenv unset --shell nu | from json)".to_owned(),
        ),
        _ => (
            format!("eval \"$(mfaenv use foobar {code})\""),
            format!("eval \"$(mfaenv use noregion {code})\""),
            "eval \"$(mfaenv unset)\"".to_owned(),
        ),
    }
}

/// How a README form is typed: as written, with or without the hook loaded, or the hook's own
/// short form (`mfaenv use foobar`).
#[derive(Clone, Copy, Debug)]
enum Form {
    Readme { hook: bool },
    Hook,
}

/// Every README form gives the same result with and without the hook: `use` sets the session,
/// switching to a profile without a region gives back the user's own region (no stale one),
/// and `unset` leaves the shell as it was found: the user's own key and regions restored,
/// what was not set before not set.
fn forms_leave_the_shell_as_found(sh: Sh, form: Form) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let env = user_env();
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            no_hook: matches!(form, Form::Readme { hook: false }),
            ..Setup::default()
        },
    );
    let (use_foobar, use_noregion, unset) = match form {
        Form::Readme { .. } => readme_forms(sh),
        Form::Hook => (
            format!("mfaenv use foobar --token-code {GOOD_CODE}"),
            format!("mfaenv use noregion --token-code {GOOD_CODE}"),
            "mfaenv unset".to_owned(),
        ),
    };
    let names = [
        "AWS_ACCESS_KEY_ID",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "MFAENV_PROFILE",
        "AWS_SESSION_TOKEN",
        "MFAENV_VARS",
    ];
    let mut out = t.prompt();
    out += &t.run(&use_foobar);
    let v = t.states(&names);
    assert_eq!(
        &v[..4],
        [SESSION_KEY_ID, "eu-west-1", "eu-west-1", "foobar"],
        "{sh:?} {form:?}: {out:?}"
    );
    assert!(v[5].contains("AWS_REGION"), "{v:?}");
    assert_no_secret(&v[5]);

    out += &t.run(&use_noregion);
    let v = t.states(&names);
    assert_eq!(
        &v[..4],
        [SESSION_KEY_ID, USER_REGION, USER_DEFAULT_REGION, "noregion"],
        "{sh:?} {form:?}: the region of foobar stayed: {out:?}"
    );

    out += &t.run(&unset);
    let v = t.states(&names);
    assert_eq!(
        v,
        [
            USER_KEY,
            USER_REGION,
            USER_DEFAULT_REGION,
            "(unset)",
            "(unset)",
            "(unset)"
        ],
        "{sh:?} {form:?}: {out:?}"
    );
    // The user's variables are still exported, for the commands run from this shell.
    let child = t.run(match sh {
        Sh::Nu => "print (' ' + (^env | lines | where {|l| $l =~ '^(AWS|MFAENV)_' } | sort | str join ' ') + ' ')",
        _ => "echo \" $(env | grep -E '^(AWS|MFAENV)_' | sort | tr '\\n' ' ')\"",
    });
    let child = child
        .lines()
        .find(|l| l.starts_with(" AWS_"))
        .unwrap_or_else(|| panic!("{sh:?} {form:?}: {child:?}"));
    for exported in [
        format!(" AWS_ACCESS_KEY_ID={USER_KEY} "),
        format!(" AWS_DEFAULT_REGION={USER_DEFAULT_REGION} "),
        format!(" AWS_REGION={USER_REGION} "),
    ] {
        assert!(child.contains(&exported), "{sh:?} {form:?}: {child:?}");
    }
    for gone in ["AWS_SESSION", "AWS_SECURITY", "AWS_SECRET", "MFAENV"] {
        assert!(!child.contains(gone), "{sh:?} {form:?}: {child:?}");
    }
    for complaint in COMPLAINTS {
        assert!(
            !out.contains(complaint),
            "{sh:?} {form:?}: {complaint}: {out:?}"
        );
    }
    assert_no_secret(&out);
    t.exit();
}

per_shell! {
    readme_forms_with_hook =>
        bash_readme_forms_work_with_the_hook, zsh_readme_forms_work_with_the_hook,
        fish_readme_forms_work_with_the_hook;
    readme_forms_without_hook =>
        bash_readme_forms_leave_the_shell_as_found, zsh_readme_forms_leave_the_shell_as_found,
        fish_readme_forms_leave_the_shell_as_found;
    hook_forms =>
        bash_hook_forms_leave_the_shell_as_found, zsh_hook_forms_leave_the_shell_as_found,
        fish_hook_forms_leave_the_shell_as_found;
}

fn readme_forms_with_hook(sh: Sh) {
    forms_leave_the_shell_as_found(sh, Form::Readme { hook: true });
}

fn readme_forms_without_hook(sh: Sh) {
    forms_leave_the_shell_as_found(sh, Form::Readme { hook: false });
}

fn hook_forms(sh: Sh) {
    forms_leave_the_shell_as_found(sh, Form::Hook);
}

/// With the hook, an explicit `--shell` prints that shell's script for someone else to
/// evaluate and never makes this shell run it, whichever shell it names.
fn explicit_shell_prints_and_never_applies(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let env = user_env();
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            ..Setup::default()
        },
    );
    t.prompt();
    for (flag, line) in [
        ("--shell fish", "set -gx AWS_ACCESS_KEY_ID 'ASIA"),
        ("--shell=powershell", "$Env:AWS_ACCESS_KEY_ID = 'ASIA"),
        ("--shell bash", "export AWS_ACCESS_KEY_ID='ASIA"),
        ("--shell cmd", "set \"AWS_ACCESS_KEY_ID=ASIA"),
    ] {
        let out = t.run(&format!(
            "mfaenv use foobar --token-code {GOOD_CODE} {flag}"
        ));
        assert!(out.contains(line), "{sh:?} {flag}: {out:?}");
        for complaint in COMPLAINTS {
            assert!(
                !out.contains(complaint),
                "{sh:?} {flag}: {complaint}: {out:?}"
            );
        }
        assert_eq!(
            t.var("AWS_ACCESS_KEY_ID"),
            USER_KEY,
            "{sh:?} {flag}: applied"
        );
        let out = t.run(&format!("mfaenv unset {flag}"));
        assert!(out.contains("MFAENV_VARS"), "{sh:?} {flag}: {out:?}");
        assert_eq!(
            t.var("AWS_ACCESS_KEY_ID"),
            USER_KEY,
            "{sh:?} {flag}: unset applied"
        );
    }
    t.exit();
}

per_shell! {
    explicit_shell_prints_and_never_applies =>
        bash_explicit_shell_prints_never_applies, zsh_explicit_shell_prints_never_applies,
        fish_explicit_shell_prints_never_applies;
}

/// Declining a renewal gives back the user's own values, not just removes the session; and a
/// renewal in between keeps them saved.
fn decline_restores_what_the_user_had(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let env = user_env();
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            ..Setup::default()
        },
    );
    t.prompt();
    t.run(&format!(
        "mfaenv use foobar --token-code {GOOD_CODE} --no-cache"
    ));
    assert_eq!(t.var("AWS_REGION"), "eu-west-1");
    // Lapsed: renewed with a code; lapsed again: declined.
    t.pty
        .send_line(&export(sh, "AWS_SESSION_EXPIRATION", LAPSED))
        .unwrap();
    t.expect(ASK);
    t.answer(GOOD_CODE);
    t.prompt();
    assert_eq!(t.var("AWS_ACCESS_KEY_ID"), SESSION_KEY_ID);
    // Not from the cache this time, so that there is a question to decline.
    t.run(match sh {
        Sh::Nu => "rm -r ($env.XDG_CACHE_HOME | path join mfaenv)",
        _ => "rm -r \"$XDG_CACHE_HOME/mfaenv\"",
    });
    t.pty
        .send_line(&export(sh, "AWS_SESSION_EXPIRATION", LAPSED))
        .unwrap();
    t.expect(ASK);
    t.answer("");
    let out = t.prompt();
    assert!(out.contains("removed the lapsed credentials"), "{out:?}");
    let v = t.states(&[
        "AWS_ACCESS_KEY_ID",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SESSION_EXPIRATION",
        "MFAENV_PROFILE",
    ]);
    assert_eq!(
        v,
        [
            USER_KEY,
            USER_REGION,
            USER_DEFAULT_REGION,
            "(unset)",
            "(unset)"
        ],
        "{sh:?}"
    );
    let out = t.run("true");
    assert!(!out.contains("lapsed"), "asked again: {out:?}");
    t.exit();
}

per_shell! {
    decline_restores_what_the_user_had =>
        bash_decline_restores_the_users_values, zsh_decline_restores_the_users_values,
        fish_decline_restores_the_users_values;
}

/// A profile name that reads as an option (in MFAENV_PROFILE, where the hook takes it from)
/// is refused by mfaenv, never turned into help or version text for the shell to evaluate;
/// and help or version asked for in a cluster (`-qV`) is shown, not evaluated.
fn option_like_profiles_are_never_evaluated(sh: Sh) {
    if !sh.present() {
        return;
    }
    for name in ["--help", "--version", "-h", "--shell=fish"] {
        let f = Fixture::new();
        let env = [
            ("MFAENV_PROFILE", name),
            ("AWS_SESSION_EXPIRATION", LAPSED),
            ("AWS_ACCESS_KEY_ID", OLD_KEY),
        ];
        let mut t = Term::start(
            &f,
            sh,
            Setup {
                env: &env,
                ..Setup::default()
            },
        );
        let out = t.prompt();
        assert!(
            out.contains("cannot start with '-'"),
            "{sh:?} {name}: {out:?}"
        );
        assert!(
            out.contains("removed the lapsed credentials"),
            "{sh:?} {name}: {out:?}"
        );
        for evaluated in ["Usage", "not found", "mfaenv 0.1.0", "unknown", "invalid"] {
            assert!(
                !out.contains(evaluated),
                "{sh:?} {name}: {evaluated}: {out:?}"
            );
        }
        assert_eq!(t.var("AWS_ACCESS_KEY_ID"), "");
        if name == "--help" {
            let out = t.run("mfaenv -qV use foobar");
            assert!(out.contains("mfaenv 0.1.0"), "{sh:?}: {out:?}");
            let out = t.run("mfaenv use -qh foobar");
            assert!(out.contains("Usage: mfaenv use"), "{sh:?}: {out:?}");
            let out = t.run("mfaenv use -- --version");
            assert!(out.contains("cannot start with '-'"), "{sh:?}: {out:?}");
            for evaluated in ["not found", "unrecognized", "invalid", "unknown"] {
                assert!(!out.contains(evaluated), "{sh:?}: {evaluated}: {out:?}");
            }
        }
        t.exit();
    }
}

per_shell! {
    option_like_profiles_are_never_evaluated =>
        bash_option_like_profiles_are_never_evaluated,
        zsh_option_like_profiles_are_never_evaluated,
        fish_option_like_profiles_are_never_evaluated;
}

/// A margin as long as the session or longer is clamped, with one warning from `use`: the
/// new session is not "lapsed" at the next prompt.
fn huge_margin_is_clamped_with_one_warning(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let env = [("MFAENV_REFRESH_MARGIN", "999999")];
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            ..Setup::default()
        },
    );
    let mut out = t.prompt();
    out += &t.run(&format!("mfaenv use foobar --token-code {GOOD_CODE}"));
    assert_eq!(t.var("AWS_ACCESS_KEY_ID"), SESSION_KEY_ID);
    for _ in 0..3 {
        out += &t.run("true");
    }
    assert_eq!(
        out.matches("MFAENV_REFRESH_MARGIN=999999 is more than half")
            .count(),
        1,
        "{out:?}"
    );
    assert!(
        !out.contains("lapsed") && !out.contains("MFA code"),
        "{sh:?}: {out:?}"
    );
    assert_eq!(f.sts.count("GetSessionToken"), 1);
    t.exit();
}

per_shell! {
    huge_margin_is_clamped_with_one_warning =>
        bash_huge_margin_is_clamped, zsh_huge_margin_is_clamped, fish_huge_margin_is_clamped;
}

/// The hook's own lines show a profile name's control characters escaped: nothing from the
/// environment can retitle the terminal (ESC ] … BEL), return the cursor (CR) or start a
/// forged `mfaenv:` line (LF).
#[test]
fn hook_messages_escape_control_characters_in_profile_names() {
    let f = Fixture::new();
    let hostile = "evil\x1b]0;pwned\x07\r\nmfaenv: forged\u{9b}31m";
    let cases: [(Sh, &[&str], &str); 3] = [
        (
            Sh::Bash,
            &["bash", "--norc", "-c"],
            r#"eval "$(mfaenv init bash)"; _mfaenv_hook"#,
        ),
        (
            Sh::Zsh,
            &["zsh", "--no-rcs", "-c"],
            r#"eval "$(mfaenv init zsh)"; _mfaenv_hook"#,
        ),
        (
            Sh::Fish,
            &["fish", "--no-config", "-c"],
            "mfaenv init fish | source; __mfaenv_hook",
        ),
    ];
    for (sh, argv, script) in cases {
        if !sh.present() {
            continue;
        }
        let mut cmd = Command::new(argv[0]);
        shell_env(&f, &mut cmd);
        cmd.args(&argv[1..])
            .arg(script)
            .env("MFAENV_PROFILE", hostile)
            .env("AWS_SESSION_EXPIRATION", LAPSED);
        let run = Run::from(cmd.output().unwrap());
        let err = &run.stderr;
        assert!(err.contains("mfaenv: session for evil"), "{sh:?}: {err:?}");
        assert!(
            err.contains("removed the lapsed credentials"),
            "{sh:?}: {err:?}"
        );
        for raw in ['\x1b', '\x07', '\r', '\u{9b}'] {
            assert!(!err.contains(raw), "{sh:?}: raw {raw:?} in {err:?}");
        }
        assert!(
            !err.lines().any(|l| l.starts_with("mfaenv: forged")),
            "{sh:?}: a forged line: {err:?}"
        );
        assert_eq!(run.stdout, "", "{sh:?}");
    }
}

/// nushell: the same scenarios in a real nu on a pseudo-terminal.
#[test]
fn nu_renews_a_lapsed_session() {
    lapsed_session_is_renewed(Sh::Nu);
}

#[test]
fn nu_leaves_a_valid_session_alone() {
    valid_session_is_left_alone(Sh::Nu);
}

#[test]
fn nu_renews_within_the_margin() {
    margin_counts_as_lapsed(Sh::Nu);
}

#[test]
fn nu_ignores_sessions_without_mfaenv_profile() {
    other_tools_sessions_are_left_alone(Sh::Nu);
}

#[test]
fn nu_decline_removes_the_session_and_stops_asking() {
    declining_removes_the_session_and_stops_asking(Sh::Nu, false);
}

#[test]
fn nu_ctrl_c_removes_the_session_and_stops_asking() {
    declining_removes_the_session_and_stops_asking(Sh::Nu, true);
}

#[test]
fn nu_loaded_twice_installs_once() {
    loading_twice_installs_once(Sh::Nu);
}

#[test]
fn nu_huge_margin_is_clamped() {
    huge_margin_is_clamped_with_one_warning(Sh::Nu);
}

#[test]
fn nu_keeps_pre_prompt_hooks_and_last_exit_code() {
    user_handler_runs_with_the_last_status(Sh::Nu);
}

#[test]
fn nu_hook_forms_leave_the_shell_as_found() {
    hook_forms(Sh::Nu);
}

#[test]
fn nu_decline_restores_the_users_values() {
    decline_restores_what_the_user_had(Sh::Nu);
}

#[test]
fn nu_explicit_shell_prints_never_applies() {
    explicit_shell_prints_and_never_applies(Sh::Nu);
}

#[test]
fn nu_option_like_profiles_are_never_evaluated() {
    option_like_profiles_are_never_evaluated(Sh::Nu);
}

#[test]
fn nu_sees_a_session_lapse_while_the_shell_waits() {
    session_lapses_while_the_shell_waits(Sh::Nu);
}

#[test]
fn bash_sees_a_session_lapse_while_the_shell_waits() {
    session_lapses_while_the_shell_waits(Sh::Bash);
}

#[test]
fn zsh_sees_a_session_lapse_while_the_shell_waits() {
    session_lapses_while_the_shell_waits(Sh::Zsh);
}

/// A session valid at one prompt counts as lapsed at a prompt after its lapse time, with
/// nothing changed in the shell in between: the lapse moment worked out once is compared with
/// the clock at every prompt.
///
/// fish: with its builtin clock (a runtime dir for its files), and no `date` run before the
/// renewal.
fn session_lapses_while_the_shell_waits(sh: Sh) {
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let run = runtime_dir(&f);
    // Lapses (margin 1 s) 3 s from now.
    let expiry = rfc3339_in(4);
    let env = [
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", expiry.as_str()),
        ("MFAENV_REFRESH_MARGIN", "1"),
        ("XDG_RUNTIME_DIR", run.to_str().unwrap()),
    ];
    let fish = matches!(sh, Sh::Fish);
    let before = if fish {
        fish_clock_setup(false)
    } else {
        String::new()
    };
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            before: &before,
            ..Setup::default()
        },
    );
    let out = t.prompt() + &t.run("true");
    assert!(!out.contains("lapsed"), "{out:?}");
    if fish {
        t.run("set -g __dates_before $__dates");
    }
    std::thread::sleep(std::time::Duration::from_secs(5));
    t.pty.send_line("true").unwrap();
    t.expect(NOTICE);
    t.expect(ASK);
    t.answer(GOOD_CODE);
    let out = t.prompt();
    assert!(out.contains("MFA session valid for"), "{out:?}");
    if fish {
        assert_eq!(t.var("__dates_before"), "0");
    }
    assert_eq!(t.var("AWS_ACCESS_KEY_ID"), SESSION_KEY_ID);
    assert_eq!(f.sts.count("GetSessionToken"), 1);
    t.exit();
}

/// nu: the check at a prompt with a valid session, as nu's own profiler (`debug profile`)
/// sees it, calls `date now` and no command of ours: the expiry is parsed, and the margin
/// worked out, once per expiry, not at every prompt.
#[test]
fn nu_valid_session_check_calls_only_date_now() {
    if !Sh::Nu.present() {
        return;
    }
    let f = Fixture::new();
    let hook = f.path("mfaenv.nu");
    std::fs::write(&hook, f.run(&["init", "nu"]).stdout).unwrap();
    let expiry = rfc3339_in(3600);
    let script = format!(
        "source '{}'\n\
         let h = ($env.config.hooks.pre_prompt | last)\n\
         do --env $h\n\
         debug profile --max-depth 20 {{ do --env $h }} | where instruction =~ '^call' \
         | get instruction | each {{|i| $i | parse --regex '\"(?<name>[^\"]+)\"' | get name.0 }} | to json -r",
        hook.display()
    );
    let mut cmd = Command::new("nu");
    shell_env(&f, &mut cmd);
    cmd.env("MFAENV_PROFILE", "foobar")
        .env("AWS_SESSION_EXPIRATION", &expiry)
        .args(["-n", "-c", &script]);
    let run = Run::from(cmd.output().unwrap());
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(run.stdout.trim(), r#"["do","date now"]"#, "{run:#?}");
}

/// The README's nu forms (`--shell nu | from json | load-env`, `hide-env`), with the hook
/// loaded and without: the session reaches child processes, a switch to a profile without a
/// region drops the old region, and the unset form removes every variable `use` set.
fn nu_readme_forms(hook: bool) {
    if !Sh::Nu.present() {
        return;
    }
    let f = Fixture::new();
    let mut t = Term::start(
        &f,
        Sh::Nu,
        Setup {
            no_hook: !hook,
            ..Setup::default()
        },
    );
    let (use_foobar, use_noregion, unset) = readme_forms(Sh::Nu);
    let child = "print (' ' + (^env | lines | where {|l| $l =~ '^(AWS|MFAENV)_' } | sort | str join ' ') + ' ')";
    let mut out = t.prompt();
    out += &t.run(&use_foobar);
    let env = t.run(child);
    assert!(
        env.contains(&format!(" AWS_ACCESS_KEY_ID={SESSION_KEY_ID} "))
            && env.contains(" AWS_REGION=eu-west-1 ")
            && env.contains(" MFAENV_PROFILE=foobar "),
        "hook {hook}: {env:?}"
    );
    out += &t.run(&use_noregion);
    let env = t.run(child);
    assert!(
        env.contains(" MFAENV_PROFILE=noregion ") && !env.contains("AWS_REGION"),
        "hook {hook}: {env:?}"
    );
    out += &t.run(&unset);
    let env = t.run(child);
    let env = env
        .lines()
        .find(|l| l.starts_with(" AWS_"))
        .unwrap_or_else(|| panic!("{env:?}"));
    for gone in ["AWS_ACCESS", "AWS_SESSION", "AWS_SECRET", "MFAENV"] {
        assert!(!env.contains(gone), "hook {hook}: {env:?}");
    }
    assert!(!out.contains("Error") && !out.contains("error"), "{out:?}");
    assert_no_secret(&out);
    t.exit();
}

#[test]
fn nu_readme_forms_work_with_the_hook() {
    nu_readme_forms(true);
}

#[test]
fn nu_readme_forms_work_without_the_hook() {
    nu_readme_forms(false);
}

/// fish's clock: a `date` of the test's that counts its calls (and runs the real one), so a
/// check that starts a process shows; `hide_path` makes `path` fail as on fish < 3.5.
fn fish_clock_setup(hide_path: bool) -> String {
    let mut before = String::from(
        "set -g __dates 0\n\
         function date; set -g __dates (math $__dates + 1); command date $argv; end\n",
    );
    if hide_path {
        before += "function path; return 127; end\n";
    }
    before
}

/// A private runtime dir (as logind makes it) for fish's clock file.
fn runtime_dir(f: &Fixture) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = f.path("run");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

/// The clock files in `dir`.
fn clock_files(dir: &Path) -> Vec<std::path::PathBuf> {
    hook_files(dir, "fish-clock.")
}

/// The files in `dir` whose names start with `prefix` (`fish-` for all of the fish hook's).
fn hook_files(dir: &Path, prefix: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
    });
    files
}

/// fish 3.5+: a valid session is checked at every prompt without a process (no `date`, and
/// none could run: PATH is empty), against a clock file of this shell's whose mtime stays put:
/// in the runtime dir, else in mfaenv's cache dir. The file goes when the shell does.
#[test]
fn fish_checks_a_valid_session_without_a_process() {
    if !Sh::Fish.present() {
        return;
    }
    for in_runtime_dir in [true, false] {
        let f = Fixture::new();
        let dir = if in_runtime_dir {
            runtime_dir(&f)
        } else {
            let dir = f.path(".cache/mfaenv");
            std::fs::create_dir_all(&dir).unwrap();
            dir
        };
        let expiry = rfc3339_in(3600);
        let mut env = vec![
            ("MFAENV_PROFILE", "foobar"),
            ("AWS_SESSION_EXPIRATION", expiry.as_str()),
            ("AWS_ACCESS_KEY_ID", OLD_KEY),
        ];
        if in_runtime_dir {
            env.push(("XDG_RUNTIME_DIR", dir.to_str().unwrap()));
        }
        let before = fish_clock_setup(false);
        let mut t = Term::start(
            &f,
            Sh::Fish,
            Setup {
                env: &env,
                before: &before,
                ..Setup::default()
            },
        );
        // The first prompt works the lapse out (one `touch` for the mark, where it takes
        // `-d @SECONDS`); after it no process could run at all.
        let mut out = t.prompt();
        out += &t.run("set -g __path $PATH; set -g PATH /nonexistent");
        assert_ne!(t.var("__mfaenv_mark"), "", "{in_runtime_dir}: no mark file");
        let files = clock_files(&dir);
        assert_eq!(files.len(), 1, "{in_runtime_dir}: {files:?}");
        let made = std::fs::metadata(&files[0]).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        for _ in 0..3 {
            out += &t.run("true");
        }
        assert!(
            !out.contains("lapsed") && !out.contains("nknown command"),
            "{in_runtime_dir}: {out:?}"
        );
        assert_eq!(t.var("__dates"), "0", "{in_runtime_dir}: a `date` ran");
        let v = t.vars(&["AWS_ACCESS_KEY_ID", "AWS_SESSION_EXPIRATION"]);
        assert_eq!(v, [OLD_KEY, expiry.as_str()]);
        assert_eq!(
            std::fs::metadata(&files[0]).unwrap().modified().unwrap(),
            made,
            "{in_runtime_dir}: the clock file moved"
        );
        assert_eq!(f.sts.count("GetSessionToken"), 0);
        t.run("set -g PATH $__path");
        t.exit();
        assert_eq!(hook_files(&dir, "fish-"), Vec::<std::path::PathBuf>::new());
    }
}

/// The builtin clock moves with time: a session valid at one prompt counts as lapsed at a
/// prompt after its lapse time, and is renewed, with no `date` run before the renewal.
#[test]
fn fish_clock_sees_a_session_lapse_while_the_shell_waits() {
    session_lapses_while_the_shell_waits(Sh::Fish);
}

/// A clock file removed under the shell (a runtime-dir cleaner) is made again at the next
/// prompt, still without a process; the check stays right throughout.
#[test]
fn fish_clock_survives_its_file_being_removed() {
    if !Sh::Fish.present() {
        return;
    }
    let f = Fixture::new();
    let run = runtime_dir(&f);
    let expiry = rfc3339_in(3600);
    let env = [
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", expiry.as_str()),
        ("XDG_RUNTIME_DIR", run.to_str().unwrap()),
    ];
    let before = fish_clock_setup(false);
    let mut t = Term::start(
        &f,
        Sh::Fish,
        Setup {
            env: &env,
            before: &before,
            ..Setup::default()
        },
    );
    t.prompt();
    let files = hook_files(&run, "fish-");
    assert_eq!(files.len(), 3, "clock, lapse mark, now: {files:?}");
    for file in &files {
        std::fs::remove_file(file).unwrap();
    }
    let mut out = t.run("true");
    assert_eq!(hook_files(&run, "fish-"), files, "no new files");
    out += &t.run("true");
    assert!(!out.contains("lapsed") && !out.contains("rror"), "{out:?}");
    assert_eq!(t.var("__dates"), "0");
    assert_eq!(t.var("AWS_SESSION_EXPIRATION"), expiry);
    t.exit();
}

/// Without `path` (fish < 3.5), or with no private place for the clock file (no runtime dir,
/// no cache dir yet), the check reads `date`: a valid session is left alone and a lapsed one
/// renewed.
#[test]
fn fish_without_path_mtime_reads_date() {
    if !Sh::Fish.present() {
        return;
    }
    for hide_path in [true, false] {
        let f = Fixture::new();
        let run = runtime_dir(&f);
        let expiry = rfc3339_in(3600);
        let mut env = vec![
            ("MFAENV_PROFILE", "foobar"),
            ("AWS_SESSION_EXPIRATION", expiry.as_str()),
        ];
        if hide_path {
            env.push(("XDG_RUNTIME_DIR", run.to_str().unwrap()));
        }
        let before = fish_clock_setup(hide_path);
        let mut t = Term::start(
            &f,
            Sh::Fish,
            Setup {
                env: &env,
                before: &before,
                ..Setup::default()
            },
        );
        let out = t.prompt() + &t.run("true");
        assert!(!out.contains("lapsed"), "{hide_path}: {out:?}");
        assert_eq!(clock_files(&run), Vec::<std::path::PathBuf>::new());
        assert_eq!(t.var("__dates"), "2", "{hide_path}: one `date` per prompt");
        t.pty
            .send_line(&format!("set -gx AWS_SESSION_EXPIRATION {LAPSED}"))
            .unwrap();
        t.expect(NOTICE);
        t.expect(ASK);
        t.answer(GOOD_CODE);
        let out = t.prompt();
        assert!(
            out.contains("MFA session valid for"),
            "{hide_path}: {out:?}"
        );
        assert_eq!(t.var("AWS_ACCESS_KEY_ID"), SESSION_KEY_ID);
        t.exit();
    }
}

/// Two fish shells with sessions in one runtime dir: each has a clock file of its own, so one
/// shell's renewal or exit never moves or removes the other's clock.
#[test]
fn fish_shells_keep_clocks_of_their_own() {
    if !Sh::Fish.present() {
        return;
    }
    let f = Fixture::new();
    let run = runtime_dir(&f);
    let expiry = rfc3339_in(3600);
    let env = [
        ("MFAENV_PROFILE", "foobar"),
        ("AWS_SESSION_EXPIRATION", expiry.as_str()),
        ("XDG_RUNTIME_DIR", run.to_str().unwrap()),
    ];
    let before = fish_clock_setup(false);
    let setup = || Setup {
        env: &env,
        before: &before,
        ..Setup::default()
    };
    let mut first = Term::start(&f, Sh::Fish, setup());
    first.prompt();
    let mut second = Term::start(&f, Sh::Fish, setup());
    second.prompt();
    let files = clock_files(&run);
    assert_eq!(files.len(), 2, "{files:?}");
    // A new expiry in the first shell makes its clock again; the second's stays put.
    let pid = second.var("fish_pid");
    let theirs = files
        .iter()
        .find(|p| p.to_string_lossy().ends_with(&format!(".{pid}")))
        .unwrap()
        .clone();
    let made = std::fs::metadata(&theirs).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    first.run(&format!(
        "set -gx AWS_SESSION_EXPIRATION {}",
        rfc3339_in(7200)
    ));
    first.exit();
    assert_eq!(clock_files(&run), std::slice::from_ref(&theirs));
    assert_eq!(
        std::fs::metadata(&theirs).unwrap().modified().unwrap(),
        made
    );
    let out = second.run("true");
    assert!(!out.contains("lapsed"), "{out:?}");
    assert_eq!(second.var("__dates"), "0");
    second.exit();
    assert_eq!(clock_files(&run), Vec::<std::path::PathBuf>::new());
}

/// fish 3.5+ (with a `touch` that takes `-d @SECONDS`): the check at a prompt with a valid
/// session is four builtins, as fish's own profiler (`fish --profile`) counts them: no command
/// substitution, no pipe, no block, no `date`, no function of ours beyond the hook itself. (A command substitution alone costs more than the
/// rest of the check; `tests/bench/hook.sh` gives the time.)
#[test]
fn fish_valid_session_check_is_four_builtins() {
    if !Sh::Fish.present() {
        return;
    }
    let f = Fixture::new();
    let run = runtime_dir(&f);
    let profile = f.path("fish-profile.txt");
    let mut cmd = Command::new("fish");
    shell_env(&f, &mut cmd);
    cmd.env("MFAENV_PROFILE", "foobar")
        .env("AWS_SESSION_EXPIRATION", rfc3339_in(3600))
        .env("XDG_RUNTIME_DIR", &run)
        .arg("--no-config")
        .arg("--profile")
        .arg(&profile)
        .arg("-c")
        .arg(
            "mfaenv init fish | source; __mfaenv_hook; set -g __mark 1; __mfaenv_hook; \
             set -e MFAENV_PROFILE; set -g __mark 2; __mfaenv_hook",
        );
    let out = Run::from(cmd.output().unwrap());
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
    // Each line: time, time with children, then the command with one `-` per level of depth
    // before `>`; a command over several lines goes on without the first two fields.
    let text = std::fs::read_to_string(&profile).unwrap();
    let commands: Vec<&str> = text
        .lines()
        .filter_map(|l| l.splitn(3, '\t').nth(2))
        .collect();
    let mark = commands
        .iter()
        .position(|c| *c == "> set -g __mark 1")
        .unwrap_or_else(|| panic!("no mark in {text}"));
    assert_eq!(commands.get(mark + 1), Some(&"> __mfaenv_hook"), "{text}");
    let check: Vec<&str> = commands[mark + 2..]
        .iter()
        .take_while(|c| c.starts_with('-'))
        .copied()
        .collect();
    assert_eq!(check.len(), 4, "{check:#?}");
    for c in &check {
        assert!(
            c.starts_with("-> "),
            "nested (a substitution or block): {check:#?}"
        );
        assert!(!c.contains('('), "a command substitution: {check:#?}");
    }
    // The clock: an empty write sets the "now" file's mtime, which the lapse mark outlives.
    assert!(check[2].starts_with("-> true >"), "{check:#?}");
    assert!(check[3].contains(" -nt "), "{check:#?}");
    // Without a session of mfaenv's: two `set -q`, no call of a function.
    let mark = commands
        .iter()
        .position(|c| *c == "> set -g __mark 2")
        .unwrap_or_else(|| panic!("no second mark in {text}"));
    let none: Vec<&str> = commands[mark + 2..]
        .iter()
        .take_while(|c| c.starts_with('-'))
        .copied()
        .collect();
    assert_eq!(none.len(), 2, "{none:#?}");
    assert!(none.iter().all(|c| c.contains("set -q")), "{none:#?}");
}

/// The README's prompt snippets, as written, after the hook in a real shell on a pseudo-terminal:
/// the prompt shows the profile and the time left while a session lasts, nothing once it is
/// gone, and a name with control characters reaches the terminal inert. `marker` is a line of
/// the snippet; `time` the time left it shows for a session that lapses in an hour (with the
/// 60 s margin when it counts to the hook's renewal).
fn prompt_snippet_shows_the_session(sh: Sh, marker: &str, time: &str) {
    if !sh.present() {
        return;
    }
    let snippet = readme_block_containing(marker);
    // What the prompt shows, as the shell drew it (fish: its right prompt, asked for).
    fn shown(t: &mut Term) -> String {
        match t.sh {
            Sh::Fish => t.run("fish_right_prompt; echo ''"),
            _ => t.run("true"),
        }
    }
    for (profile, expected) in [
        ("foobar", r"\[aws:foobar "),
        // ESC ] 0 ; … BEL would retitle the terminal: `?` for each, or `\u{1b}` as text.
        (
            "evil\x1b]0;PWNED\x07",
            r"\[aws:evil(\?|\\u\{1b\})\]0;PWNED(\?|\\u\{7\}) ",
        ),
    ] {
        let f = Fixture::new();
        let run = runtime_dir(&f);
        let expiry = rfc3339_in(3600);
        let env = [
            ("MFAENV_PROFILE", profile),
            ("AWS_SESSION_EXPIRATION", expiry.as_str()),
            ("AWS_ACCESS_KEY_ID", OLD_KEY),
            ("XDG_RUNTIME_DIR", run.to_str().unwrap()),
        ];
        let mut t = Term::start(
            &f,
            sh,
            Setup {
                env: &env,
                after: &snippet,
                raw: true,
                ..Setup::default()
            },
        );
        t.prompt();
        let out = shown(&mut t);
        let re = Regex::new(&format!("{expected}{time}\\] ")).unwrap();
        assert!(re.is_match(&out), "{sh:?} {marker:?}: {out:?}");
        assert!(
            !out.contains('\x1b') && !out.contains('\x07'),
            "{sh:?}: raw {out:?}"
        );
        t.run("mfaenv unset");
        let out = shown(&mut t);
        assert!(
            !out.contains("[aws:"),
            "{sh:?} {marker:?}: after unset: {out:?}"
        );
        t.exit();
    }
}

/// The time to the hook's renewal (an hour less the margin), as the no-process forms show it.
const TO_RENEWAL: &str = "0h5[89]m";
/// The time to the expiry, as `mfaenv status --short` shows it.
const TO_EXPIRY: &str = "(59m|1h00m)";

#[test]
fn bash_prompt_snippet_without_a_process() {
    prompt_snippet_shows_the_session(Sh::Bash, "# bash 5: ~/.bashrc, after the hook", TO_RENEWAL);
}

#[test]
fn zsh_prompt_snippet_without_a_process() {
    prompt_snippet_shows_the_session(Sh::Zsh, "# zsh: ~/.zshrc, after the hook", TO_RENEWAL);
}

#[test]
fn fish_prompt_snippet_without_a_process() {
    prompt_snippet_shows_the_session(
        Sh::Fish,
        "# fish 3.5+: ~/.config/fish/config.fish, after the hook",
        TO_RENEWAL,
    );
}

#[test]
fn bash_prompt_snippet_with_status_short() {
    prompt_snippet_shows_the_session(
        Sh::Bash,
        "PS1='$(s=$(mfaenv status --short 2>/dev/null)",
        TO_EXPIRY,
    );
}

#[test]
fn fish_prompt_snippet_with_status_short() {
    prompt_snippet_shows_the_session(
        Sh::Fish,
        "set -l s (mfaenv status --short 2>/dev/null)",
        TO_EXPIRY,
    );
}

/// nu: a value `use` overwrote comes back at `unset` once, and is then forgotten: after the
/// user removes the variable, a later `use` and `unset` leave it removed (nu keeps neither an
/// assignment nor a `hide-env` of one variable made in one `def --env`, which once left the
/// saved value behind).
#[test]
fn nu_forgets_a_restored_value_once_unset() {
    let sh = Sh::Nu;
    if !sh.present() {
        return;
    }
    let f = Fixture::new();
    let env = [("AWS_REGION", "ap-south-1")];
    let mut t = Term::start(
        &f,
        sh,
        Setup {
            env: &env,
            ..Setup::default()
        },
    );
    t.prompt();
    t.run(&format!("mfaenv use foobar --token-code {GOOD_CODE}"));
    assert_eq!(t.var("AWS_REGION"), "eu-west-1");
    t.run("mfaenv unset");
    assert_eq!(t.states(&["AWS_REGION"]), ["ap-south-1"]);
    assert_eq!(t.states(&["_mfaenv_saved"]), ["(unset)"]);
    t.run("hide-env AWS_REGION");
    t.run("mfaenv use foobar");
    assert_eq!(t.var("AWS_REGION"), "eu-west-1");
    t.run("mfaenv unset");
    assert_eq!(
        t.states(&["AWS_REGION", "_mfaenv_saved"]),
        ["(unset)", "(unset)"]
    );
    t.exit();
}
