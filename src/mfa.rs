//! Getting the MFA code: from `--token-code`, from the profile's `mfa_process`, or from the
//! person at the terminal (never stdin or stdout, so it works inside `$(…)`).

use crate::error::{Error, Result};
use crate::profile::{MfaSerial, ProfileName};
use std::fmt;
use std::io::ErrorKind;
use std::process::{Command, Stdio};

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
    let _guard = IgnoreInterrupt::new();
    match rpassword::prompt_password_with_config(prompt, config) {
        Ok(answer) => Ok(answer),
        Err(e) if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::UnexpectedEof) => {
            Err(Error::Cancelled)
        }
        Err(e) => Err(Error::Usage(format!(
            "no terminal to ask for the MFA code of profile '{profile}' ({e}); pass --token-code CODE or set mfa_process in the profile"
        ))),
    }
}

/// Reads one line on the terminal showing nothing at all, for secrets (a secret key, a
/// passphrase); Ctrl-C cancels and leaves the terminal as it was.
pub fn read_hidden(prompt: &str) -> std::io::Result<String> {
    let _guard = IgnoreInterrupt::new();
    rpassword::prompt_password(prompt)
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

/// While alive, Ctrl-C does not kill the process: rpassword sees it, restores the terminal
/// (echo back on) and returns `Interrupted`, which cancels cleanly.
struct IgnoreInterrupt {
    #[cfg(unix)]
    previous: libc::sighandler_t,
}

impl IgnoreInterrupt {
    fn new() -> Self {
        IgnoreInterrupt {
            // SAFETY: replacing a signal disposition with SIG_IGN has no preconditions.
            #[cfg(unix)]
            previous: unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) },
        }
    }
}

impl Drop for IgnoreInterrupt {
    fn drop(&mut self) {
        // SAFETY: restores the disposition read in `new`.
        #[cfg(unix)]
        unsafe {
            libc::signal(libc::SIGINT, self.previous);
        }
    }
}

/// Runs `mfa_process` with its stderr on the terminal and reads the code from its stdout.
fn run_mfa_process(command: &str, profile: &ProfileName) -> Result<TokenCode> {
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
    // The key file's passphrase is mfaenv's alone.
    cmd.env_remove(crate::keystore::PASSPHRASE_VARIABLE);
    let output = cmd
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| {
            Error::Runtime(format!(
                "cannot run mfa_process of profile '{profile}': {e}"
            ))
        })?;
    if !output.status.success() {
        return Err(Error::Runtime(format!(
            "mfa_process of profile '{profile}' failed ({}); run it by hand to see why",
            output.status
        )));
    }
    TokenCode::parse(&String::from_utf8_lossy(&output.stdout)).ok_or_else(|| {
        Error::Runtime(format!(
            "mfa_process of profile '{profile}' did not print a 6-digit code"
        ))
    })
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
