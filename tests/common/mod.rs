//! Shared test support: the fake STS and a sandboxed home with AWS config files.
#![allow(dead_code)]

pub mod fake_sts;
pub mod keyring;
pub mod moto;

use fake_sts::{ACCESS_KEY_ID, FakeSts, SERIAL};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The long-term secret in the fixture's credentials file; recognisable so that tests can prove
/// it leaks nowhere.
pub const LONG_TERM_SECRET: &str = "LoNgTeRmSeCrEtMaRkEr0123456789/abcdefghij";

/// A private home with `~/.aws/config` and `~/.aws/credentials`, and a fake STS to talk to.
pub struct Fixture {
    pub home: tempfile::TempDir,
    pub sts: FakeSts,
}

impl Fixture {
    /// Profile `foobar`: long-term keys, `mfa_serial`, region eu-west-1.
    pub fn new() -> Fixture {
        let config = format!(
            "[profile foobar]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\n\
             [profile noregion]\nmfa_serial = {SERIAL}\n\n\
             [profile noserial]\nregion = eu-west-1\n\n\
             [profile nokeys]\nmfa_serial = {SERIAL}\n"
        );
        let credentials = format!(
            "[foobar]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n\n\
             [noregion]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n\n\
             [noserial]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
        );
        Fixture::with_files(&config, &credentials)
    }

    /// A home with these two files.
    pub fn with_files(config: &str, credentials: &str) -> Fixture {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), config).unwrap();
        std::fs::write(home.path().join(".aws/credentials"), credentials).unwrap();
        Fixture {
            home,
            sts: FakeSts::start(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }

    /// `mfaenv ARGS` with a clean environment: this home, the fake STS, no AWS variables of the
    /// machine running the tests.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_of(bin(), args)
    }

    /// As [`Fixture::cmd`], with another build of mfaenv (the static one).
    pub fn cmd_of(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args);
        self.sandbox(&mut cmd);
        cmd
    }

    /// `sh -c SCRIPT` in the same sandbox, with `$MFAENV` naming the binary.
    pub fn sh(&self, script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        self.sandbox(&mut cmd);
        cmd.env("MFAENV", bin());
        cmd
    }

    /// Gives `cmd` this fixture's environment and nothing of the machine's.
    pub fn sandbox(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("LANG", "C.UTF-8")
            .env("AWS_CONFIG_FILE", self.path(".aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path(".aws/credentials"))
            .env("AWS_ENDPOINT_URL_STS", &self.sts.url)
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("XDG_CACHE_HOME", self.path(".cache"))
            .stdin(Stdio::null());
        // No controlling terminal, so no test can stop at a prompt when run from a terminal.
        // (Under a pseudo-terminal the child already leads its session and this is a no-op.)
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: setsid is async-signal-safe and touches no memory.
            unsafe {
                cmd.pre_exec(|| {
                    libc::setsid();
                    Ok(())
                });
            }
        }
    }

    /// `mfaenv use PROFILE --shell bash --token-code GOOD_CODE`, which must succeed.
    pub fn login(&self, profile: &str) -> Run {
        let run = self.run(&[
            "use",
            profile,
            "--shell",
            "bash",
            "--token-code",
            fake_sts::GOOD_CODE,
        ]);
        assert_eq!(run.code, Some(0), "{run:#?}");
        assert_no_secret(&run.stderr);
        run
    }

    /// Runs `mfaenv ARGS` to completion with these variables set too.
    pub fn run_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        Run::from(self.cmd(args).envs(vars.iter().copied()).output().unwrap())
    }

    /// Runs `mfaenv ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd(args).output().unwrap())
    }

    /// The key id of the first profile with keys (the fixtures that rotate have one): the
    /// config's `mfaenv_access_key_id`
    /// (a store), else the credentials file's `aws_access_key_id`.
    pub fn stored_key_id(&self) -> String {
        let read = |rel: &str| std::fs::read_to_string(self.path(rel)).unwrap_or_default();
        let text = format!("{}\n{}", read(".aws/config"), read(".aws/credentials"));
        let find = |key: &str| {
            text.lines().find_map(|l| {
                l.strip_prefix(key)
                    .map(|v| v.trim_start_matches([' ', '=']).to_owned())
            })
        };
        find("mfaenv_access_key_id")
            .or_else(|| find("aws_access_key_id"))
            .unwrap()
    }
}

/// The built binary under test.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mfaenv"))
}

/// A finished run, with its streams as text.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts a failure: this exit code, empty stdout, one line on stderr containing `needle`.
    pub fn assert_fails(&self, code: i32, needle: &str) {
        assert_eq!(self.code, Some(code), "{self:#?}");
        assert_eq!(
            self.stdout, "",
            "stdout must be empty on failure: {self:#?}"
        );
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}: {self:#?}"
        );
        assert_eq!(
            self.stderr.trim_end().lines().count(),
            1,
            "one line: {self:#?}"
        );
        assert_no_secret(&self.stderr);
    }
}

/// Fails when any secret the tests use appears in `text`.
pub fn assert_no_secret(text: &str) {
    for secret in [
        LONG_TERM_SECRET,
        fake_sts::SESSION_SECRET,
        fake_sts::SESSION_TOKEN,
        fake_sts::ROLE_SECRET,
        fake_sts::ROLE_TOKEN,
        fake_sts::NEW_SECRET,
    ] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

/// Whether a program is on PATH (the shells and tools the tests run). A test skips what is
/// missing on a developer's machine, but under CI (`CI` set) a missing tool fails the test, so
/// a green run never hides a skipped check.
pub fn have(program: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !found {
        require_under_ci(program);
    }
    found
}

/// Panics under CI, where every tool the tests use must be installed (by `.ci/run`).
pub fn require_under_ci(program: &str) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!(
            "{program} is not installed, and under CI every check must run: install it in .ci/run"
        );
    }
    eprintln!("SKIPPED: {program} is not installed (.ci/run installs it)");
}

/// The body of the first fenced block of `lang` (```` ```nu ````) after the first line of the
/// README that contains `marker`: the tests run the snippets the README shows, as written.
pub fn readme_block(marker: &str, lang: &str) -> String {
    let readme = include_str!("../../README.md");
    let start = readme
        .find(marker)
        .unwrap_or_else(|| panic!("README: no {marker:?}"));
    let fence = format!("```{lang}\n");
    let rest = &readme[start..];
    let open = rest
        .find(&fence)
        .unwrap_or_else(|| panic!("README: no {lang} block after {marker:?}"))
        + fence.len();
    let len = rest[open..]
        .find("```")
        .unwrap_or_else(|| panic!("README: unclosed block after {marker:?}"));
    rest[open..open + len].to_owned()
}

/// The body of the README's fenced block that contains `marker` (a line of the snippet).
pub fn readme_block_containing(marker: &str) -> String {
    let readme = include_str!("../../README.md");
    let at = readme
        .find(marker)
        .unwrap_or_else(|| panic!("README: no {marker:?}"));
    let open = readme[..at]
        .rfind("```")
        .unwrap_or_else(|| panic!("README: {marker:?} is in no block"));
    let body = readme[open..]
        .find('\n')
        .map(|n| open + n + 1)
        .unwrap_or_else(|| panic!("README: a block at its end"));
    let len = readme[body..]
        .find("```")
        .unwrap_or_else(|| panic!("README: unclosed block around {marker:?}"));
    assert!(
        body <= at && at < body + len,
        "README: {marker:?} is outside a block"
    );
    readme[body..body + len].to_owned()
}
