//! The shells mfaenv speaks: how each sets and removes a variable, and how each quotes a value.
//!
//! Every rule for turning a value into shell text lives here, so it can be proven in one place.

use crate::error::{Error, Result};
use crate::session::{MANAGED, RECORD};

/// A shell mfaenv prints scripts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// GNU bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
    /// Windows PowerShell and PowerShell (pwsh).
    #[value(name = "powershell", alias = "pwsh")]
    PowerShell,
    /// Windows cmd.exe.
    Cmd,
    /// Nushell: the scripts are JSON data, applied with `load-env` and `hide-env`.
    Nu,
}

/// The verbs whose output is a script for the shell (they take `--shell`): every wrapper in
/// `shell/` applies exactly these, and passes every other command through.
pub const SCRIPT_VERBS: [&str; 3] = ["use", "unset", "logout"];

/// Characters cmd.exe cannot carry safely through `for /f … do @%i` and `set "NAME=v"`.
const CMD_UNSAFE: &[char] = &['"', '%', '!', '^', '&', '|', '<', '>'];

/// The quote characters PowerShell treats alike in a single-quoted string.
const POWERSHELL_QUOTES: &[char] = &['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

impl Shell {
    /// The shell a name stands for: a `--shell` value, `MFAENV_SHELL`, or a process name such as
    /// `-zsh`, `/bin/bash` or `pwsh.exe`.
    pub fn from_name(name: &str) -> Option<Shell> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let base = base.trim_start_matches('-').to_ascii_lowercase();
        let base = base.strip_suffix(".exe").unwrap_or(&base);
        match base {
            "bash" | "sh" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "fish" => Some(Shell::Fish),
            "powershell" | "pwsh" => Some(Shell::PowerShell),
            "cmd" => Some(Shell::Cmd),
            "nu" => Some(Shell::Nu),
            _ => None,
        }
    }

    /// The name used in `--shell` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::PowerShell => "powershell",
            Shell::Cmd => "cmd",
            Shell::Nu => "nu",
        }
    }

    /// One complete line that sets `name` to `value` for this shell, or an error when this
    /// shell cannot hold the value safely. The value is never part of the error.
    pub fn export(self, name: &str, value: &str) -> Result<String> {
        if value.contains('\0') {
            return Err(unrepresentable(self, name, "a NUL byte"));
        }
        Ok(match self {
            Shell::Bash | Shell::Zsh => format!("export {name}={}\n", quote_posix(value)),
            Shell::Fish => format!("set -gx {name} {}\n", quote_fish(value)),
            Shell::PowerShell => format!("$Env:{name} = {}\n", quote_powershell(value)),
            Shell::Cmd => {
                if let Some(what) = cmd_refuses(value) {
                    return Err(unrepresentable(self, name, what));
                }
                format!("set \"{name}={value}\"\n")
            }
            Shell::Nu => format!("{}\n", nu_record(&[(name, Some(value))])),
        })
    }

    /// One complete line that removes `name` from this shell's environment.
    pub fn unset(self, name: &str) -> String {
        match self {
            Shell::Bash | Shell::Zsh => format!("unset {name}\n"),
            Shell::Fish => format!("set -e {name}\n"),
            Shell::PowerShell => format!("Remove-Item Env:{name} -ErrorAction SilentlyContinue\n"),
            Shell::Cmd => format!("set {name}=\n"),
            Shell::Nu => format!("{}\n", serde_json::json!([name])),
        }
    }

    /// The script that sets every `(name, value)` pair, or the first value this shell cannot hold.
    pub fn export_script<S: AsRef<str>>(self, vars: &[(&str, S)]) -> Result<String> {
        if self == Shell::Nu {
            return nu_use(vars, &Inherited::default(), false);
        }
        vars.iter()
            .map(|(name, value)| self.export(name, value.as_ref()))
            .collect()
    }

    /// The script that removes every name in `names`.
    pub fn unset_script(self, names: &[&str]) -> String {
        if self == Shell::Nu {
            return format!("{}\n", serde_json::json!(names));
        }
        names.iter().map(|name| self.unset(name)).collect()
    }

    /// The script `use` prints: it saves, in the shell's own non-exported variables, the state
    /// of each variable it is about to overwrite (once: not again while mfaenv holds it), gives
    /// back what the new session does not set (a previous profile's region), sets `vars`, and
    /// records their names in [`RECORD`]. `inherited` is for cmd alone, which has no
    /// variables of its own to do the work in.
    pub fn use_script<S: AsRef<str>>(
        self,
        vars: &[(&str, S)],
        inherited: &Inherited,
    ) -> Result<String> {
        if self == Shell::Nu {
            return nu_use(vars, inherited, true);
        }
        let sets = |name: &str| vars.iter().any(|(n, _)| *n == name);
        let mut script = String::new();
        for name in MANAGED.iter().filter(|n| sets(n)) {
            script.push_str(&self.save(name, inherited));
        }
        for name in MANAGED.iter().filter(|n| !sets(n)) {
            script.push_str(&self.restore(name, inherited));
        }
        script.push_str(&self.export_script(vars)?);
        let names: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
        script.push_str(&self.export(RECORD, &names.join(" "))?);
        script.push_str(self.succeed());
        Ok(script)
    }

    /// The last line of a script, so that evaluating it succeeds: fish's `set` leaves `$status`
    /// as the line before left it (a save line's `set -q` test), and `set -e` of a variable
    /// that is not there fails; `mfaenv use p | source; and …` must go on.
    fn succeed(self) -> &'static str {
        match self {
            Shell::Fish => "true\n",
            _ => "",
        }
    }

    /// The script `unset` prints: every variable mfaenv set goes back to what it was before the
    /// first `use` (restored, or removed when it was not set); the rest are left alone.
    pub fn restore_script(self, inherited: &Inherited) -> String {
        if self == Shell::Nu {
            // The names for `hide-env`; the nu hook gives back what it saved of them instead.
            let mut names: Vec<&str> = MANAGED
                .iter()
                .copied()
                .filter(|n| inherited.listed(n))
                .collect();
            names.push(RECORD);
            return self.unset_script(&names);
        }
        let mut script: String = MANAGED.iter().map(|n| self.restore(n, inherited)).collect();
        script.push_str(&self.unset(RECORD));
        script.push_str(self.succeed());
        script
    }

    /// One line that saves the state of `name` before mfaenv first overwrites it. A name the
    /// record lists (a session inherited from a parent shell) holds mfaenv's value, never the
    /// user's: it is saved as "not set".
    fn save(self, name: &str, inherited: &Inherited) -> String {
        let (s, o) = (format!("_mfaenv_s_{name}"), format!("_mfaenv_o_{name}"));
        match self {
            // Never exported, even under `set -a` (allexport): no child may see a saved value.
            Shell::Bash | Shell::Zsh => format!(
                "[ -n \"${{{s}+x}}\" ] || case \" ${{{RECORD}-${{MFAENV_PROFILE:+{name}}}}} \" in *\" {name} \"*) {s}=0 ;; *) if [ -n \"${{{name}+x}}\" ]; then {s}=1 {o}=\"${name}\"; {} {o}; else {s}=0; fi ;; esac\n",
                if self == Shell::Bash {
                    "export -n"
                } else {
                    "typeset -g +x"
                }
            ),
            Shell::Fish => format!(
                "set -q {s}; or if {}; set -g {s} 0; else if set -q {name}; set -g {s} 1; set -g {o} ${name}; else; set -g {s} 0; end\n",
                fish_listed(name)
            ),
            Shell::PowerShell => format!(
                "if ($null -eq (Get-Variable -Name {s} -Scope Global -ErrorAction Ignore)) {{ if ({}) {{ $global:{s} = 0 }} elseif (Test-Path Env:{name}) {{ $global:{s} = 1; $global:{o} = $Env:{name} }} else {{ $global:{s} = 0 }} }}\n",
                powershell_listed(name)
            ),
            // cmd keeps only the regions (not secrets), in exported copies; a value cmd
            // cannot carry safely is not kept (`unset` then removes the variable).
            Shell::Cmd if CMD_KEPT.contains(&name) && !inherited.listed(name) => {
                let saved = cmd_saved(name);
                match inherited
                    .value(name)
                    .and_then(|v| self.export(&saved, v).ok())
                {
                    Some(line) => line,
                    // A copy left from elsewhere (a parent console) is not this one's.
                    None if inherited.value(&saved).is_some() => self.unset(&saved),
                    None => String::new(),
                }
            }
            Shell::Cmd | Shell::Nu => String::new(),
        }
    }

    /// One line that gives `name` back its saved state, or removes it when mfaenv set it and
    /// nothing was saved; a name mfaenv never set is left alone.
    fn restore(self, name: &str, inherited: &Inherited) -> String {
        let (s, o) = (format!("_mfaenv_s_{name}"), format!("_mfaenv_o_{name}"));
        match self {
            Shell::Bash | Shell::Zsh => format!(
                "if [ -n \"${{{s}+x}}\" ]; then if [ \"${s}\" = 1 ]; then export {name}=\"${{{o}-}}\"; else unset {name}; fi; unset {s} {o}; else case \" ${{{RECORD}-${{MFAENV_PROFILE:+{name}}}}} \" in *\" {name} \"*) unset {name} ;; esac; fi\n"
            ),
            Shell::Fish => format!(
                "if set -q {s}; if test \"${s}\" = 1; set -gx {name} ${o}; else; set -e {name}; end; set -e {s}; set -e {o}; else if {}; set -e {name}; end\n",
                fish_listed(name)
            ),
            Shell::PowerShell => format!(
                "if ($null -ne (Get-Variable -Name {s} -Scope Global -ErrorAction Ignore)) {{ if ($global:{s} -eq 1) {{ $Env:{name} = $global:{o} }} else {{ Remove-Item Env:{name} -ErrorAction SilentlyContinue }}; Remove-Variable -Name {s}, {o} -Scope Global -ErrorAction Ignore }} elseif ({}) {{ Remove-Item Env:{name} -ErrorAction SilentlyContinue }}\n",
                powershell_listed(name)
            ),
            // cmd cannot run a condition from `for /f … do @%i`: this process decides, from the
            // environment it inherited (cmd has no other).
            Shell::Cmd if !inherited.listed(name) => String::new(),
            Shell::Cmd if CMD_KEPT.contains(&name) => {
                let saved = cmd_saved(name);
                // The copy comes from the environment: quoted by cmd's rule like any value, and
                // one that rule refuses is not given back.
                let back = inherited
                    .value(&saved)
                    .and_then(|v| self.export(name, v).ok())
                    .unwrap_or_else(|| self.unset(name));
                match inherited.value(&saved) {
                    Some(_) => back + &self.unset(&saved),
                    None => back,
                }
            }
            Shell::Cmd | Shell::Nu => self.unset(name),
        }
    }

    /// The hook `mfaenv init` prints for this shell: the `mfaenv` wrapper and the prompt check
    /// (for cmd, the wrapper script alone; its prompt check is [`InitTarget::Clink`]'s).
    pub fn hook(self) -> &'static str {
        match self {
            Shell::Bash => include_str!("../shell/mfaenv.bash"),
            Shell::Zsh => include_str!("../shell/mfaenv.zsh"),
            Shell::Fish => include_str!("../shell/mfaenv.fish"),
            Shell::PowerShell => include_str!("../shell/mfaenv.ps1"),
            Shell::Cmd => include_str!("../shell/mfaenv.cmd"),
            Shell::Nu => include_str!("../shell/mfaenv.nu"),
        }
    }

    /// The file in `shell/` that [`Shell::hook`] embeds.
    pub fn hook_file(self) -> &'static str {
        match self {
            Shell::Bash => "mfaenv.bash",
            Shell::Zsh => "mfaenv.zsh",
            Shell::Fish => "mfaenv.fish",
            Shell::PowerShell => "mfaenv.ps1",
            Shell::Cmd => "mfaenv.cmd",
            Shell::Nu => "mfaenv.nu",
        }
    }
}

/// What `mfaenv init` prints a hook for: every [`Shell`] (so a new shell is a new target with
/// nothing else to add), and Clink, the prompt half of cmd.exe's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitTarget {
    /// The wrapper and prompt check of a shell.
    Shell(Shell),
    /// The Clink script that renews lapsed sessions at cmd.exe's prompt.
    Clink,
}

impl InitTarget {
    /// The script `mfaenv init` prints.
    pub fn hook(self) -> &'static str {
        match self {
            InitTarget::Shell(shell) => shell.hook(),
            InitTarget::Clink => include_str!("../shell/mfaenv.lua"),
        }
    }

    /// The file in `shell/` that [`InitTarget::hook`] embeds.
    pub fn hook_file(self) -> &'static str {
        match self {
            InitTarget::Shell(shell) => shell.hook_file(),
            InitTarget::Clink => "mfaenv.lua",
        }
    }
}

impl clap::ValueEnum for InitTarget {
    fn value_variants<'a>() -> &'a [Self] {
        static TARGETS: std::sync::OnceLock<Vec<InitTarget>> = std::sync::OnceLock::new();
        TARGETS.get_or_init(|| {
            <Shell as clap::ValueEnum>::value_variants()
                .iter()
                .map(|s| InitTarget::Shell(*s))
                .chain([InitTarget::Clink])
                .collect()
        })
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        match self {
            InitTarget::Shell(shell) => clap::ValueEnum::to_possible_value(shell),
            InitTarget::Clink => Some(
                clap::builder::PossibleValue::new("clink")
                    .help("The Clink script for cmd.exe's prompt (mfaenv.lua)"),
            ),
        }
    }
}

/// The names whose earlier values a cmd script keeps for `unset`: the regions, which are no
/// secret, in exported copies ([`cmd_saved`]); cmd.exe has no variable a child cannot see.
pub const CMD_KEPT: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

/// The exported copy a cmd script keeps of `name`'s value from before the first `use`.
pub fn cmd_saved(name: &str) -> String {
    format!("MFAENV_SAVED_{name}")
}

/// What a cmd script depends on in the environment mfaenv inherited: cmd.exe can neither test
/// nor copy a variable on a `for /f … do @%i` line, so mfaenv decides for it. (The other shells
/// decide in their own scripts, and ignore this.)
#[derive(Clone, Debug, Default)]
pub struct Inherited {
    /// The names an earlier `use` set: [`RECORD`]; without one but with an mfaenv session (made
    /// by an mfaenv before the record), all of them; else none.
    recorded: Vec<String>,
    /// The values of the [`CMD_KEPT`] names and of their saved copies.
    values: Vec<(String, String)>,
}

impl Inherited {
    /// Reads what a cmd script needs through `get` (the environment, in `mfaenv` itself).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Inherited {
        let recorded = match (get(RECORD), get("MFAENV_PROFILE")) {
            (Some(record), _) => record.split(' ').map(str::to_owned).collect(),
            (None, Some(p)) if !p.is_empty() => MANAGED.iter().map(|n| n.to_string()).collect(),
            _ => Vec::new(),
        };
        let values = CMD_KEPT
            .iter()
            .flat_map(|n| [n.to_string(), cmd_saved(n)])
            .filter_map(|n| get(&n).filter(|v| !v.is_empty()).map(|v| (n, v)))
            .collect();
        Inherited { recorded, values }
    }

    /// Whether an earlier `use` set `name`.
    fn listed(&self, name: &str) -> bool {
        self.recorded.iter().any(|n| n == name)
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A fish condition: mfaenv set `name` (the record lists it, or, with no record, an mfaenv
/// session of an older mfaenv is there).
fn fish_listed(name: &str) -> String {
    format!(
        "string match -q -- '* {name} *' \" ${RECORD} \"; or begin; not set -q {RECORD}; and test -n \"$MFAENV_PROFILE\"; end"
    )
}

/// A PowerShell condition: mfaenv set `name` (as in [`fish_listed`]).
fn powershell_listed(name: &str) -> String {
    format!(
        "(\" $Env:{RECORD} \" -clike '* {name} *') -or ($null -eq $Env:{RECORD} -and $Env:MFAENV_PROFILE)"
    )
}

/// A record for nu's `load-env`, as one line of JSON: nu reads it as data, so no value can
/// become code, and serde_json's escapes give every string back byte for byte. `None` is
/// `null`, which nu keeps from child processes: a variable to drop (the nu hook hides it).
fn nu_record(vars: &[(&str, Option<&str>)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = vars
        .iter()
        .map(|(n, v)| {
            (
                (*n).to_owned(),
                v.map_or(serde_json::Value::Null, Into::into),
            )
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The record `use` prints for nu: the session's variables, the [`RECORD`] of their names when
/// `record`, and `null` for each variable an earlier `use` set that this one does not (a
/// previous profile's region). Saving and giving back the user's own values is the nu hook's
/// work: only nu code can keep a value from child processes (a record-typed `$env` entry).
fn nu_use<S: AsRef<str>>(
    vars: &[(&str, S)],
    inherited: &Inherited,
    record: bool,
) -> Result<String> {
    if let Some((name, _)) = vars.iter().find(|(_, v)| v.as_ref().contains('\0')) {
        return Err(unrepresentable(Shell::Nu, name, "a NUL byte"));
    }
    let sets = |name: &str| vars.iter().any(|(n, _)| *n == name);
    let names: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
    let joined = names.join(" ");
    let mut entries: Vec<(&str, Option<&str>)> =
        vars.iter().map(|(n, v)| (*n, Some(v.as_ref()))).collect();
    if record {
        entries.extend(
            MANAGED
                .iter()
                .filter(|n| !sets(n) && inherited.listed(n))
                .map(|n| (*n, None)),
        );
        entries.push((RECORD, Some(&joined)));
    }
    Ok(format!("{}\n", nu_record(&entries)))
}

fn unrepresentable(shell: Shell, name: &str, what: &str) -> Error {
    let hint = match shell {
        Shell::Cmd => "; use PowerShell instead",
        _ => "",
    };
    Error::Runtime(format!(
        "the value for {name} contains {what}, which {} cannot hold safely{hint}",
        shell.name()
    ))
}

/// POSIX single quoting for bash and zsh by shell-escape (`'` becomes `'\''`), always quoted
/// (an unquoted `=x` is expanded by zsh), and newlines spliced in as `$'\n'` so that every
/// printed line stays complete on its own.
fn quote_posix(value: &str) -> String {
    value
        .split('\n')
        .map(|part| {
            let escaped = shell_escape::unix::escape(part.into());
            if escaped.starts_with('\'') {
                escaped.into_owned()
            } else {
                format!("'{escaped}'")
            }
        })
        .collect::<Vec<_>>()
        .join("$'\\n'")
}

/// fish single quoting: only `\` and `'` are special inside; newlines become fish's unquoted
/// `\n` escape between quoted parts.
fn quote_fish(value: &str) -> String {
    value
        .split('\n')
        .map(|part| format!("'{}'", part.replace('\\', "\\\\").replace('\'', "\\'")))
        .collect::<Vec<_>>()
        .join("\\n")
}

/// PowerShell single quoting: every kind of single quote (ASCII and U+2018–U+201B) is doubled;
/// CR and LF are joined in as `"`r"`/`"`n"` so each line is complete.
fn quote_powershell(value: &str) -> String {
    let mut out = String::from("'");
    for c in value.chars() {
        match c {
            '\n' => out.push_str("' + \"`n\" + '"),
            '\r' => out.push_str("' + \"`r\" + '"),
            c if POWERSHELL_QUOTES.contains(&c) => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Why cmd cannot hold `value`, if it cannot: control characters (newlines above all), text
/// outside ASCII (mangled by the console code page) and cmd's special characters.
fn cmd_refuses(value: &str) -> Option<&'static str> {
    if value.chars().any(|c| c == '\n' || c == '\r') {
        Some("a line break")
    } else if value.chars().any(|c| c.is_ascii_control()) {
        Some("a control character")
    } else if !value.is_ascii() {
        Some("non-ASCII text")
    } else if value.contains(CMD_UNSAFE) {
        Some("one of \" % ! ^ & | < >")
    } else {
        None
    }
}

/// The shell to print for, and a notice for stderr when it had to be guessed.
pub fn detect(mfaenv_shell: Option<&str>, parent: Option<&str>) -> (Shell, Option<String>) {
    if let Some(name) = mfaenv_shell.filter(|s| !s.is_empty()) {
        if let Some(shell) = Shell::from_name(name) {
            return (shell, None);
        }
        return (
            Shell::Bash,
            Some(format!(
                "mfaenv: MFAENV_SHELL={} is not a shell mfaenv knows; printing bash syntax (use --shell bash|zsh|fish|powershell|pwsh|cmd|nu)",
                crate::error::printable(name)
            )),
        );
    }
    if let Some(shell) = parent.and_then(Shell::from_name) {
        return (shell, None);
    }
    (
        Shell::Bash,
        Some(
            "mfaenv: could not tell which shell this is; printing bash syntax (use --shell bash|zsh|fish|powershell|pwsh|cmd|nu)"
                .to_owned(),
        ),
    )
}

/// The name of the process that started mfaenv: the shell, in `eval "$(mfaenv use …)"`.
#[cfg(target_os = "linux")]
pub fn parent_process_name() -> Option<String> {
    let ppid = std::os::unix::process::parent_id();
    let comm = std::fs::read_to_string(format!("/proc/{ppid}/comm")).ok()?;
    Some(comm.trim_end().to_owned())
}

/// The name of the process that started mfaenv; without /proc, the login shell is the best guess.
#[cfg(all(unix, not(target_os = "linux")))]
pub fn parent_process_name() -> Option<String> {
    std::env::var("SHELL").ok()
}

/// The console type on Windows: cmd.exe defines `PROMPT` for its children, PowerShell does not.
#[cfg(windows)]
pub fn parent_process_name() -> Option<String> {
    Some(
        if std::env::var_os("PROMPT").is_some() {
            "cmd"
        } else {
            "powershell"
        }
        .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn names_and_process_names_map_to_shells() {
        assert_eq!(Shell::from_name("-zsh"), Some(Shell::Zsh));
        assert_eq!(Shell::from_name("/usr/bin/bash"), Some(Shell::Bash));
        assert_eq!(Shell::from_name("pwsh.exe"), Some(Shell::PowerShell));
        assert_eq!(
            Shell::from_name("C:\\Windows\\System32\\cmd.exe"),
            Some(Shell::Cmd)
        );
        assert_eq!(Shell::from_name("fish"), Some(Shell::Fish));
        assert_eq!(Shell::from_name("python3"), None);
    }

    #[test]
    fn detection_prefers_mfaenv_shell_then_parent_then_bash_with_notice() {
        assert_eq!(detect(Some("fish"), Some("bash")), (Shell::Fish, None));
        assert_eq!(detect(None, Some("zsh")), (Shell::Zsh, None));
        assert_eq!(detect(Some(""), Some("zsh")), (Shell::Zsh, None));
        let (shell, notice) = detect(None, Some("sshd"));
        assert_eq!(shell, Shell::Bash);
        assert!(notice.unwrap().contains("--shell"));
        let (shell, notice) = detect(Some("tcsh"), Some("zsh"));
        assert_eq!(shell, Shell::Bash);
        assert!(notice.unwrap().contains("MFAENV_SHELL=tcsh"));
    }

    #[test]
    fn posix_quoting_is_always_single_quotes() {
        let q = |v| Shell::Bash.export("X", v).unwrap();
        assert_eq!(q("abc"), "export X='abc'\n");
        assert_eq!(q(""), "export X=''\n");
        assert_eq!(q("it's"), "export X='it'\\''s'\n");
        assert_eq!(q("a!b"), "export X='a'\\!'b'\n");
        assert_eq!(q("$(id)`id`"), "export X='$(id)`id`'\n");
        assert_eq!(q("a\nb"), "export X='a'$'\\n''b'\n");
        assert_eq!(Shell::Zsh.export("X", "=ls").unwrap(), "export X='=ls'\n");
    }

    #[test]
    fn fish_quoting_escapes_backslash_and_quote() {
        let q = |v| Shell::Fish.export("X", v).unwrap();
        assert_eq!(q("abc"), "set -gx X 'abc'\n");
        assert_eq!(q("a\\"), "set -gx X 'a\\\\'\n");
        assert_eq!(q("it's"), "set -gx X 'it\\'s'\n");
        assert_eq!(q("a\nb"), "set -gx X 'a'\\n'b'\n");
        assert_eq!(q("$x (id)"), "set -gx X '$x (id)'\n");
    }

    #[test]
    fn powershell_quoting_doubles_every_single_quote_kind() {
        let q = |v| Shell::PowerShell.export("X", v).unwrap();
        assert_eq!(q("abc"), "$Env:X = 'abc'\n");
        assert_eq!(q("it's"), "$Env:X = 'it''s'\n");
        assert_eq!(
            q("\u{2018}\u{2019}\u{201A}\u{201B}"),
            "$Env:X = '\u{2018}\u{2018}\u{2019}\u{2019}\u{201A}\u{201A}\u{201B}\u{201B}'\n"
        );
        assert_eq!(q("$(x)`n\"%"), "$Env:X = '$(x)`n\"%'\n");
        assert_eq!(q("a\r\nb"), "$Env:X = 'a' + \"`r\" + '' + \"`n\" + 'b'\n");
    }

    #[test]
    fn cmd_sets_plain_values_and_refuses_what_it_cannot_hold() {
        assert_eq!(
            Shell::Cmd.export("X", "eu-west-1").unwrap(),
            "set \"X=eu-west-1\"\n"
        );
        assert_eq!(
            Shell::Cmd.export("X", "a+b/c= (d)").unwrap(),
            "set \"X=a+b/c= (d)\"\n"
        );
        for bad in [
            "a\nb", "a\rb", "%PATH%", "a!b", "a^b", "a&b", "a|b", "a<b", "a>b", "a\"b", "é", "\x1b",
        ] {
            let err = Shell::Cmd.export("SECRET", bad).unwrap_err().to_string();
            assert!(
                err.contains("SECRET") && err.contains("PowerShell"),
                "{err}"
            );
            assert!(!err.contains(bad), "the value leaked into {err}");
        }
    }

    #[test]
    fn nul_is_refused_by_every_shell() {
        for shell in Shell::value_variants() {
            assert!(shell.export("X", "a\0b").is_err());
            assert!(
                shell
                    .use_script(&[("X", "a\0b")], &Inherited::default())
                    .is_err()
            );
        }
    }

    #[test]
    fn every_line_is_complete_on_its_own() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
            let line = shell.export("X", "a\nb\r\nc").unwrap();
            assert_eq!(line.matches('\n').count(), 1, "{shell:?}: {line}");
        }
    }

    /// Every file in shell/ is the hook of exactly one init target, and every wrapper applies
    /// exactly the script verbs, spelled in its own shell's syntax.
    #[test]
    fn every_file_in_shell_dir_is_one_targets_and_applies_the_script_verbs() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shell");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| !name.starts_with('.'))
            .collect();
        files.sort();
        let mut targets: Vec<&str> = InitTarget::value_variants()
            .iter()
            .map(|t| t.hook_file())
            .collect();
        targets.sort();
        assert_eq!(files, targets);
        for target in InitTarget::value_variants() {
            let text = std::fs::read_to_string(dir.join(target.hook_file())).unwrap();
            assert_eq!(text, target.hook(), "{target:?}");
            let v = SCRIPT_VERBS;
            let list = match target {
                InitTarget::Shell(Shell::Bash | Shell::Zsh) => v.join(" | ") + ")",
                InitTarget::Shell(Shell::Fish) => format!("case {}\n", v.join(" ")),
                InitTarget::Shell(Shell::PowerShell) => format!("'{}'", v.join("', '")),
                InitTarget::Shell(Shell::Cmd) => format!("in ({}) do", v.join(" ")),
                InitTarget::Shell(Shell::Nu) => format!("not-in [{}]", v.join(" ")),
                // Clink wraps nothing: it renews with `use` and drops with `unset`.
                InitTarget::Clink => {
                    assert!(text.contains("apply(\"use\"") && text.contains("apply(\"unset\")"));
                    continue;
                }
            };
            assert!(text.contains(&list), "{target:?} lacks {list:?}");
        }
    }

    /// The Lua patterns the Clink script reads cmd's output with match every line `use` and
    /// `unset` print for cmd, and give back the names and values as they are.
    #[test]
    fn clink_patterns_read_cmd_output() {
        let lua = InitTarget::Clink.hook();
        let set = r#"'^set "([%w_]+)=(.*)"$'"#;
        let unset = r#""^set ([%w_]+)=$""#;
        assert!(lua.contains(set) && lua.contains(unset));
        let to_regex = |p: &str| {
            let r = p[1..p.len() - 1].replace("%w", "A-Za-z0-9");
            assert!(!r.contains('%'), "{r}");
            rexpect::reader::Regex::new(&r).unwrap()
        };
        let (set, unset) = (to_regex(set), to_regex(unset));
        let vars = [
            ("AWS_ACCESS_KEY_ID", "ASIA0123"),
            ("AWS_SECRET_ACCESS_KEY", "a+b/c=d (e)"),
            ("AWS_REGION", "eu-west-1"),
            ("MFAENV_PROFILE", "foo bar"),
        ];
        let inherited = Inherited::read(|n| {
            [
                (
                    "MFAENV_VARS",
                    "AWS_REGION AWS_DEFAULT_REGION MFAENV_PROFILE",
                ),
                ("MFAENV_PROFILE", "old"),
                ("MFAENV_SAVED_AWS_DEFAULT_REGION", "us-east-2"),
            ]
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.to_string())
        });
        let script = Shell::Cmd.use_script(&vars, &inherited).unwrap()
            + &Shell::Cmd.restore_script(&inherited);
        let mut seen = Vec::new();
        for line in script.lines() {
            if let Some(c) = set.captures(line) {
                seen.push((c[1].to_owned(), c[2].to_owned()));
            } else {
                assert!(unset.is_match(line), "Clink cannot read {line:?}");
            }
        }
        for (name, value) in vars {
            assert!(
                seen.contains(&(name.to_owned(), value.to_owned())),
                "{name}"
            );
        }
        assert!(seen.contains(&("AWS_DEFAULT_REGION".to_owned(), "us-east-2".to_owned())));
    }

    /// nu gets JSON: each value comes back byte for byte through a JSON parser, whatever it
    /// holds; a variable an earlier `use` set that this one does not is `null`; the unset
    /// script is the list of names `use` set, for `hide-env`.
    #[test]
    fn nu_scripts_are_json_data() {
        let hostile = "it's \"$(id)\" `id` \\ \n\r\t\x1b]0;x\x07 %PATH% ! ^ é \u{2028} {a: 1}";
        let inherited = Inherited::read(|n| match n {
            "MFAENV_VARS" => Some("AWS_ACCESS_KEY_ID AWS_REGION MFAENV_PROFILE".into()),
            _ => None,
        });
        let script = Shell::Nu
            .use_script(
                &[("AWS_ACCESS_KEY_ID", hostile), ("MFAENV_PROFILE", "p")],
                &inherited,
            )
            .unwrap();
        assert_eq!(script.matches('\n').count(), 1, "{script}");
        let v: serde_json::Value = serde_json::from_str(&script).unwrap();
        assert_eq!(v["AWS_ACCESS_KEY_ID"], hostile);
        assert_eq!(v["AWS_REGION"], serde_json::Value::Null);
        assert_eq!(v["MFAENV_VARS"], "AWS_ACCESS_KEY_ID MFAENV_PROFILE");
        assert!(v.get("AWS_DEFAULT_REGION").is_none(), "{v}");
        let unset: Vec<String> =
            serde_json::from_str(&Shell::Nu.restore_script(&inherited)).unwrap();
        assert_eq!(
            unset,
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_REGION",
                "MFAENV_PROFILE",
                "MFAENV_VARS"
            ]
        );
        assert_eq!(Shell::from_name("nu"), Some(Shell::Nu));
        assert_eq!(Shell::from_name("/usr/bin/nu"), Some(Shell::Nu));
        assert_eq!(detect(None, Some("nu")), (Shell::Nu, None));
    }

    #[test]
    fn unset_lines_per_shell() {
        assert_eq!(Shell::Bash.unset_script(&["A", "B"]), "unset A\nunset B\n");
        assert_eq!(Shell::Fish.unset("A"), "set -e A\n");
        assert_eq!(
            Shell::PowerShell.unset("A"),
            "Remove-Item Env:A -ErrorAction SilentlyContinue\n"
        );
        assert_eq!(Shell::Cmd.unset("A"), "set A=\n");
    }

    #[test]
    fn hooks_tell_mfaenv_their_shell_and_check_only_its_sessions() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let told = format!("MFAENV_SHELL={} command mfaenv", shell.name());
            assert!(shell.hook().contains(&told), "{shell:?}");
        }
        assert!(
            Shell::PowerShell
                .hook()
                .contains("$Env:MFAENV_SHELL = 'powershell'")
        );
        assert!(Shell::Cmd.hook().contains("MFAENV_SHELL=cmd"));
        let clink = InitTarget::Clink.hook();
        assert!(clink.contains("--shell cmd"));
        assert!(Shell::Nu.hook().contains("with-env {MFAENV_SHELL: nu}"));
        for hook in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Nu,
        ]
        .map(Shell::hook)
        .into_iter()
        .chain([clink])
        {
            assert!(hook.contains("MFAENV_PROFILE") && hook.contains("MFAENV_REFRESH_MARGIN"));
        }
        let cmd = Shell::Cmd.hook();
        assert!(
            cmd.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
            "CRLF"
        );
    }
}
