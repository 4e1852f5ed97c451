//! The command line, as clap sees it (also the source of the completion scripts).

use crate::session::SessionDuration;
use crate::shell::{InitTarget, Shell};
use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use clap_complete::engine::ArgValueCandidates;

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

const STATUS_EXAMPLES: &str = "\
Examples:
  mfaenv status                     profile foobar: 11h 58m left
  mfaenv status -q || mfaenv use    in scripts: exit 0 only with a valid session
  mfaenv status --short             foobar 11h58m  (for prompts; nothing and exit 1 without a session)";

const LIST_EXAMPLES: &str = "\
Examples:
  mfaenv list";

const LOGOUT_EXAMPLES: &str = "\
Examples:
  eval \"$(mfaenv logout)\"              this shell's profile
  eval \"$(mfaenv logout foobar)\"
  eval \"$(mfaenv logout --all)\"";

const SETUP_EXAMPLES: &str = "\
Examples:
  mfaenv setup foobar               suggests arn:aws:iam::ACCOUNT:mfa/USER from your keys";

const ADD_EXAMPLES: &str = "\
Examples:
  mfaenv add foobar                 asks for the key id and secret (no echo) on the terminal
  mfaenv add foobar --env           takes AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
  MFAENV_KEY_STORE=file mfaenv add foobar   the encrypted file instead of the OS keyring";

const IMPORT_EXAMPLES: &str = "\
Examples:
  mfaenv import foobar              move foobar's keys out of ~/.aws/credentials
  mfaenv import --all";

const REMOVE_EXAMPLES: &str = "\
Examples:
  mfaenv remove foobar
  mfaenv remove foobar --yes        for scripts: no question";

const ROTATE_EXAMPLES: &str = "\
Examples:
  mfaenv rotate foobar              asks for a code only when no MFA session is cached";

const CREDENTIAL_PROCESS_EXAMPLES: &str = "\
Examples:
  # in ~/.aws/config:
  [profile foobar-mfa]
  credential_process = mfaenv credential-process foobar";

const EXEC_EXAMPLES: &str = "\
Examples:
  mfaenv exec foobar -- aws s3 ls
  mfaenv exec admin -- terraform plan";

const INIT_EXAMPLES: &str = "\
Examples:
  eval \"$(mfaenv init bash)\"                         in ~/.bashrc
  eval \"$(mfaenv init zsh)\"                          in ~/.zshrc
  mfaenv init fish | source                          in ~/.config/fish/config.fish
  Invoke-Expression (& mfaenv init powershell | Out-String)   in $PROFILE, after any prompt theme
  mfaenv init cmd > %USERPROFILE%\\bin\\mfaenv.cmd     a folder on PATH ahead of mfaenv.exe's
  mfaenv init clink > %LOCALAPPDATA%\\clink\\mfaenv.lua   re-prompt in cmd.exe with Clink
  mfaenv init nu | save -f ($nu.user-autoload-dirs | first | path join mfaenv.nu)   nushell, once";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  mfaenv completions bash > ~/.local/share/bash-completion/completions/mfaenv
  mfaenv completions zsh > ~/.zfunc/_mfaenv             with fpath+=(~/.zfunc) before compinit
  mfaenv completions fish > ~/.config/fish/completions/mfaenv.fish
  mfaenv completions powershell | Out-String | Invoke-Expression   in $PROFILE";

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
    Use(Deferred<UseArgs>),
    /// Print the script that removes the session's variables from this shell.
    #[command(after_help = UNSET_EXAMPLES)]
    Unset(Deferred<ShellArg>),
    /// Tell whether this shell holds an mfaenv session and how long it has left (exit 1 if not).
    #[command(after_help = STATUS_EXAMPLES)]
    Status(Deferred<StatusArgs>),
    /// List the profiles usable with MFA, their roles and cached sessions (no network).
    #[command(after_help = LIST_EXAMPLES)]
    List,
    /// Drop cached sessions; prints the unset script when this shell holds that session.
    #[command(after_help = LOGOUT_EXAMPLES)]
    Logout(Deferred<LogoutArgs>),
    /// Register a profile's MFA device: ask for its ARN and save it as mfa_serial.
    #[command(after_help = SETUP_EXAMPLES)]
    Setup(Deferred<SetupArgs>),
    /// Ask for an IAM user's keys, check them with AWS, store them and write the profile.
    #[command(after_help = ADD_EXAMPLES)]
    Add(Deferred<AddArgs>),
    /// Move keys from the credentials file into the store (OS keyring or encrypted file).
    #[command(after_help = IMPORT_EXAMPLES)]
    Import(Deferred<ImportArgs>),
    /// Delete a profile's stored keys and its cached sessions.
    #[command(after_help = REMOVE_EXAMPLES)]
    Remove(Deferred<RemoveArgs>),
    /// Replace a profile's access key with a new one through IAM, then delete the old one.
    #[command(after_help = ROTATE_EXAMPLES)]
    Rotate(Deferred<RotateArgs>),
    /// Print the session as AWS credential_process JSON, for the AWS CLI and SDKs.
    #[command(after_help = CREDENTIAL_PROCESS_EXAMPLES)]
    CredentialProcess(Deferred<CredentialProcessArgs>),
    /// Run one command with the session in its environment; exits with its exit code.
    #[command(after_help = EXEC_EXAMPLES)]
    Exec(Deferred<ExecArgs>),
    /// Print the shell hook: `use` and `unset` change the shell itself, lapsed sessions renew.
    #[command(after_help = INIT_EXAMPLES)]
    Init(Deferred<InitArgs>),
    /// Print the completion script for a shell.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(Deferred<CompletionsArgs>),
}

/// A subcommand's arguments, which clap builds only for the subcommand given (clap's
/// `Command::defer`), not for all fourteen at every start: a cached `use` then pays for its
/// own arguments alone. Help, completions and the man page build the whole tree as before.
#[derive(Debug)]
pub struct Deferred<T>(pub T);

impl<T: Args> Args for Deferred<T> {
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(build::<T>)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(build_for_update::<T>)
    }
}

/// Adds `T`'s arguments when clap builds the subcommand. The subcommand's own description (its
/// variant's doc comment, set when the tree was made) stays: without the deferral it is set
/// after the arguments and wins over the struct's doc comment, so it must win here too.
fn build<T: Args>(cmd: clap::Command) -> clap::Command {
    keep_about(cmd, T::augment_args)
}

/// [`build`] for `update_from_arg_matches`.
fn build_for_update<T: Args>(cmd: clap::Command) -> clap::Command {
    keep_about(cmd, T::augment_args_for_update)
}

fn keep_about(cmd: clap::Command, add: fn(clap::Command) -> clap::Command) -> clap::Command {
    let about = cmd.get_about().cloned();
    let long_about = cmd.get_long_about().cloned();
    let mut cmd = add(cmd);
    if let Some(about) = about {
        cmd = cmd.about(about);
    }
    if let Some(long_about) = long_about {
        cmd = cmd.long_about(long_about);
    }
    cmd
}

impl<T: FromArgMatches> FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Deferred)
    }
    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Deferred)
    }
    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
    fn update_from_arg_matches_mut(&mut self, matches: &mut ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

/// Options of `mfaenv status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One line on stdout for prompts and scripts, `PROFILE 11h58m` (the time left is the last
    /// word); nothing, and exit 1, without a valid session. Reads only the environment
    #[arg(long)]
    pub short: bool,
}

/// Tab completion of a profile argument: the profiles of the AWS files, described.
fn profiles() -> ArgValueCandidates {
    ArgValueCandidates::new(crate::complete::profile_candidates)
}

/// Options of `mfaenv init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The shell to hook into; clink prints the Lua script that refreshes sessions in cmd.exe
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: InitTarget,
}

/// Options of `mfaenv completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
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
    #[arg(add = profiles())]
    pub profile: Option<String>,
    #[command(flatten)]
    /// `--shell`.
    pub shell: ShellArg,
    #[command(flatten)]
    /// How the session is got.
    pub session: SessionArgs,
}

/// How a session is got: shared by `use`, `credential-process` and `exec`.
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// The 6-digit code, for scripts (else mfa_process, else asked on the terminal)
    #[arg(long, value_name = "CODE")]
    pub token_code: Option<String>,
    /// The MFA device's ARN or serial [default: the profile's mfa_serial]
    #[arg(long, value_name = "ARN")]
    pub serial_number: Option<String>,
    /// How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]
    #[arg(long, value_name = "LENGTH", value_parser = SessionDuration::parse)]
    pub duration: Option<SessionDuration>,
    /// Give up on STS after this many seconds
    #[arg(long, value_name = "SECONDS", env = "MFAENV_TIMEOUT", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Neither read nor write the session cache
    #[arg(long)]
    pub no_cache: bool,
    /// Ask for a new code even when a cached session is still good
    #[arg(long)]
    pub force: bool,
}

/// Options of `mfaenv logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Profile whose cached sessions to drop [default: this shell's session, else AWS_PROFILE, else default]
    #[arg(conflicts_with = "all", add = profiles())]
    pub profile: Option<String>,
    /// Drop every cached session
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    /// `--shell`.
    pub shell: ShellArg,
}

/// Options of `mfaenv setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Profile to register the MFA device for
    #[arg(add = profiles())]
    pub profile: String,
    /// Give up on STS after this many seconds
    #[arg(long, value_name = "SECONDS", env = "MFAENV_TIMEOUT", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
}

/// Options of `mfaenv add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Profile to store the keys for (created in the config file if new)
    pub profile: String,
    /// Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking
    #[arg(long)]
    pub env: bool,
    /// The profile's region [default: asked, offering the profile's, AWS_REGION's or us-east-1]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The MFA device's ARN [default: asked, offering the one named like the IAM user]
    #[arg(long, value_name = "ARN")]
    pub serial_number: Option<String>,
    /// Give up on STS after this many seconds
    #[arg(long, value_name = "SECONDS", env = "MFAENV_TIMEOUT", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
}

/// Options of `mfaenv import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Profile whose keys to move [default: AWS_PROFILE, else default]
    #[arg(conflicts_with = "all", add = profiles())]
    pub profile: Option<String>,
    /// Every profile with keys in the credentials file
    #[arg(long)]
    pub all: bool,
}

/// Options of `mfaenv remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// Profile whose stored keys to delete
    #[arg(add = profiles())]
    pub profile: String,
    /// Do not ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
}

/// Options of `mfaenv rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Profile whose IAM user gets a new access key
    #[arg(add = profiles())]
    pub profile: String,
    #[command(flatten)]
    /// How the MFA session that signs the IAM calls is got.
    pub session: SessionArgs,
}

/// Options of `mfaenv credential-process`.
#[derive(Debug, Args)]
pub struct CredentialProcessArgs {
    /// Profile to get credentials for
    #[arg(add = profiles())]
    pub profile: String,
    #[command(flatten)]
    /// How the session is got.
    pub session: SessionArgs,
}

/// Options of `mfaenv exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Profile whose session the command gets
    #[arg(add = profiles())]
    pub profile: String,
    #[command(flatten)]
    /// How the session is got.
    pub session: SessionArgs,
    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
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
        let Command::Unset(Deferred(args)) = cli.command else {
            panic!("not unset")
        };
        assert_eq!(args.shell, Some(Shell::PowerShell));
    }
}
