//! A real Secret Service for the tests: gnome-keyring-daemon on a private D-Bus session bus.

use super::{Fixture, Run, have};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A gnome-keyring-daemon on its own session bus, with the keyring files in `home`.
pub struct Keyring {
    session: Child,
    pub address: String,
}

impl Keyring {
    /// Starts the daemon, unlocking (and on first use creating) the login keyring with a
    /// password when `unlock`; `None` where the tools are missing (a failure under CI).
    pub fn start(home: &Path, unlock: bool) -> Option<Keyring> {
        if !have("dbus-run-session") || !have("gnome-keyring-daemon") || !have("secret-tool") {
            return None;
        }
        let file = home.join(format!("bus-{}", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let start = if unlock {
            "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
        } else {
            "gnome-keyring-daemon --start --components=secrets >/dev/null"
        };
        let script =
            format!("{start} && echo \"$DBUS_SESSION_BUS_ADDRESS\" > \"$1\" && exec sleep 600");
        let mut cmd = Command::new("dbus-run-session");
        cmd.args(["--", "sh", "-c", &script, "sh"])
            .arg(&file)
            .env("HOME", home)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        // Owned at once, so that a failed start still stops the bus (Drop).
        let mut keyring = Keyring {
            session: cmd.spawn().expect("dbus-run-session starts"),
            address: String::new(),
        };
        let started = Instant::now();
        loop {
            let address = std::fs::read_to_string(&file).unwrap_or_default();
            if address.ends_with('\n') {
                let _ = std::fs::remove_file(&file);
                keyring.address = address.trim().to_owned();
                return Some(keyring);
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the keyring daemon did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the Secret Service holds for mfaenv's entry of `profile`, read with secret-tool.
    pub fn lookup(&self, profile: &str) -> String {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", "mfaenv", "username", profile])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stderr(Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn run(&self, f: &Fixture, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut all = vec![("DBUS_SESSION_BUS_ADDRESS", self.address.as_str())];
        all.extend_from_slice(vars);
        f.run_env(args, &all)
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        // The whole group: dbus-run-session, its bus, sleep and the daemon.
        #[cfg(unix)]
        unsafe {
            libc::kill(-(self.session.id() as i32), libc::SIGTERM);
        }
        let _ = self.session.wait();
    }
}
