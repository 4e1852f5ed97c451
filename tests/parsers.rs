//! PowerShell and cmd read by parsers nobody here wrote: every PowerShell script mfaenv prints
//! (and its hook) parsed by the tree-sitter PowerShell grammar, each assignment's string
//! literals decoded by PowerShell's rules and compared with the value, over the generated values
//! of the quoting properties; the Clink script run in real Lua 5.4 and 5.2 against a stand-in of the
//! Clink API, fed what the built binary prints for cmd.

mod common;
mod props;

use common::fake_sts::{GOOD_CODE, SESSION_KEY_ID, rfc3339};
use common::*;
use mfaenv::session::{MANAGED, RECORD};
use mfaenv::shell::{Inherited, Shell};
use props::{names, prove};
use proptest::prelude::*;
use std::path::Path;
use tree_sitter::{Node, Parser, Tree};

/// PowerShell's single-quote characters: any of them opens, closes or (doubled) escapes.
const PS_SINGLE: &[char] = &['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
/// PowerShell's double-quote characters.
const PS_DOUBLE: &[char] = &['"', '\u{201C}', '\u{201D}', '\u{201E}'];

/// The nodes an expression of string literals joined by `+` is wrapped in by this grammar (the
/// precedence levels between a pipeline and a literal).
const WRAPPERS: &[&str] = &[
    "pipeline",
    "pipeline_chain",
    "logical_expression",
    "bitwise_expression",
    "comparison_expression",
    "additive_expression",
    "multiplicative_expression",
    "format_expression",
    "range_expression",
    "array_literal_expression",
    "unary_expression",
];

fn parse(script: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("the PowerShell grammar loads");
    parser.parse(script, None).expect("tree-sitter parses")
}

/// `node` and everything under it, in document order. Without recursion: a value with
/// thousands of line breaks is a chain of thousands of nested `+`.
fn descendants(node: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        out.push(n);
        stack.extend(children(n).into_iter().rev());
    }
    out
}

/// The first ERROR or MISSING node in `tree`, with where it is, if any.
fn first_error(tree: &Tree, text: &str) -> Option<String> {
    if !tree.root_node().has_error() {
        return None;
    }
    let found = descendants(tree.root_node())
        .into_iter()
        .find(|n| n.is_error() || n.is_missing());
    Some(match found {
        None => "an error somewhere".into(),
        Some(node) => {
            let around: String = text[node.start_byte()..].chars().take(60).collect();
            format!(
                "{} at line {}: {around:?}",
                if node.is_missing() {
                    "MISSING"
                } else {
                    "ERROR"
                },
                node.start_position().row + 1
            )
        }
    })
}

/// The text of `node` in `text`.
fn text_of<'a>(node: Node, text: &'a str) -> &'a str {
    &text[node.byte_range()]
}

/// A single-quoted literal's value by PowerShell's rules: inside the outer quotes, any of the
/// five single-quote characters followed by another stands for the second; one alone would end
/// the string in PowerShell (whatever tree-sitter, which knows only `'`, makes of it).
fn decode_verbatim(token: &str) -> Result<String, String> {
    let inner = token
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .ok_or_else(|| format!("{token:?} is not quoted by '"))?;
    let mut value = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if PS_SINGLE.contains(&c) {
            match chars.next() {
                Some(second) if PS_SINGLE.contains(&second) => value.push(second),
                _ => return Err(format!("a lone quote {c:?} ends {token:?} early")),
            }
        } else {
            value.push(c);
        }
    }
    Ok(value)
}

/// A double-quoted literal's value: backtick escapes, doubled quotes; no `$` (which would
/// expand) and no lone double-quote character (which would end it).
fn decode_expandable(token: &str) -> Result<String, String> {
    let inner = token
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| format!("{token:?} is not quoted by \""))?;
    let mut value = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '`' => value.push(match chars.next() {
                Some('n') => '\n',
                Some('r') => '\r',
                Some('t') => '\t',
                Some('0') => '\0',
                Some('a') => '\u{7}',
                Some('b') => '\u{8}',
                Some('e') => '\u{1B}',
                Some('f') => '\u{C}',
                Some('v') => '\u{B}',
                Some('u') => return Err("a `u escape".into()),
                Some(c) => c,
                None => return Err("a backtick at the end".into()),
            }),
            '$' => return Err(format!("`$` in {token:?} expands")),
            c if PS_DOUBLE.contains(&c) => match chars.next() {
                Some(second) if PS_DOUBLE.contains(&second) => value.push(second),
                _ => return Err(format!("a lone quote {c:?} ends {token:?} early")),
            },
            c => value.push(c),
        }
    }
    Ok(value)
}

/// The value of an expression made only of string literals joined by `+`, or why it is not one.
fn literal_value(node: Node, text: &str) -> Result<String, String> {
    let mut value = String::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "string_literal" => {
                let [part] = children(node)[..] else {
                    return Err(format!("{:?}: not one token", text_of(node, text)));
                };
                let token = text_of(part, text);
                value += &match part.kind() {
                    "verbatim_string_characters" => decode_verbatim(token)?,
                    "expandable_string_literal" if part.named_child_count() == 0 => {
                        decode_expandable(token)?
                    }
                    kind => return Err(format!("{kind} {token:?}")),
                };
            }
            kind if WRAPPERS.contains(&kind) => {
                let parts = children(node);
                for (i, child) in parts.iter().enumerate() {
                    if i % 2 == 1 && child.kind() != "+" {
                        return Err(format!("{:?} between literals", text_of(*child, text)));
                    }
                }
                // The operands, first on top.
                stack.extend(parts.into_iter().step_by(2).rev());
            }
            kind => return Err(format!("{kind} {:?}", text_of(node, text))),
        }
    }
    Ok(value)
}

fn children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// Every `$Env:NAME = …` assignment in the tree, in order: the name, and the value when the
/// right side is string literals alone (else why not: a variable, a subexpression).
fn env_assignments(tree: &Tree, text: &str) -> Vec<(String, Result<String, String>)> {
    let mut out = Vec::new();
    for node in descendants(tree.root_node()) {
        if node.kind() != "assignment_expression" {
            continue;
        }
        let left = node.child(0).map(|n| text_of(n, text)).unwrap_or_default();
        if let Some(name) = left.strip_prefix("$Env:") {
            let value = node
                .child_by_field_name("value")
                .ok_or_else(|| "no value".to_owned())
                .and_then(|v| literal_value(v, text));
            out.push((name.to_owned(), value));
        }
    }
    out
}

/// Parses `script`: no ERROR or MISSING node, and its `$Env:` assignments with string values.
/// Every other `$Env:` assignment must give back a saved value (`$global:_mfaenv_o_NAME`).
fn literal_assignments(script: &str) -> Result<Vec<(String, String)>, String> {
    let tree = parse(script);
    if let Some(e) = first_error(&tree, script) {
        return Err(e);
    }
    let mut literals = Vec::new();
    for (name, value) in env_assignments(&tree, script) {
        match value {
            Ok(v) => literals.push((name, v)),
            Err(why) if why == format!("variable \"$global:_mfaenv_o_{name}\"") => {}
            Err(why) => return Err(format!("$Env:{name} = {why}")),
        }
    }
    Ok(literals)
}

#[test]
fn the_decoding_follows_powershell_and_refuses_what_powershell_reads_otherwise() {
    let decode = |script: &str| {
        let tree = parse(script);
        assert_eq!(first_error(&tree, script), None, "{script:?}");
        let mut all = env_assignments(&tree, script);
        assert_eq!(all.len(), 1, "{script:?}");
        all.remove(0).1
    };
    assert_eq!(decode("$Env:X = 'a''b'\n"), Ok("a'b".to_owned()));
    assert_eq!(
        decode("$Env:X = 'a\u{2019}\u{2018}b\u{201B}\u{201B}'\n"),
        Ok("a\u{2018}b\u{201B}".to_owned())
    );
    assert_eq!(
        decode("$Env:X = 'a' + \"`r\" + '' + \"`n\" + 'b'\n"),
        Ok("a\r\nb".to_owned())
    );
    assert_eq!(decode("$Env:X = \"a\"\"`$\"\n"), Ok("a\"$".to_owned()));
    for bad in [
        // tree-sitter reads one string here; PowerShell ends it at the lone U+2019.
        "$Env:X = 'a\u{2019}b'\n",
        "$Env:X = 'a' + \"$x\"\n",
        "$Env:X = 'a' + \"$(calc)\"\n",
        "$Env:X = 'a' * 'b'\n",
        "$Env:X = $global:x\n",
        "$Env:X = 'a' + (calc)\n",
    ] {
        assert!(decode(bad).is_err(), "{bad:?}");
    }
    for broken in ["$Env:X = 'a\n", "$Env:X = 'a' +\n", "if ($x) {\n"] {
        assert!(literal_assignments(broken).is_err(), "{broken:?}");
    }
}

/// Every generated value: the export script parses with no error node, has one assignment per
/// value, and each decodes to exactly its value.
#[test]
fn powershell_exports_parse_and_decode_to_every_generated_value() {
    prove("powershell by tree-sitter", |(_, values)| {
        let names = names(values.len());
        let vars: Vec<(&str, &str)> = names
            .iter()
            .map(String::as_str)
            .zip(values.iter().map(String::as_str))
            .collect();
        let script = Shell::PowerShell
            .export_script(&vars)
            .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        let tree = parse(&script);
        if let Some(e) = first_error(&tree, &script) {
            return Err(TestCaseError::fail(e));
        }
        let got = env_assignments(&tree, &script);
        prop_assert_eq!(got.len(), vars.len());
        for ((name, value), (line, (got_name, got_value))) in
            vars.iter().zip(script.lines().zip(got))
        {
            prop_assert_eq!(got_name.as_str(), *name);
            match got_value {
                Ok(v) => prop_assert!(v == *value, "{line:?} decodes to {v:?}, not {value:?}"),
                Err(why) => prop_assert!(false, "{line:?} is not a plain assignment: {why}"),
            }
        }
        Ok(())
    });
}

/// The `use` and `unset` scripts, with the generated values as the session's: no error node;
/// the `use` script's literal assignments are exactly the session's variables with their
/// values and the record of their names; `unset` assigns no literal at all.
#[test]
fn powershell_use_and_unset_scripts_parse_and_decode_over_generated_values() {
    let unset = Shell::PowerShell.restore_script(&Inherited::default());
    assert_eq!(literal_assignments(&unset), Ok(Vec::new()), "{unset}");
    prove("powershell use scripts by tree-sitter", |(_, values)| {
        for chunk in values.chunks(MANAGED.len()) {
            let vars: Vec<(&str, &str)> = MANAGED
                .iter()
                .copied()
                .zip(chunk.iter().map(String::as_str))
                .collect();
            let script = Shell::PowerShell
                .use_script(&vars, &Inherited::default())
                .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
            let got = literal_assignments(&script).map_err(TestCaseError::fail)?;
            let names: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
            let mut want: Vec<(String, String)> = vars
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            want.push((RECORD.to_owned(), names.join(" ")));
            prop_assert!(got == want, "{script}");
        }
        Ok(())
    });
}

/// What the built binary prints for PowerShell: `use` (fresh, and again over a session) and
/// `unset`, parsed with no error node, the session's values decoded.
#[test]
fn powershell_scripts_of_the_binary_parse_and_decode() {
    let f = Fixture::new();
    let run = f.run(&[
        "use",
        "foobar",
        "--shell",
        "powershell",
        "--token-code",
        GOOD_CODE,
    ]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let got = literal_assignments(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout));
    let value = |name: &str| {
        got.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in {}", run.stdout))
    };
    assert_eq!(value("AWS_ACCESS_KEY_ID"), SESSION_KEY_ID);
    assert_eq!(value("MFAENV_PROFILE"), "foobar");
    assert_eq!(value("AWS_REGION"), "eu-west-1");
    assert_eq!(value("AWS_SESSION_TOKEN"), value("AWS_SECURITY_TOKEN"));
    let record = value(RECORD);
    for (name, _) in got.iter().filter(|(n, _)| n != RECORD) {
        assert!(
            record.split(' ').any(|n| n == name),
            "{name} not in {record}"
        );
    }
    let env: Vec<(&str, &str)> = got.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    for args in [
        &[
            "use",
            "foobar",
            "--shell",
            "powershell",
            "--token-code",
            GOOD_CODE,
        ][..],
        &["unset", "--shell", "powershell"][..],
    ] {
        let again = f.run_env(args, &env);
        assert_eq!(again.code, Some(0), "{again:#?}");
        literal_assignments(&again.stdout).unwrap_or_else(|e| panic!("{e}\n{}", again.stdout));
    }
}

/// The hook `mfaenv init powershell` prints (shell/mfaenv.ps1) parses with no error node.
#[test]
fn powershell_hook_parses_with_no_error_node() {
    let f = Fixture::new();
    let run = f.run(&["init", "powershell"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let file =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("shell/mfaenv.ps1"))
            .unwrap();
    assert_eq!(run.stdout, file);
    let tree = parse(&file);
    assert_eq!(first_error(&tree, &file), None);
}

/// The `set` lines of a cmd script: what each sets (None: removes), in order.
fn cmd_lines(script: &str) -> Vec<(String, Option<String>)> {
    script
        .lines()
        .map(|line| {
            if let Some(rest) = line.strip_prefix("set \"") {
                let (name, value) = rest
                    .strip_suffix('"')
                    .and_then(|r| r.split_once('='))
                    .unwrap_or_else(|| panic!("{line:?}"));
                (name.to_owned(), Some(value.to_owned()))
            } else {
                let name = line
                    .strip_prefix("set ")
                    .and_then(|r| r.strip_suffix('='))
                    .unwrap_or_else(|| panic!("{line:?}"));
                (name.to_owned(), None)
            }
        })
        .collect()
}

/// The stand-in for Clink and cmd.exe: `os.getenv`/`os.setenv` on a table, `io.popen`
/// recording the command and answering with what the binary printed, `clink.onbeginedit` (or,
/// for old Clink, `clink.promptfilter`) keeping the check. Each `run` prints the commands, what
/// went to stderr and the whole environment after the check, sorted.
const CLINK_HARNESS: &str = r#"
local dir, script, modern = arg[1], arg[2], arg[3] == "modern"
ENV, CMDS, ERR = {}, {}, {}
local function canned(name)
    local file = assert(io.open(dir .. "/" .. name))
    local text = file:read("*a")
    file:close()
    return text
end
os.getenv = function(k) return ENV[k] end
os.setenv = function(k, v) ENV[k] = v end
io.stderr = { write = function(_, text) ERR[#ERR + 1] = text end }
io.popen = function(command)
    CMDS[#CMDS + 1] = command
    local text = command:find(" use ") and canned("use.txt") or canned("unset.txt")
    return {
        lines = function() return text:gmatch("([^\n]*)\n") end,
        close = function() return true, "exit", 0 end,
    }
end
if modern then
    clink = { onbeginedit = function(f) CHECK = f end }
else
    clink = { promptfilter = function(priority)
        local filter = {}
        CHECK = function() filter:filter() end
        return filter
    end }
end
dofile(script)
local function run(env)
    ENV, CMDS, ERR = env, {}, {}
    CHECK()
    io.write("CMDS<", table.concat(CMDS, "|"), ">\n")
    io.write("ERR<", table.concat(ERR), ">\n")
    local names = {}
    for k in pairs(ENV) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do io.write("ENV<", k, "=", ENV[k], ">\n") end
    io.write("END\n")
end
local lapsed = "2000-01-01T00:00:00Z"
run({ MFAENV_PROFILE = "evil\27]0;x\7\r\nmfaenv: forged\194\155", AWS_SESSION_EXPIRATION = lapsed,
      AWS_REGION = "us-east-2" })
run({ MFAENV_PROFILE = "--help", AWS_SESSION_EXPIRATION = lapsed, AWS_ACCESS_KEY_ID = "OLD" })
run({ MFAENV_PROFILE = "foobar", AWS_SESSION_EXPIRATION = arg[4],
      MFAENV_REFRESH_MARGIN = "999999", MFAENV_SESSION_SECONDS = "43200" })
run({ MFAENV_PROFILE = "foobar", AWS_SESSION_EXPIRATION = arg[4], MFAENV_REFRESH_MARGIN = "999999" })
"#;

/// The environment a run of the harness left: name and value, sorted by name.
fn clink_env(run: &str) -> Vec<(String, String)> {
    run.lines()
        .filter_map(|l| l.strip_prefix("ENV<")?.strip_suffix('>')?.split_once('='))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

/// The Clink script run in Debian's Lua 5.4 against the stand-in, fed the built binary's real
/// `use --shell cmd` output (over the user's own region) and the `unset` output it gives for
/// that session: it sets exactly what `use` printed, shows a hostile profile name escaped and
/// passes it after `--shell cmd --`, never passes an option-like name and then applies the
/// real `unset` (removing every variable it lists), and keeps a huge margin below half the
/// session. Both registrations (onbeginedit, and old Clink's prompt filter) run the check, in
/// Lua 5.4 and in 5.2 (the Lua that Clink embeds).
#[test]
fn clink_script_runs_in_real_lua_on_the_binarys_cmd_output() {
    // Lua 5.4 as the issue asks, and 5.2, the Lua that Clink embeds.
    let luas: Vec<&str> = ["lua5.4", "lua5.2"]
        .into_iter()
        .filter(|l| have(l))
        .collect();
    if luas.is_empty() {
        return;
    }
    let f = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let use_run = f.run_env(
        &["use", "foobar", "--shell", "cmd", "--token-code", GOOD_CODE],
        &[("AWS_REGION", "us-east-2")],
    );
    assert_eq!(use_run.code, Some(0), "{use_run:#?}");
    let use_lines = cmd_lines(&use_run.stdout);
    // The environment `use` leaves in cmd, from which `unset` decides.
    let mut session: Vec<(String, String)> = vec![("AWS_REGION".into(), "us-east-2".into())];
    for (name, value) in &use_lines {
        session.retain(|(n, _)| n != name);
        if let Some(v) = value {
            session.push((name.clone(), v.clone()));
        }
    }
    session.sort();
    let env: Vec<(&str, &str)> = session
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let unset_run = f.run_env(&["unset", "--shell", "cmd"], &env);
    assert_eq!(unset_run.code, Some(0), "{unset_run:#?}");
    let unset_lines = cmd_lines(&unset_run.stdout);
    assert!(
        unset_lines.contains(&("AWS_REGION".into(), Some("us-east-2".into()))),
        "{unset_lines:?}"
    );
    std::fs::write(dir.path().join("use.txt"), &use_run.stdout).unwrap();
    std::fs::write(dir.path().join("unset.txt"), &unset_run.stdout).unwrap();
    let harness_file = dir.path().join("harness.lua");
    std::fs::write(&harness_file, CLINK_HARNESS).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("shell/mfaenv.lua");
    let valid = rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 30_000,
    );

    for (lua, clink) in luas.iter().flat_map(|lua| [(lua, "modern"), (lua, "old")]) {
        let clink = format!("{lua} {clink}");
        let out = std::process::Command::new(lua)
            .arg(&harness_file)
            .arg(dir.path())
            .arg(&script)
            .arg(clink.rsplit(' ').next().unwrap_or_default())
            .arg(&valid)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{clink}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let runs: Vec<&str> = stdout.split("CMDS<").skip(1).collect();
        assert_eq!(runs.len(), 4, "{clink}: {stdout}");
        let (hostile, refused, clamped, unclamped) = (runs[0], runs[1], runs[2], runs[3]);

        // A hostile name: escaped on stderr, passed after --shell cmd --; the environment is
        // then exactly what the real `use` output makes of it.
        assert!(
            hostile.starts_with(
                "mfaenv.exe use --shell cmd -- \"evil\x1b]0;x\x07\r\nmfaenv: forged\u{9b}\">"
            ),
            "{clink}: {hostile:?}"
        );
        let err = hostile
            .split_once("ERR<")
            .and_then(|(_, e)| e.split_once(">\n"))
            .map(|(e, _)| e)
            .unwrap();
        for raw in ['\x1b', '\x07', '\r', '\n', '\u{9b}'] {
            assert!(
                !err.trim_end().contains(raw),
                "{clink}: raw {raw:?} in {err:?}"
            );
        }
        assert!(
            err.contains(
                "mfaenv: session for evil\\x1b]0;x\\x07\\x0d\\x0amfaenv: forged\\x9b lapsed"
            ),
            "{clink}: {err:?}"
        );
        assert_eq!(clink_env(hostile), session, "{clink}");
        assert!(
            session
                .iter()
                .any(|(n, v)| n == "AWS_ACCESS_KEY_ID" && v == SESSION_KEY_ID)
        );

        // An option-like name: never passed to `use`; the real `unset` output applied (each
        // variable it removes gone, the region it gives back back), and MFAENV_PROFILE gone.
        assert!(
            refused.starts_with("mfaenv.exe unset --shell cmd>"),
            "{clink}: {refused:?}"
        );
        assert!(
            refused.contains("'--help' is not a profile name")
                && refused.contains("removed the lapsed credentials"),
            "{clink}: {refused:?}"
        );
        let left = clink_env(refused);
        for (name, value) in &unset_lines {
            let now = left.iter().find(|(n, _)| n == name).map(|(_, v)| v);
            assert_eq!(now, value.as_ref(), "{clink}: {name} after unset");
        }
        assert!(
            !left.iter().any(|(n, _)| n == "MFAENV_PROFILE"),
            "{clink}: {left:?}"
        );

        // A margin of 999999 s on a 12 h session: clamped to 6 h, so 8 h left is not lapsed;
        // without the session's length the margin is taken as it is.
        assert!(clamped.starts_with(">\nERR<>"), "{clink}: {clamped:?}");
        assert!(
            unclamped.starts_with("mfaenv.exe use --shell cmd -- \"foobar\">"),
            "{clink}: {unclamped:?}"
        );
    }
}
