//! The hooks for shells the tests cannot run here (PowerShell, cmd.exe, Clink): the pieces that
//! matter, checked as text, and checked against what the binary really prints.

mod common;

use common::fake_sts::{GOOD_CODE, rfc3339};
use common::*;
use rexpect::reader::Regex;
use std::path::Path;

fn hook(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shell")
        .join(file);
    std::fs::read_to_string(path).unwrap()
}

/// The text between `start` and the next `end` after it, in `text`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let len = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?} after {start:?}"));
    &text[from..from + len]
}

/// What `mfaenv use foobar` prints for `shell`.
fn use_script(shell: &str) -> String {
    let f = Fixture::new();
    let run = f.run(&["use", "foobar", "--shell", shell, "--token-code", GOOD_CODE]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    run.stdout
}

fn now_plus(seconds: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    rfc3339(now + seconds)
}

#[test]
fn powershell_wrapper_evaluates_only_mfaenvs_own_script_for_use_unset_logout() {
    let ps = hook("mfaenv.ps1");
    assert!(ps.contains("function global:mfaenv {"));
    assert!(ps.contains("$verb -notin 'use', 'unset', 'logout'"));
    // Case-sensitive: -v is --verbose, only -V is --version.
    assert!(ps.contains(
        "if (\"$arg\" -cmatch '^(--help|--version|-[^-]*[hV].*)$') { $verb = ''; break }"
    ));
    // The program itself, never the function or the cmd wrapper.
    assert!(ps.contains("-CommandType Application"));
    assert!(ps.contains("$_.Extension -notin '.cmd', '.bat'"));
    // MFAENV_SHELL for mfaenv alone, restored whatever happens.
    assert!(ps.contains("$Env:MFAENV_SHELL = 'powershell'\n    try {"));
    assert!(ps.contains("} finally {\n        $Env:MFAENV_SHELL = $shell\n"));
    // mfaenv's UTF-8 is read as UTF-8, and the console's encoding put back.
    assert!(ps.contains("[Console]::OutputEncoding = [Text.UTF8Encoding]::new($false)"));
    assert!(ps.contains("try { [Console]::OutputEncoding = $encoding } catch { }"));
    assert!(ps.contains("if ($LASTEXITCODE -eq 0) { $script | Out-String | Invoke-Expression }"));
    assert_eq!(
        ps.matches("Invoke-Expression").count(),
        3,
        "one use, two in the comments"
    );
    for stdout in ["Write-Host", "Write-Output", "echo "] {
        assert!(!ps.contains(stdout), "{stdout}");
    }
}

#[test]
fn powershell_prompt_wrap_keeps_the_prompt_its_status_and_loads_once() {
    let ps = hook("mfaenv.ps1");
    let wrap = &ps[ps
        .find("if (\"$function:prompt\" -notmatch '__MfaenvCheck')")
        .unwrap()..];
    assert!(wrap.contains("$global:__MfaenvPrompt = $function:prompt"));
    // $? and $LASTEXITCODE first, before anything runs; Get-Variable because under
    // Set-StrictMode a $LASTEXITCODE that was never set is an error.
    let body = between(wrap, "function global:prompt {", "\n    }\n}");
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines[0], "$ok = $global:?");
    assert_eq!(
        lines[1],
        "$code = Get-Variable -Name LASTEXITCODE -Scope Global -ValueOnly -ErrorAction Ignore"
    );
    assert!(
        body.contains("$null = __MfaenvCheck"),
        "the check's output is discarded"
    );
    assert!(body.contains("$global:LASTEXITCODE = $code"));
    assert!(body.contains("if (-not $ok) { Write-Error '' -ErrorAction Ignore }"));
    assert_eq!(
        *lines.last().unwrap(),
        "& $global:__MfaenvPrompt",
        "its output is the prompt"
    );
    assert!(!body.contains("$LASTEXITCODE ") && !body.contains("Set-StrictMode"));
}

#[test]
fn powershell_expiry_check_reads_what_use_exports() {
    let ps = hook("mfaenv.ps1");
    let check = between(&ps, "function global:__MfaenvCheck {", "\n}\n");
    assert!(check.contains("if (-not $Env:MFAENV_PROFILE) { return }"));
    assert!(check.contains("[DateTimeOffset]::UtcNow.AddSeconds($margin)"));
    assert!(check.contains("$margin = 60"));
    assert!(check.contains("[string]::CompareOrdinal($soon, $expiry) -lt 0) { return }"));
    assert!(check.contains("mfaenv use '--' $name") && check.contains("mfaenv unset"));
    assert!(check.contains("Remove-Item Env:MFAENV_PROFILE"));
    assert!(check.contains("to start again"));

    // The .NET format makes the same fixed-width text as the expiry mfaenv exports, so that
    // ordinal comparison is time order.
    let format = between(check, ".ToString(\n        \"", "\"");
    assert_eq!(format, "yyyy-MM-dd'T'HH:mm:ss'Z'");
    let strftime = format
        .replace("yyyy", "%Y")
        .replace("MM", "%m")
        .replace("dd", "%d")
        .replace("HH", "%H")
        .replace("mm", "%M")
        .replace("ss", "%S")
        .replace('\'', "");
    assert_eq!(strftime, "%Y-%m-%dT%H:%M:%SZ");
    let pattern = between(check, "$expiry -cmatch '", "'");
    let valid = Regex::new(pattern).unwrap();
    let script = use_script("powershell");
    let expiry = between(&script, "$Env:AWS_SESSION_EXPIRATION = '", "'");
    assert!(valid.is_match(expiry), "{pattern} vs {expiry}");
    assert!(now_plus(60).as_str() < expiry && expiry < now_plus(13 * 3600).as_str());
    for unreadable in [
        "",
        "2026-11-23 19:27:32Z",
        "2026-11-23T19:27:32+00:00",
        "١٢٣٤-11-23T19:27:32Z",
    ] {
        assert!(!valid.is_match(unreadable), "{unreadable}");
    }
}

#[test]
fn cmd_wrapper_applies_use_unset_logout_and_keeps_the_exit_code() {
    let cmd = hook("mfaenv.cmd");
    assert!(cmd.starts_with("@echo off\r\n"));
    assert!(
        cmd.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
        "CRLF line ends"
    );
    assert!(cmd.contains("for %%v in (use unset logout) do if /i \"%mfaenv_verb%\"==\"%%v\""));
    assert!(cmd.contains("for %%f in (-h --help -V --version) do"));
    // The verb is found in a local scope that ends before the variables are set.
    assert!(cmd.contains("setlocal\r\n"));
    assert!(cmd.contains("endlocal & goto :%mfaenv_target%\r\n"));
    assert!(cmd.contains(":pass\r\nmfaenv.exe %*\r\nexit /b\r\n"));
    let apply = between(&cmd, ":apply\r\n", "\r\nexit /b 1\r\n");
    assert!(apply.ends_with(
        "for /f \"delims=\" %%l in ('set \"MFAENV_SHELL=cmd\" ^& mfaenv.exe %* ^& call echo exit /b %%^^errorlevel%%') do @%%l"
    ));

    // Every line the wrapper runs is one `set`, from use and from unset alike.
    let f = Fixture::new();
    let unset = f.run(&["unset", "--shell", "cmd"]).stdout;
    for line in use_script("cmd").lines().chain(unset.lines()) {
        assert!(line.starts_with("set "), "{line}");
    }
}

#[test]
fn clink_script_sets_what_use_prints_and_checks_the_expiry() {
    let lua = hook("mfaenv.lua");
    assert!(lua.contains("clink.onbeginedit(check)"));
    assert!(lua.contains("io.popen('mfaenv.exe ' .. verb .. ' --shell cmd' .. (rest or \"\"))"));
    assert!(lua.contains("apply(\"use\", ' -- \"' .. profile:gsub('\"', \"\") .. '\"')"));
    assert!(lua.contains("apply(\"unset\")") && lua.contains("os.setenv(\"MFAENV_PROFILE\", nil)"));
    assert!(lua.contains("os.date(\"!%Y-%m-%dT%H:%M:%SZ\", os.time() + margin)"));
    assert!(lua.contains("soon >= expiry"));
    assert!(!lua.contains("print("), "nothing on stdout");

    // The Lua patterns, as regexes, read everything mfaenv prints for cmd.
    let to_regex = |p: &str| {
        Regex::new(
            &p.replace("%d", "[0-9]")
                .replace("%-", "-")
                .replace("%w", "A-Za-z0-9"),
        )
        .unwrap()
    };
    let expiry_pattern = to_regex(between(&lua, "local expiry_pattern = \"", "\""));
    let set = to_regex(between(&lua, "line:match('", "')"));
    let unset = to_regex(between(&lua, "name = line:match(\"", "\")"));
    let script = use_script("cmd");
    let mut names = Vec::new();
    for line in script.lines() {
        let caps = set.captures(line).unwrap_or_else(|| panic!("{line}"));
        if &caps[1] == "AWS_SESSION_EXPIRATION" {
            assert!(expiry_pattern.is_match(&caps[2]), "{}", &caps[2]);
            assert!(now_plus(60).as_str() < &caps[2]);
        }
        names.push(caps[1].to_owned());
    }
    assert!(names.contains(&"MFAENV_PROFILE".to_owned()), "{names:?}");
    let f = Fixture::new();
    for line in f.run(&["unset", "--shell", "cmd"]).stdout.lines() {
        assert!(unset.is_match(line), "{line}");
    }
}

/// The argument patterns of a hook, as regexes: which arguments mean help or version (the
/// command passes through, never evaluated) and which mean `--shell` (printed, never applied).
fn check_argument_patterns(hook: &str, help: &str, shell: &str) {
    let help = Regex::new(help).unwrap();
    let shell = Regex::new(shell).unwrap();
    for arg in ["-h", "--help", "-V", "--version", "-qV", "-vh", "-qvh"] {
        assert!(help.is_match(arg), "{hook}: {arg} is help");
    }
    for arg in [
        "-v",
        "-q",
        "-qv",
        "--verbose",
        "--shell",
        "foobar",
        "--token-code",
        "--",
        "h",
    ] {
        assert!(!help.is_match(arg), "{hook}: {arg} is not help");
    }
    for arg in ["--shell", "--shell=fish", "--shell=cmd"] {
        assert!(shell.is_match(arg), "{hook}: {arg} is --shell");
    }
    for arg in ["--shellx", "-shell", "shell", "--token-code"] {
        assert!(!shell.is_match(arg), "{hook}: {arg} is not --shell");
    }
}

/// PowerShell: the README's `mfaenv use p | Out-String | Invoke-Expression` and any `--shell`
/// get mfaenv's own output (the function is not last in its pipeline: it passes the script on
/// instead of running it, so `Invoke-Expression` never gets an empty string); the check
/// passes a quoted `'--'` (a bare one PowerShell's binder would take for itself) and shows
/// the profile name with its control characters escaped.
#[test]
fn powershell_wrapper_prints_when_piped_or_told_a_shell_and_the_check_is_safe() {
    let ps = hook("mfaenv.ps1");
    let wrapper = between(&ps, "function global:mfaenv {", "\n}\n");
    assert!(
        wrapper
            .contains("$print = $MyInvocation.PipelinePosition -lt $MyInvocation.PipelineLength")
    );
    assert!(wrapper.contains("if (\"$arg\" -ceq '--') { break }"));
    check_argument_patterns(
        "mfaenv.ps1",
        between(wrapper, "if (\"$arg\" -cmatch '", "'"),
        &format!(
            "^--shell{}",
            between(wrapper, "if (\"$arg\" -cmatch '^--shell", "'")
        ),
    );
    // Printing comes before running, and prints exactly what mfaenv printed.
    let print = wrapper.find("if ($print) { return $script }").unwrap();
    let run = wrapper
        .find("$script | Out-String | Invoke-Expression")
        .unwrap();
    assert!(print < run);

    let check = between(&ps, "function global:__MfaenvCheck {", "\n}\n");
    assert!(check.contains("mfaenv use '--' $name\n"));
    assert!(check.contains("$shown = __MfaenvPrintable $name"));
    assert_eq!(
        check.matches("$shown").count(),
        4,
        "every message shows the escaped name"
    );
    // An option-like name is not passed on at all, in case '--' were lost on the way.
    assert!(check.contains("if (\"$name\" -notlike '-*') {\n        mfaenv use '--' $name\n        $renewed = $LASTEXITCODE -eq 0\n"));
    assert!(check.contains("if (-not $renewed) {\n        mfaenv unset\n"));
    assert!(!check.contains("WriteLine(\"mfaenv: session for $name"));
    let printable = between(
        &ps,
        "function global:__MfaenvPrintable([string] $text) {",
        "\n}\n",
    );
    assert!(printable.contains(
        "[regex]::Replace($text, '\\p{Cc}', { param($m) '\\x{0:x2}' -f [int][char]$m.Value })"
    ));
    // The margin: one rule, clamped to half of what the session had left.
    assert!(check.contains("if (\"$Env:MFAENV_REFRESH_MARGIN\" -cmatch '^[0-9]{1,6}$')"));
    assert!(check.contains("if (\"$Env:MFAENV_SESSION_SECONDS\" -cmatch '^[0-9]{1,6}$') {"));
    assert!(check.contains("$half = [math]::Floor([int]$Env:MFAENV_SESSION_SECONDS / 2)"));
    assert!(check.contains("if ($margin -gt $half) { $margin = $half }"));
}

/// The bash, zsh and fish wrappers read the arguments by the same rules (checked here as
/// text; their behaviour in tests/hooks.rs).
#[test]
fn posix_and_fish_wrappers_share_the_argument_rules() {
    let fish = hook("mfaenv.fish");
    check_argument_patterns(
        "mfaenv.fish",
        between(&fish, "else if string match -qr -- '", "'"),
        "^--shell(=|$)",
    );
    assert!(fish.contains("else if string match -qr -- '^--shell(=|$)' $arg"));
    for file in ["mfaenv.bash", "mfaenv.zsh"] {
        let sh = hook(file);
        assert!(sh.contains("--shell | --shell=*) print=1 ;;"), "{file}");
        assert!(sh.contains("-h | --help | -V | --version | -["), "{file}");
        assert!(
            sh.contains(" command mfaenv use -- \"$profile\")"),
            "{file}"
        );
    }
    assert!(fish.contains("command mfaenv use -- $profile)"));
}

/// cmd.exe: `--shell` sends the command to mfaenv.exe untouched (the README's `for /f` line
/// runs the wrapper in a child cmd.exe, where applying would be lost and print nothing), and
/// scanning stops at `--`.
#[test]
fn cmd_wrapper_passes_explicit_shell_through() {
    let cmd = hook("mfaenv.cmd");
    let scan = between(&cmd, "\r\n:scan\r\n", "\r\n:chosen\r\n");
    assert!(
        scan.starts_with("if \"%~1\"==\"\" goto :chosen\r\nif \"%~1\"==\"--\" goto :chosen\r\n")
    );
    assert!(scan.contains("if \"%mfaenv_arg%\"==\"--shell\" set \"mfaenv_print=1\"\r\n"));
    assert!(scan.contains("if \"%mfaenv_arg:~0,8%\"==\"--shell=\" set \"mfaenv_print=1\"\r\n"));
    assert_eq!("--shell=".len(), 8);
    let chosen = between(&cmd, "\r\n:chosen\r\n", "endlocal");
    assert!(chosen.ends_with("\r\nif defined mfaenv_print set \"mfaenv_target=pass\"\r\n"));
    assert!(cmd.contains("setlocal\r\nset \"mfaenv_verb=\"\r\nset \"mfaenv_target=pass\"\r\nset \"mfaenv_print=\"\r\n"));
}

/// Clink: the profile goes after `--` (and after `--shell cmd`, which `--` would turn into a
/// profile name), both messages show it escaped, and the margin is clamped as in the binary.
#[test]
fn clink_passes_the_profile_after_dashes_and_escapes_it() {
    let lua = hook("mfaenv.lua");
    let check = between(&lua, "local function check()", "\nend\n");
    assert!(check.contains("local shown = printable(profile)"));
    assert!(check.contains("\"mfaenv: session for \" .. shown .. \" lapsed"));
    assert!(check.contains("run 'mfaenv use \" .. shown"));
    assert!(!check.contains("\" .. profile .. \""));
    let printable = between(&lua, "local function printable(text)", "\nend\n");
    assert!(printable.contains("text:gsub(\"\\xc2([\\x80-\\x9f])\""));
    assert!(printable.contains("text:gsub(\"%c\""));
    assert!(check.contains("if life and margin > math.floor(life / 2) then"));
    assert!(check.contains("if profile:sub(1, 1) ~= \"-\" then\n        renewed = apply(\"use\""));
    assert!(check.contains("if not renewed then\n"));
    assert!(check.contains("if profile:sub(1, 1) ~= \"-\" then\n        renewed = apply(\"use\""));
    assert!(check.contains("if not renewed then\n"));
    assert!(
        !lua.contains(" // "),
        "Lua 5.2 (older Clink) has no integer division"
    );
}

/// The PowerShell scripts, as text: `use` saves each variable it sets in a global (not
/// environment) variable before setting it, only when not already saved; `unset` restores or
/// removes each; no line holds anything but fixed names and mfaenv's quoted values, and each
/// line is complete (its braces and parentheses close on it).
#[test]
fn powershell_scripts_save_and_restore_in_session_variables() {
    let f = Fixture::new();
    let script = use_script("powershell");
    let lines: Vec<&str> = script.lines().collect();
    for name in mfaenv::session::MANAGED {
        let save = lines
            .iter()
            .position(|l| l.starts_with(&format!("if ($null -eq (Get-Variable -Name _mfaenv_s_{name} -Scope Global -ErrorAction Ignore)) {{")))
            .unwrap_or_else(|| panic!("no save of {name}"));
        let set = lines
            .iter()
            .position(|l| l.starts_with(&format!("$Env:{name} = '")))
            .unwrap_or_else(|| panic!("{name} not set"));
        assert!(save < set, "{name} saved after it was set");
        let line = lines[save];
        assert!(
            line.contains(&format!("$global:_mfaenv_o_{name} = $Env:{name}")),
            "{line}"
        );
        assert!(
            line.contains(&format!("(\" $Env:MFAENV_VARS \" -clike '* {name} *')")),
            "{line}"
        );
    }
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("$Env:MFAENV_VARS = 'AWS_ACCESS_KEY_ID ")
    );
    let unset = f.run(&["unset", "--shell", "powershell"]).stdout;
    for name in mfaenv::session::MANAGED {
        assert!(unset.contains(&format!("if ($null -ne (Get-Variable -Name _mfaenv_s_{name} -Scope Global -ErrorAction Ignore)) {{ if ($global:_mfaenv_s_{name} -eq 1) {{ $Env:{name} = $global:_mfaenv_o_{name} }} else {{ Remove-Item Env:{name} -ErrorAction SilentlyContinue }}; Remove-Variable -Name _mfaenv_s_{name}, _mfaenv_o_{name} -Scope Global -ErrorAction Ignore }}")), "{name}");
    }
    for line in script.lines().chain(unset.lines()) {
        if line.starts_with("$Env:") && line.contains(" = '") {
            continue; // a value, quoted by the proven rule
        }
        for (open, close) in [('{', '}'), ('(', ')')] {
            assert_eq!(
                line.matches(open).count(),
                line.matches(close).count(),
                "{line}"
            );
        }
        assert!(
            !line.contains("Env:MFAENV_VARS = ") || line.contains("'"),
            "{line}"
        );
        assert!(
            !line.contains("Set-Item") && !line.contains("Invoke-"),
            "{line}"
        );
    }
}
