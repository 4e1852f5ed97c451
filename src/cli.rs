//! The command line, as clap sees it (also the source of the completion scripts).

use crate::session::SessionDuration;
use crate::shell::Shell;
use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  eval \"$(mfaenv use foobar)\"                        bash, zsh: ask for the code, export the session
  mfaenv use foobar | source                         fish
  mfaenv use foobar | Out-String | Invoke-Expression PowerShell
  eval \"$(mfaenv unset)\"                             forget the session in this shell";

const USE_EXAMPLES: &str = "\
Examples:
  eval \"$(mfaenv use foobar)\"
  eval \"$(mfaenv use foobar --duration 90m)\"
  eval \"$(mfaenv use --token-code 123456)\"          profile from AWS_PROFILE, else default
  mfaenv use foobar --shell fish | source";

const UNSET_EXAMPLES: &str = "\
Examples:
  eval \"$(mfaenv unset)\"
  mfaenv unset --shell fish | source
  mfaenv unset | Out-String | Invoke-Expression";

/// Get an MFA-backed AWS session into your shell, and keep it there.
#[derive(Debug, Parser)]
#[command(name = "mfaenv", version, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print no notices, only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask for an MFA code, get a session from STS and print the script that exports it.
    #[command(after_help = USE_EXAMPLES)]
    Use(UseArgs),
    /// Print the script that removes the session's variables from this shell.
    #[command(after_help = UNSET_EXAMPLES)]
    Unset(ShellArg),
}

/// `--shell`, shared by every command that prints a script.
#[derive(Debug, Args)]
pub struct ShellArg {
    /// The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]
    #[arg(long, value_enum, value_name = "SHELL")]
    pub shell: Option<Shell>,
}

/// Options of `mfaenv use`.
#[derive(Debug, Args)]
pub struct UseArgs {
    /// Profile in the AWS config files [default: AWS_PROFILE, else default]
    pub profile: Option<String>,
    #[command(flatten)]
    pub shell: ShellArg,
    /// The 6-digit code, for scripts (else mfa_process, else asked on the terminal)
    #[arg(long, value_name = "CODE")]
    pub token_code: Option<String>,
    /// The MFA device's ARN or serial [default: the profile's mfa_serial]
    #[arg(long, value_name = "ARN")]
    pub serial_number: Option<String>,
    /// How long the session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]
    #[arg(long, value_name = "LENGTH", value_parser = SessionDuration::parse)]
    pub duration: Option<SessionDuration>,
    /// Give up on STS after this many seconds
    #[arg(long, value_name = "SECONDS", env = "MFAENV_TIMEOUT", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn pwsh_is_powershell() {
        let cli = Cli::try_parse_from(["mfaenv", "unset", "--shell", "pwsh"]).unwrap();
        let Command::Unset(args) = cli.command else {
            panic!("not unset")
        };
        assert_eq!(args.shell, Some(Shell::PowerShell));
    }
}
