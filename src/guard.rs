//! Keeps the secrets mfaenv holds out of core files and out of reach of same-user processes
//! that read a process's memory, as ssh-agent and gpg-agent do.
//!
//! Linux: the soft `RLIMIT_CORE` is 0 and the process is not dumpable (`PR_SET_DUMPABLE` 0),
//! so no core file is written, `/proc/PID/mem`, `environ` and friends belong to root and a
//! same-user `ptrace` (gdb, strace) is refused. Other Unix systems (macOS): `RLIMIT_CORE` 0
//! only. Windows: nothing here; there are no core files, and crash dumps need Windows Error
//! Reporting's LocalDumps to be configured.

use std::process::Command;

/// The core-file limit mfaenv started with, given back to the programs it runs.
#[cfg(unix)]
static STARTING_CORE_LIMIT: std::sync::OnceLock<libc::rlimit> = std::sync::OnceLock::new();

/// Forbids core files and memory dumps of this process; call it first thing in `main`, before
/// any secret is read. Failures are ignored: these calls cannot fail for a process lowering its
/// own limits, and nothing better could be done if they did.
pub fn forbid_dumps() {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
                let _ = STARTING_CORE_LIMIT.set(limit);
            }
            // Only the soft limit: the hard one stays, so the programs mfaenv runs (`exec`,
            // `mfa_process`) get their usual limit back.
            limit.rlim_cur = 0;
            libc::setrlimit(libc::RLIMIT_CORE, &limit);
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: PR_SET_DUMPABLE takes plain integers and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// Lets `cmd`, once started, dump core as it could before mfaenv lowered the limit (exec resets
/// dumpability by itself).
pub fn restore_core_limit(cmd: &mut Command) {
    #[cfg(unix)]
    if let Some(limit) = STARTING_CORE_LIMIT.get().copied() {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe and `limit` is a plain copy.
        unsafe {
            cmd.pre_exec(move || {
                libc::setrlimit(libc::RLIMIT_CORE, &limit);
                Ok(())
            });
        }
    }
    #[cfg(not(unix))]
    let _ = cmd;
}
