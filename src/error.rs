//! The one error type of mfaenv: every message is a single line a user can act on.

use std::fmt;

/// Everything that can stop a command, each with a message written for humans.
#[derive(Debug)]
pub enum Error {
    /// A flag or argument the user typed is not acceptable (exit 2).
    Usage(String),
    /// The AWS config or credentials files do not describe what is needed (exit 2).
    Config(String),
    /// Something failed at run time: STS, the network, a file (exit 1).
    Runtime(String),
    /// The user declined: an empty code, Ctrl-C or Ctrl-D at a prompt (exit 130).
    Cancelled,
}

impl Error {
    /// The process exit code documented in CLI.md for this kind of failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Runtime(_) => 1,
            Error::Usage(_) | Error::Config(_) => 2,
            Error::Cancelled => 130,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Config(m) | Error::Runtime(m) => f.write_str(m),
            Error::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for Error {}

/// A result whose error is mfaenv's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Makes text from outside (a server, a file) safe to show on one terminal line: control
/// characters, which could move the cursor or recolour the terminal, become visible escapes.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// An error and its causes on one line, `outer: inner: root`, without repeats.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_cli_contract() {
        assert_eq!(Error::Runtime("x".into()).exit_code(), 1);
        assert_eq!(Error::Usage("x".into()).exit_code(), 2);
        assert_eq!(Error::Config("x".into()).exit_code(), 2);
        assert_eq!(Error::Cancelled.exit_code(), 130);
    }

    #[test]
    fn printable_defuses_terminal_escapes_and_newlines() {
        assert_eq!(printable(" a\nb\x1b[31m "), "a\\nb\\u{1b}[31m");
    }
}
