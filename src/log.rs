//! Notices and `--verbose` lines, on stderr only: stdout belongs to the script.

use std::fmt::Display;

/// What the user asked to hear about on stderr.
#[derive(Clone, Copy, Debug, Default)]
pub struct Log {
    /// `-v`: say what is being done (never secrets).
    pub verbose: bool,
    /// `-q`: no notices, errors only.
    pub quiet: bool,
}

impl Log {
    /// A `--verbose` line.
    pub fn info(&self, message: impl Display) {
        if self.verbose {
            eprintln!("mfaenv: {message}");
        }
    }

    /// A notice the user sees unless `--quiet`.
    pub fn notice(&self, message: impl Display) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}
