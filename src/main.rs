//! Parses the command line, runs the command and maps its outcome to an exit code.
//!
//! On Linux with glibc the C runtime calls `main` here directly (`no_main`), skipping the
//! start-up that Rust's runtime adds before `main`, which on glibc reads and parses the whole
//! of `/proc/self/maps` to place a stack-overflow guard: a fifth of the time a cached `use`
//! spent over `/bin/true`. What of that start-up matters to mfaenv is done in [`startup`].
//! Only there: it relies on std taking `argv` from glibc itself (musl gives it no such hook).
//! Elsewhere `main` is Rust's own.

// Not for the unit-test build of this file, whose `main` is the test harness's.
#![cfg_attr(all(target_os = "linux", target_env = "gnu", not(test)), no_main)]

use clap::{CommandFactory, FromArgMatches};
use mfaenv::cli::Cli;
use mfaenv::commands;
use std::io::Write;

#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    startup();
    // `std::env::args` works without Rust's runtime on glibc: std takes argv from the C
    // runtime itself (through `.init_array`).
    libc::c_int::from(run())
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", not(test))))]
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(run())
}

/// On musl (the static Linux release build) Rust's allocations go to dlmalloc (the Rust port
/// that std itself uses on WebAssembly), which grows one heap: musl's own allocator maps and
/// unmaps pages per size class, some 40 system calls and a dozen more page faults in a cached
/// `use`, which took 0.13 ms of its 0.22 ms over `/bin/true`, and slowed a miss by 0.4 ms. The C
/// code (aws-lc, the TLS library) still allocates from musl's hardened allocator.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// `pow`, the one function of the C maths library the binary calls (`f64::powf`, in the SDK's
/// retry backoff), from the Rust project's port of that library. With it defined here the
/// linker needs no `libm.so.6`, so the loader does not map it and resolve its hundreds of
/// `ifunc`s at every start: a tenth of what a cached `use` spent over `/bin/true`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[unsafe(no_mangle)]
pub extern "C" fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// What Rust's runtime does before `main` that mfaenv relies on, done as cheaply:
/// - standard streams that were closed at exec are opened on `/dev/null`, so that no file
///   mfaenv opens (a cache file, a lock, the config) can become fd 1 and receive the script;
/// - `SIGPIPE` is ignored, so that a closed pipe is a write error mfaenv reports (and stdout
///   stays all or nothing), not a silent death.
///
/// Left out: the stack-overflow handler (an overflow is then a plain SIGSEGV, still without
/// a core file) and naming the main thread.
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
fn startup() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of three pollfd for the call's duration; a zero timeout
    // only reports each descriptor's state.
    let polled = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) };
    for pollfd in &fds {
        let closed = if polled >= 0 {
            pollfd.revents & libc::POLLNVAL != 0
        } else {
            // SAFETY: F_GETFD only asks whether the descriptor is open.
            unsafe { libc::fcntl(pollfd.fd, libc::F_GETFD) == -1 }
        };
        // SAFETY: a NUL-terminated path; the lowest free descriptor is the closed one.
        if closed && unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) } == -1 {
            // Without its standard streams mfaenv cannot keep its promises about them.
            std::process::abort();
        }
    }
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// Runs mfaenv and returns its exit code.
fn run() -> u8 {
    // Before anything else, and so before any secret is read: no core file, no memory dump.
    mfaenv::guard::forbid_dumps();
    #[cfg(all(target_os = "linux", target_env = "musl"))]
    mfaenv::guard::protect_relocated_data();
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
                return 1;
            }
            for notice in output.notices {
                eprintln!("{notice}");
            }
            output.code
        }
        Err(mfaenv::error::Error::Cancelled) => {
            eprintln!("mfaenv: cancelled");
            130
        }
        Err(e) => {
            eprintln!("mfaenv: {e}");
            e.exit_code() as u8
        }
    }
}

/// What `Cli::parse()` does, less its last step: freeing the whole command tree and the
/// matches, a tenth of a cached `use`, just before the process exits and frees them anyway.
/// `--help` and `--version` print as clap makes them; a usage error is one line (see
/// [`usage_error`]), exit 2.
fn parse() -> Cli {
    let mut command = Cli::command();
    let parsed = command
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|mut matches| {
            let cli = Cli::from_arg_matches_mut(&mut matches);
            std::mem::forget(matches);
            cli
        });
    match parsed {
        Ok(cli) => {
            std::mem::forget(command);
            cli
        }
        Err(e) => {
            // The subcommand given, if any, for the `--help` to name.
            let given = std::env::args().skip(1).find(|a| {
                command
                    .get_subcommands()
                    .any(|s| s.get_name() == a.as_str())
            });
            usage_error(e.format(&mut command), given.as_deref())
        }
    }
}

/// Exits for a command line clap refused. Help, version and the like are printed as they are;
/// an error is one line on stderr, as every error of mfaenv's is: clap's message with its
/// hint lines (possible values, a tip) joined by `;`, naming the `--help` to read.
fn usage_error(e: clap::Error, subcommand: Option<&str>) -> ! {
    use clap::error::ErrorKind;
    if !e.use_stderr() || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        e.exit()
    }
    let text = e.render().to_string();
    let parts: Vec<&str> = text
        .lines()
        .map(|l| l.trim().trim_start_matches('[').trim_end_matches(']'))
        .filter(|l| {
            !l.is_empty() && !l.starts_with("For more information") && !l.starts_with("Usage:")
        })
        .collect();
    let mut message = String::new();
    for part in parts {
        if !message.is_empty() {
            // A list after a colon goes on the same clause: `not provided: <PROFILE> <CMD>...`.
            message.push_str(if message.ends_with(':') { " " } else { "; " });
        }
        message.push_str(part);
    }
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    let help = match subcommand {
        Some(name) => format!("mfaenv {name} --help"),
        None => "mfaenv --help".to_owned(),
    };
    eprintln!("mfaenv: {message}; see {help}");
    std::process::exit(2)
}
