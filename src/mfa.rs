//! Getting the MFA code: from `--token-code`, from the profile's `mfa_process`, or from the
//! person at the terminal (never stdin or stdout, so it works inside `$(…)`).

use crate::error::{Error, Result};
use crate::profile::{MfaSerial, ProfileName};
use std::fmt;
use std::io::{ErrorKind, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How many codes one `use` takes from the terminal, malformed or rejected, before it gives up.
pub const MAX_TRIES: u8 = 3;

/// A one-time code: exactly six digits.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenCode(String);

impl TokenCode {
    /// Six digits, ignoring white space around and inside (authenticator apps show `123 456`).
    pub fn parse(text: &str) -> Option<TokenCode> {
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then_some(TokenCode(digits))
    }

    /// The code as STS takes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCode(******)")
    }
}

/// Where codes come from for one `use`.
#[derive(Debug)]
pub enum CodeSource {
    /// `--token-code CODE`: one code, no second chance.
    Given(String),
    /// The profile's `mfa_process`, run through the system shell.
    Process(String),
    /// Asked on the terminal, up to [`MAX_TRIES`] times.
    Terminal,
}

/// Hands out codes for one profile and counts the tries.
pub struct Asker<'a> {
    source: CodeSource,
    profile: &'a ProfileName,
    serial: &'a MfaSerial,
    tries_left: u8,
}

impl<'a> Asker<'a> {
    /// An asker for `profile`'s device `serial`.
    pub fn new(source: CodeSource, profile: &'a ProfileName, serial: &'a MfaSerial) -> Self {
        Asker {
            source,
            profile,
            serial,
            tries_left: MAX_TRIES,
        }
    }

    /// The next code to try.
    pub fn code(&mut self) -> Result<TokenCode> {
        match &self.source {
            CodeSource::Given(text) => {
                self.tries_left = 0;
                TokenCode::parse(text).ok_or_else(|| {
                    Error::Usage(
                        "--token-code takes the 6-digit code your MFA device shows now".into(),
                    )
                })
            }
            CodeSource::Process(command) => {
                self.tries_left = 0;
                run_mfa_process(command, self.profile)
            }
            CodeSource::Terminal => self.ask_terminal(),
        }
    }

    /// Whether another code may be asked for after AWS rejected one.
    pub fn can_retry(&self) -> bool {
        matches!(self.source, CodeSource::Terminal) && self.tries_left > 0
    }

    fn ask_terminal(&mut self) -> Result<TokenCode> {
        while self.tries_left > 0 {
            self.tries_left -= 1;
            let prompt = format!(
                "MFA code for profile '{}' ({}): ",
                self.profile, self.serial
            );
            let answer = read_terminal(&prompt, self.profile, 6)?;
            if answer.trim().is_empty() {
                return Err(Error::Cancelled);
            }
            match TokenCode::parse(&answer) {
                Some(code) => return Ok(code),
                None if self.tries_left > 0 => {
                    eprintln!("mfaenv: that is not a 6-digit code; try again (empty to cancel)")
                }
                None => {}
            }
        }
        Err(too_many_tries(self.profile))
    }
}

/// The error after the last try.
pub fn too_many_tries(profile: &ProfileName) -> Error {
    Error::Runtime(format!(
        "no valid MFA code for profile '{profile}' after {MAX_TRIES} tries; check the device and run mfaenv use {profile} again"
    ))
}

/// Asks for the MFA device of `profile` on the terminal, offering `suggestion` (taken on an
/// empty answer); re-asks on an invalid serial, up to [`MAX_TRIES`] times.
pub fn ask_serial(profile: &ProfileName, suggestion: Option<&MfaSerial>) -> Result<MfaSerial> {
    for _ in 0..MAX_TRIES {
        let prompt = match suggestion {
            Some(s) => format!("MFA device ARN for profile '{profile}' [{s}]: "),
            None => {
                format!("MFA device ARN for profile '{profile}' (arn:aws:iam::ACCOUNT:mfa/NAME): ")
            }
        };
        let answer = read_terminal(&prompt, profile, 256)?;
        match (answer.trim(), suggestion) {
            ("", Some(s)) => return Ok(s.clone()),
            ("", None) => return Err(Error::Cancelled),
            (text, _) => match MfaSerial::parse(text) {
                Ok(serial) => return Ok(serial),
                Err(why) => eprintln!("mfaenv: {why}"),
            },
        }
    }
    Err(Error::Usage(format!(
        "no valid MFA serial for profile '{profile}' after {MAX_TRIES} tries; find it in the IAM console under Security credentials"
    )))
}

/// Asks a yes/no question on the terminal; an empty answer is yes.
pub fn confirm(question: &str, profile: &ProfileName) -> Result<bool> {
    let answer = read_terminal(&format!("{question} [Y/n] "), profile, 16)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "" | "y" | "yes"
    ))
}

/// Reads one line on the terminal with its first `visible` characters shown (authenticator
/// codes and ARNs are shown as typed, as other tools do).
pub fn read_terminal(prompt: &str, profile: &ProfileName, visible: usize) -> Result<String> {
    let config = rpassword::ConfigBuilder::new()
        .password_feedback_partial_mask('*', visible)
        .build();
    let guard = PromptGuard::new();
    match rpassword::prompt_password_with_config(prompt, config) {
        Ok(answer) => Ok(answer),
        // Ctrl-D: rpassword ends the line for Enter and Ctrl-C, not for this.
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
            guard.end_line();
            Err(Error::Cancelled)
        }
        Err(e) if e.kind() == ErrorKind::Interrupted => Err(Error::Cancelled),
        Err(e) => Err(Error::Usage(format!(
            "no terminal to ask for the MFA code of profile '{profile}' ({e}); pass --token-code CODE or set mfa_process in the profile"
        ))),
    }
}

/// Reads one line on the terminal showing nothing at all, for secrets (a secret key, a
/// passphrase); Ctrl-C cancels and leaves the terminal as it was.
pub fn read_hidden(prompt: &str) -> std::io::Result<String> {
    let guard = PromptGuard::new();
    let answer = rpassword::prompt_password(prompt);
    if matches!(&answer, Err(e) if e.kind() == ErrorKind::UnexpectedEof) {
        guard.end_line();
    }
    answer
}

/// Whether there is a terminal to ask on (the controlling terminal, or the Windows console).
pub fn has_terminal() -> bool {
    let path = if cfg!(windows) { "CONIN$" } else { "/dev/tty" };
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .is_ok()
}

/// The terminal, for writing to it directly (the controlling terminal, or the Windows console).
fn terminal_for_writing() -> Option<std::fs::File> {
    let path = if cfg!(windows) { "CONOUT$" } else { "/dev/tty" };
    std::fs::OpenOptions::new().write(true).open(path).ok()
}

/// While a prompt waits, with echo off: Ctrl-C does not kill the process (rpassword sees it,
/// restores the terminal and returns `Interrupted`, which cancels cleanly), and SIGTERM,
/// SIGHUP or SIGQUIT put the terminal settings back before they end the process as usual.
struct PromptGuard {
    tty: Option<std::fs::File>,
    #[cfg(unix)]
    previous: [(libc::c_int, libc::sighandler_t); 4],
}

impl PromptGuard {
    fn new() -> Self {
        let tty = terminal_for_writing();
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            if let Some(fd) = tty.as_ref().map(AsRawFd::as_raw_fd) {
                restore::save(fd);
            }
            let mut previous = [(libc::SIGINT, libc::SIG_DFL); 4];
            for (slot, signal) in previous.iter_mut().zip(restore::SIGNALS) {
                let action = if signal == libc::SIGINT {
                    libc::SIG_IGN
                } else {
                    restore::on_signal as *const () as libc::sighandler_t
                };
                // SAFETY: the handler only calls async-signal-safe functions.
                *slot = (signal, unsafe { libc::signal(signal, action) });
            }
            PromptGuard { tty, previous }
        }
        #[cfg(not(unix))]
        PromptGuard { tty }
    }

    /// Ends the prompt's line, so that what follows starts on a line of its own.
    fn end_line(&self) {
        use std::io::Write;
        if let Some(mut tty) = self.tty.as_ref() {
            let _ = tty.write_all(b"\n");
        }
    }
}

impl Drop for PromptGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            for (signal, handler) in self.previous {
                // SAFETY: puts back the disposition read in `new`.
                unsafe { libc::signal(signal, handler) };
            }
            restore::forget();
        }
    }
}

/// The terminal settings from before a prompt, and the signal handler that puts them back.
#[cfg(unix)]
mod restore {
    use std::cell::UnsafeCell;
    use std::mem::MaybeUninit;
    use std::sync::atomic::{AtomicI32, Ordering};

    /// SIGINT is ignored at the prompt; the others restore the terminal and end the process.
    pub(super) const SIGNALS: [libc::c_int; 4] =
        [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    struct Saved(UnsafeCell<MaybeUninit<libc::termios>>);
    // SAFETY: written only while no handler can read it (TTY is -1), read only by the handler.
    unsafe impl Sync for Saved {}

    static SAVED: Saved = Saved(UnsafeCell::new(MaybeUninit::uninit()));
    /// The terminal's descriptor while SAVED holds its settings, else -1.
    static TTY: AtomicI32 = AtomicI32::new(-1);

    /// Remembers the settings of terminal `fd`, before the prompt changes them.
    pub(super) fn save(fd: libc::c_int) {
        TTY.store(-1, Ordering::SeqCst);
        // SAFETY: no handler reads SAVED while TTY is -1; tcgetattr fills the termios.
        if unsafe { libc::tcgetattr(fd, (*SAVED.0.get()).as_mut_ptr()) } == 0 {
            TTY.store(fd, Ordering::SeqCst);
        }
    }

    /// The prompt is over: nothing to restore any more.
    pub(super) fn forget() {
        TTY.store(-1, Ordering::SeqCst);
    }

    /// Puts the terminal back, then lets the signal do what it would have done (end the
    /// process, so its exit status still says which signal). Only async-signal-safe calls.
    pub(super) extern "C" fn on_signal(signal: libc::c_int) {
        let fd = TTY.load(Ordering::SeqCst);
        // SAFETY: SAVED is initialised whenever TTY is not -1; tcsetattr, signal and raise are
        // async-signal-safe.
        unsafe {
            if fd >= 0 {
                libc::tcsetattr(fd, libc::TCSANOW, (*SAVED.0.get()).as_ptr());
            }
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
}

/// How long `mfa_process` may run by default: time to find a security key and touch it.
pub const MFA_PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// What of `mfa_process`'s output is kept: far more than a code, little enough to never matter.
const MFA_PROCESS_OUTPUT_LIMIT: usize = 4096;

/// The variables a session puts in the environment, kept from `mfa_process`: it needs no AWS
/// credentials, and a program that prints codes should not get the ones of an older session.
const SESSION_VARIABLES: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

/// How long `mfa_process` may run: `MFAENV_MFA_PROCESS_TIMEOUT` seconds, else 60.
pub fn mfa_process_timeout() -> Result<Duration> {
    crate::session::seconds_setting("MFAENV_MFA_PROCESS_TIMEOUT", MFA_PROCESS_TIMEOUT, 3600)
}

/// Runs `mfa_process` and reads the code from its stdout. Its stderr goes to the terminal when
/// there is one (so "touch your key" shows even under `$(…)` or `credential_process`), it is
/// stopped after [`mfa_process_timeout`], and a failure names its exit status, never its
/// output (which may hold a secret).
fn run_mfa_process(command: &str, profile: &ProfileName) -> Result<TokenCode> {
    let timeout = mfa_process_timeout()?;
    #[cfg(windows)]
    let mut cmd = {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    };
    #[cfg(not(windows))]
    let mut cmd = {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    };
    let stderr = terminal_for_writing().map_or_else(Stdio::inherit, Stdio::from);
    for name in SESSION_VARIABLES {
        cmd.env_remove(name);
    }
    // The key file's passphrase is mfaenv's alone.
    cmd.env_remove(crate::keystore::PASSPHRASE_VARIABLE);
    crate::guard::restore_core_limit(&mut cmd);
    let mut child = cmd
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| {
            Error::Runtime(format!(
                "cannot run mfa_process of profile '{profile}': {e}"
            ))
        })?;
    let started = Instant::now();
    // Read in a thread, so that a process that never closes its stdout cannot hold mfaenv.
    let (sender, output) = mpsc::channel();
    if let Some(mut stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut chunk = [0u8; 512];
            // Read to the end, keeping the start: a chatty process must not block on a full pipe.
            while let Ok(n @ 1..) = stdout.read(&mut chunk) {
                let room = MFA_PROCESS_OUTPUT_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
            let _ = sender.send(kept);
        });
    }
    let timed_out = |child: &mut std::process::Child| {
        kill_tree(child.id());
        let _ = child.kill();
        let _ = child.wait();
        Error::Runtime(format!(
            "mfa_process of profile '{profile}' did not finish within {} s, so mfaenv stopped it; check that it runs by hand, or allow longer with MFAENV_MFA_PROCESS_TIMEOUT=SECONDS",
            timeout.as_secs()
        ))
    };
    let Ok(stdout) = output.recv_timeout(timeout) else {
        return Err(timed_out(&mut child));
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Ok(None) => return Err(timed_out(&mut child)),
            Err(e) => {
                return Err(Error::Runtime(format!(
                    "cannot wait for mfa_process of profile '{profile}': {e}"
                )));
            }
        }
    };
    if !status.success() {
        return Err(Error::Runtime(format!(
            "mfa_process of profile '{profile}' failed ({status}); run it by hand to see why"
        )));
    }
    TokenCode::parse(&String::from_utf8_lossy(&stdout)).ok_or_else(|| {
        Error::Runtime(format!(
            "mfa_process of profile '{profile}' did not print a 6-digit code"
        ))
    })
}

/// Stops `mfa_process`'s shell and what it started (`sleep 99; ykman …` leaves the shell waiting for
/// a child that would outlive it and keep the pipes open). It stays in mfaenv's process group,
/// which must keep the terminal for a PIN prompt, so on Linux the descendants are found in
/// /proc; elsewhere only the shell is stopped.
fn kill_tree(root: u32) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        // (pid, parent pid) of every process: the parent is the 2nd field after the `(name)`.
        let table: Vec<(u32, u32)> = entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                let after_name = &stat[stat.rfind(')')? + 1..];
                let ppid = after_name.split_whitespace().nth(1)?.parse().ok()?;
                Some((pid, ppid))
            })
            .collect();
        let mut found = vec![root];
        let mut i = 0;
        while let Some(&parent) = found.get(i) {
            found.extend(
                table
                    .iter()
                    .filter(|(_, pp)| *pp == parent)
                    .map(|(p, _)| *p),
            );
            i += 1;
        }
        // The shell first: were it to outlive its child, it would print "Killed" on the
        // terminal. The list was made while the shell was alive to be every descendant's
        // ancestor.
        for pid in found {
            if let Ok(pid) = libc::pid_t::try_from(pid) {
                // SAFETY: kill takes plain integers.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = root;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_exactly_six_digits() {
        assert_eq!(TokenCode::parse("123456").unwrap().as_str(), "123456");
        assert_eq!(TokenCode::parse(" 123 456\n").unwrap().as_str(), "123456");
        for bad in ["12345", "1234567", "12345a", "", "１２３４５６", "12-456"] {
            assert!(TokenCode::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn debug_hides_the_code() {
        assert!(!format!("{:?}", TokenCode::parse("123456").unwrap()).contains("123456"));
    }

    fn ids() -> (ProfileName, MfaSerial) {
        (
            ProfileName::choose(Some("p"), None).unwrap(),
            MfaSerial::parse("arn:aws:iam::123456789012:mfa/a").unwrap(),
        )
    }

    #[test]
    fn a_given_code_gets_one_try() {
        let (p, s) = ids();
        let mut asker = Asker::new(CodeSource::Given("654321".into()), &p, &s);
        assert_eq!(asker.code().unwrap().as_str(), "654321");
        assert!(!asker.can_retry());
        let mut asker = Asker::new(CodeSource::Given("65432".into()), &p, &s);
        assert_eq!(asker.code().unwrap_err().exit_code(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn mfa_process_output_is_the_code() {
        let (p, s) = ids();
        let mut asker = Asker::new(CodeSource::Process("echo ' 111222'".into()), &p, &s);
        assert_eq!(asker.code().unwrap().as_str(), "111222");
        let mut asker = Asker::new(CodeSource::Process("echo nope".into()), &p, &s);
        assert!(
            asker
                .code()
                .unwrap_err()
                .to_string()
                .contains("did not print")
        );
        let mut asker = Asker::new(CodeSource::Process("exit 3".into()), &p, &s);
        assert!(asker.code().unwrap_err().to_string().contains("failed"));
    }
}
