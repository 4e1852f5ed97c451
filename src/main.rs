//! Parses the command line, runs the command and maps its outcome to an exit code.

use clap::{CommandFactory, FromArgMatches};
use mfaenv::cli::Cli;
use mfaenv::commands;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before anything else, and so before any secret is read: no core file, no memory dump.
    mfaenv::guard::forbid_dumps();
    // A panic's message could carry anything it formatted: show only where it happened.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("mfaenv: internal error{place}; please report it");
    }));
    // A shell's Tab asks with MFAENV_COMPLETE=SHELL (see `mfaenv init`): answer and exit.
    // The variable is mfaenv's own, not the engine's default COMPLETE, so that no variable
    // left over from another tool can turn `eval "$(mfaenv use p)"` into a completion script.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command)
        .var(mfaenv::complete::ENV_VAR)
        // By name, not by this binary's path: the registration is committed in shell/ and
        // calls whichever mfaenv is on PATH (through the hook's function, which passes it on).
        .completer("mfaenv")
        .complete();
    let cli = parse();
    match commands::run(cli) {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(output.stdout.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                eprintln!("mfaenv: could not write the script to stdout");
                return ExitCode::from(1);
            }
            for notice in output.notices {
                eprintln!("{notice}");
            }
            ExitCode::from(output.code)
        }
        Err(mfaenv::error::Error::Cancelled) => {
            eprintln!("mfaenv: cancelled");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("mfaenv: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// What `Cli::parse()` does, less its last step: freeing the whole command tree and the
/// matches, a tenth of a cached `use`, just before the process exits and frees them anyway.
/// Errors and `--help` exit here as clap's own `parse` makes them.
fn parse() -> Cli {
    let mut command = Cli::command();
    let mut matches = command.get_matches_mut();
    let cli =
        Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut command).exit());
    std::mem::forget(matches);
    std::mem::forget(command);
    cli
}
