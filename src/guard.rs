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

/// Makes the executable's relocated data read-only (RELRO: vtables, function pointers and the
/// GOT), as glibc's loader does after relocating. A static-pie on musl relocates itself and
/// leaves that segment writable; this does what its loader would. Elsewhere the loader has done
/// it already, and this is not compiled. A failure is ignored: the process works as before.
#[cfg(all(target_os = "linux", target_env = "musl"))]
pub fn protect_relocated_data() {
    unsafe extern "C" fn each(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        _data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: the C library passes a valid `info` whose program headers it has mapped.
        let info = unsafe { &*info };
        let headers = if info.dlpi_phdr.is_null() {
            &[][..]
        } else {
            // SAFETY: `dlpi_phnum` headers start at `dlpi_phdr`.
            unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) }
        };
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
        for header in headers.iter().filter(|h| h.p_type == libc::PT_GNU_RELRO) {
            let (Ok(at), Ok(size)) = (
                usize::try_from(header.p_vaddr),
                usize::try_from(header.p_memsz),
            ) else {
                continue;
            };
            let start = (info.dlpi_addr as usize + at) & !(page - 1);
            // The loader's rounding: the last partial page stays writable (it holds .data).
            let end = (info.dlpi_addr as usize + at + size) & !(page - 1);
            if end > start {
                // SAFETY: the range lies in this executable's own mapped, relocated segment,
                // which nothing writes once relocation is done.
                unsafe {
                    libc::mprotect(start as *mut libc::c_void, end - start, libc::PROT_READ);
                }
            }
        }
        // The executable comes first; the rest (the vDSO) are not ours.
        1
    }
    // SAFETY: the callback only reads what it is given.
    unsafe {
        libc::dl_iterate_phdr(Some(each), std::ptr::null_mut());
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
