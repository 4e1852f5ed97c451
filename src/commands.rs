//! Each subcommand, wiring the modules together: profile → code → STS → script.

use crate::cli::{Cli, Command, ShellArg, UseArgs};
use crate::error::{Error, Result};
use crate::log::Log;
use crate::mfa::{self, Asker, CodeSource};
use crate::profile::{self, Files, ProfileName};
use crate::session::{SessionDuration, VARIABLES};
use crate::shell::{self, Shell};
use crate::sts::{self, Failure, Sts};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// What a command prints: `stdout` (the script, all or nothing) and the notices that follow it
/// on stderr.
#[derive(Debug, Default)]
pub struct Output {
    /// The script for the shell to evaluate.
    pub stdout: String,
    /// Lines for stderr after the script is written.
    pub notices: Vec<String>,
}

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<Output> {
    let log = Log {
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    match cli.command {
        Command::Use(args) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Runtime(format!("cannot start: {e}")))?;
            runtime.block_on(use_profile(args, log))
        }
        Command::Unset(args) => Ok(Output {
            stdout: choose_shell(&args, log).unset_script(&VARIABLES),
            notices: Vec::new(),
        }),
    }
}

/// The shell to print for: `--shell`, else detected, with a notice when guessed.
fn choose_shell(arg: &ShellArg, log: Log) -> Shell {
    if let Some(shell) = arg.shell {
        return shell;
    }
    let env_shell = std::env::var("MFAENV_SHELL").ok();
    let (shell, notice) = shell::detect(
        env_shell.as_deref(),
        shell::parent_process_name().as_deref(),
    );
    if let Some(notice) = notice {
        log.notice(notice);
    }
    log.info(format_args!("printing for {}", shell.name()));
    shell
}

async fn use_profile(args: UseArgs, log: Log) -> Result<Output> {
    let shell = choose_shell(&args.shell, log);
    let aws_profile = std::env::var("AWS_PROFILE").ok();
    let name = ProfileName::choose(args.profile.as_deref(), aws_profile.as_deref())?;
    let files = Files::locate();
    log.info(format_args!(
        "profile '{name}' from {} and {}",
        files.config.display(),
        files.credentials.display()
    ));
    let set = profile::load(&files).await?;
    let profile = profile::resolve(&set, &name, args.serial_number.as_deref(), &files)?;
    let Some(serial) = profile.mfa_serial.clone() else {
        return Err(Error::Config(format!(
            "profile '{name}' has no mfa_serial: add `mfa_serial = arn:aws:iam::ACCOUNT:mfa/USER` to its section in {}, or pass --serial-number ARN",
            files.config.display()
        )));
    };
    let duration = args.duration.unwrap_or(SessionDuration::DEFAULT);
    let source = match (args.token_code, &profile.mfa_process) {
        (Some(code), _) => CodeSource::Given(code),
        (None, Some(command)) => CodeSource::Process(command.clone()),
        (None, None) => CodeSource::Terminal,
    };
    let from_terminal = matches!(source, CodeSource::Terminal);
    log.info(format_args!(
        "MFA device {serial}; session of {} s; code from {}",
        duration.seconds(),
        match &source {
            CodeSource::Given(_) => "--token-code",
            CodeSource::Process(_) => "mfa_process",
            CodeSource::Terminal => "the terminal",
        }
    ));
    let mut asker = Asker::new(source, &name, &serial);
    let mut code = asker.code()?;

    let env_region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok();
    let region = sts::region(profile.region.as_deref(), env_region.as_deref());
    log.info(format_args!("STS region {region}"));
    let client = Sts::new(&profile, region, Duration::from_secs(args.timeout)).await;
    let mut session = loop {
        let started = Instant::now();
        let answer = client.get_session_token(&serial, &code, duration).await;
        log.info(format_args!(
            "GetSessionToken answered in {} ms",
            started.elapsed().as_millis()
        ));
        match answer {
            Ok(session) => break session,
            Err(Failure::InvalidCode) if asker.can_retry() => {
                eprintln!(
                    "mfaenv: AWS rejected that code (wrong, expired or already used); enter the next one"
                );
                code = asker.code()?;
            }
            Err(Failure::InvalidCode) if from_terminal => return Err(mfa::too_many_tries(&name)),
            Err(Failure::InvalidCode) => {
                return Err(Error::Runtime(format!(
                    "AWS rejected the MFA code for profile '{name}' (wrong, expired or already used); try again with the next code"
                )));
            }
            Err(Failure::Other(e)) => return Err(e),
        }
    };
    session.region = profile.region.clone();
    let stdout = shell.export_script(&session.variables())?;
    let notices = if log.quiet {
        Vec::new()
    } else {
        vec![session.notice(OffsetDateTime::now_utc())]
    };
    Ok(Output { stdout, notices })
}
