//! mfaenv forbids its own core dumps, but gives the programs it runs their usual core limit back.
#![cfg(unix)]

mod common;

use common::*;
use std::os::unix::process::CommandExt;

#[test]
fn exec_gives_the_command_the_core_limit_mfaenv_started_with() {
    let f = Fixture::new();
    f.login("foobar");
    let mut cmd = f.cmd(&["exec", "foobar", "--", "sh", "-c", "ulimit -c"]);
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: libc::RLIM_INFINITY,
                rlim_max: libc::RLIM_INFINITY,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &limit);
            Ok(())
        });
    }
    let run = Run::from(cmd.output().unwrap());
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(run.stdout.trim(), "unlimited", "{run:#?}");
}
