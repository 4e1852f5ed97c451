//! Each subcommand, wiring the modules together: profile → cache or code → STS → script.

use crate::cache::{self, Cache, Kind};
use crate::cli::{
    Cli, Command, CredentialProcessArgs, Deferred, ExecArgs, LogoutArgs, SetupArgs, ShellArg,
    StatusArgs, UseArgs,
};
use crate::error::{Error, Result};
use crate::log::Log;
use crate::obtain;
use crate::profile::ProfileName;
use crate::session::{Session, human_duration};
use crate::shell::{self, Shell};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What a command prints: `stdout` (the script, all or nothing) and the notices that follow it
/// on stderr.
#[derive(Debug, Default)]
pub struct Output {
    /// The script for the shell to evaluate.
    pub stdout: String,
    /// Lines for stderr after the script is written.
    pub notices: Vec<String>,
    /// The exit code (0 unless a command reports a state, as `status` does).
    pub code: u8,
}

impl Output {
    /// A script (or JSON, or table) and the notices gathered on the way to it.
    fn script(stdout: String, notices: Vec<String>) -> Output {
        Output {
            stdout,
            notices,
            code: 0,
        }
    }
}

use crate::obtain::runtime;

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<Output> {
    let log = Log {
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    match cli.command {
        Command::Use(Deferred(args)) => use_profile(args, log),
        Command::Unset(Deferred(args)) => {
            let (shell, notices) = choose_shell(&args, log);
            Ok(Output::script(shell.restore_script(&inherited()), notices))
        }
        Command::Status(Deferred(args)) => Ok(status(&args, log)),
        Command::List => runtime()?.block_on(list()),
        Command::Logout(Deferred(args)) => runtime()?.block_on(logout(args, log)),
        Command::Setup(Deferred(args)) => runtime()?.block_on(setup(args, log)),
        Command::Add(Deferred(args)) => runtime()?.block_on(crate::key_commands::add(args, log)),
        Command::Import(Deferred(args)) => {
            runtime()?.block_on(crate::key_commands::import(args, log))
        }
        Command::Remove(Deferred(args)) => {
            runtime()?.block_on(crate::key_commands::remove(args, log))
        }
        Command::Rotate(Deferred(args)) => runtime()?.block_on(crate::rotate::rotate(args, log)),
        Command::CredentialProcess(Deferred(args)) => credential_process(args, log),
        Command::Exec(Deferred(args)) => {
            let session = obtain::session_blocking(Some(&args.profile), &args.session, log)?;
            exec(args, &session)
        }
        Command::Init(Deferred(args)) => Ok(Output {
            stdout: args.shell.hook().to_owned(),
            ..Output::default()
        }),
        Command::Completions(Deferred(args)) => {
            let mut script = Vec::new();
            clap_complete::generate(
                args.shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "mfaenv",
                &mut script,
            );
            Ok(Output {
                stdout: String::from_utf8_lossy(&script).into_owned(),
                ..Output::default()
            })
        }
    }
}

/// The shell to print for: `--shell`, else detected, with a notice when guessed (shown only
/// once the script is printed: on failure it would be noise).
fn choose_shell(arg: &ShellArg, log: Log) -> (Shell, Vec<String>) {
    if let Some(shell) = arg.shell {
        return (shell, Vec::new());
    }
    let env_shell = std::env::var("MFAENV_SHELL").ok();
    let (shell, notice) = shell::detect(
        env_shell.as_deref(),
        shell::parent_process_name().as_deref(),
    );
    log.info(format_args!("printing for {}", shell.name()));
    (shell, notice.filter(|_| !log.quiet).into_iter().collect())
}

/// What an earlier `use` left in this environment, for the scripts of cmd.
fn inherited() -> shell::Inherited {
    shell::Inherited::read(|name| std::env::var(name).ok())
}

fn use_profile(args: UseArgs, log: Log) -> Result<Output> {
    let (shell, mut notices) = choose_shell(&args.shell, log);
    let session = obtain::session_blocking(args.profile.as_deref(), &args.session, log)?;
    let now = OffsetDateTime::now_utc();
    let stdout = shell.use_script(&session.shell_variables(now), &inherited())?;
    if !log.quiet {
        notices.push(session.notice(now));
        notices.extend(margin_warning(&session, now));
    }
    Ok(Output::script(stdout, notices))
}

/// The one warning for a refresh margin the hooks cannot honour: more than half of what the
/// session has left, which would renew it at (nearly) every prompt. Only for a margin the
/// user set; the default one is quietly kept below half as well.
fn margin_warning(session: &Session, now: OffsetDateTime) -> Option<String> {
    let text = std::env::var("MFAENV_REFRESH_MARGIN").ok()?;
    let (margin, _) = crate::session::parse_margin(Some(&text));
    let life = u32::try_from((session.expiration - now).whole_seconds()).unwrap_or(0);
    let kept = crate::session::hook_margin(margin, life);
    (kept < margin).then(|| {
        format!(
            "mfaenv: MFAENV_REFRESH_MARGIN={margin} is more than half of this session's {}; mfaenv and the shell hooks renew it {kept} seconds before it lapses instead",
            human_duration(time::Duration::seconds(life.into()))
        )
    })
}

/// The shell's own session, from its environment alone: no files, no network, so that a
/// prompt can afford it. `--short` is the prompt's form: `PROFILE 11h58m` on stdout, or
/// nothing and exit 1; the human form is one line on stderr.
fn status(args: &StatusArgs, log: Log) -> Output {
    let profile = std::env::var("MFAENV_PROFILE")
        .ok()
        .filter(|p| !p.is_empty());
    let expiry = std::env::var("AWS_SESSION_EXPIRATION")
        .ok()
        .and_then(|e| OffsetDateTime::parse(&e, &Rfc3339).ok());
    let now = OffsetDateTime::now_utc();
    // The name comes from the environment: shown inert, as everything from outside is.
    let shown = profile.as_deref().map(crate::error::printable);
    if args.short {
        return match (shown, expiry) {
            (Some(p), Some(e)) if e > now => Output {
                stdout: format!("{p} {}\n", compact_duration(e - now)),
                ..Output::default()
            },
            _ => Output {
                code: 1,
                ..Output::default()
            },
        };
    }
    let (line, code) = match (shown, expiry) {
        (None, _) => ("mfaenv: no mfaenv session in this shell".to_owned(), 1),
        (Some(p), None) => (
            format!(
                "mfaenv: profile {p}: AWS_SESSION_EXPIRATION is missing or unreadable; run mfaenv use {p}"
            ),
            1,
        ),
        (Some(p), Some(e)) if e <= now => (
            format!(
                "mfaenv: profile {p}: session lapsed {} ago; run mfaenv use {p}",
                human_duration(now - e)
            ),
            1,
        ),
        (Some(p), Some(e)) => (
            format!("mfaenv: profile {p}: {} left", human_duration(e - now)),
            0,
        ),
    };
    Output {
        notices: if log.quiet { Vec::new() } else { vec![line] },
        code,
        ..Output::default()
    }
}

/// `11h58m`, `42m`, `59s`: time left in one word for a prompt, rounded down (never more than
/// is left).
fn compact_duration(d: time::Duration) -> String {
    let secs = d.whole_seconds().max(0);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m"),
        _ => format!("{h}h{m:02}m"),
    }
}

/// The profiles usable with mfaenv and their cached sessions, as a table; no network.
async fn list() -> Result<Output> {
    let files = crate::profile::Files::locate()?;
    let (set, texts) = crate::profile::load_texts(&files).await?;
    // Which file a key is in: the credentials file read alone (keys may sit in the config).
    let in_credentials = crate::profile::parse("", texts.credentials(), &files).await?;
    let today = OffsetDateTime::now_utc().date();
    let cache = cache::default_dir()
        .filter(|d| d.is_dir())
        .and_then(|d| Cache::open(d).ok());
    let now = OffsetDateTime::now_utc();
    let mut names: Vec<&str> = set.profiles().collect();
    names.sort_unstable();
    let mut rows = vec![[
        "PROFILE".to_owned(),
        "MFA DEVICE".to_owned(),
        "ROLE".to_owned(),
        "SESSION".to_owned(),
        "KEYS".to_owned(),
        "KEY AGE".to_owned(),
    ]];
    let mut unusable = 0;
    for name in names {
        let Ok(name) = ProfileName::choose(Some(name), None) else {
            continue;
        };
        let Ok(p) = crate::profile::resolve(&set, &name, None, &files) else {
            unusable += 1;
            continue;
        };
        let (kind, key) = match p.roles.is_empty() {
            true => (Kind::Mfa, &p.identity),
            false => (Kind::Role, &p.name),
        };
        let left = cache
            .as_ref()
            .map(|c| c.load(kind, key, now, time::Duration::ZERO))
            .and_then(|l| match l {
                cache::Lookup::Hit(e)
                    if obtain::made_with(
                        &e,
                        &p.access_key_id,
                        p.mfa_serial.as_ref().map(|s| s.as_str()),
                        kind,
                        p.roles.last().map(|r| r.arn.as_str()),
                    ) =>
                {
                    Some(format!(
                        "{} left",
                        human_duration(e.session.expiration - now)
                    ))
                }
                _ => None,
            })
            .unwrap_or_else(|| "-".to_owned());
        rows.push([
            name.to_string(),
            p.mfa_serial
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_else(|| format!("none: mfaenv setup {name}")),
            p.roles
                .last()
                .map(|r| r.arn.clone())
                .unwrap_or_else(|| "-".to_owned()),
            left,
            keys_place(&p, &in_credentials),
            key_age(&p, &set, today),
        ]);
    }
    let mut notices = Vec::new();
    if rows.len() == 1 {
        notices.push(format!(
            "mfaenv: no profile with long-term keys in {} or {}",
            files.config.display(),
            files.credentials.display()
        ));
    }
    if unusable > 0 {
        notices.push(format!(
            "mfaenv: {unusable} other profile(s) have no long-term keys to use with MFA"
        ));
    }
    Ok(Output {
        stdout: table(&rows),
        notices,
        code: 0,
    })
}

/// Where the profile's long-term keys live, from the config alone: a store is named, never
/// opened (no keyring unlock, no passphrase). A role's keys are its source profile's.
fn keys_place(
    p: &crate::profile::Profile,
    in_credentials: &aws_config::profile::ProfileSet,
) -> String {
    let place = match p.key_store {
        Some(crate::keystore::Store::Keyring) => "keyring",
        Some(crate::keystore::Store::File) => "encrypted file",
        None if in_credentials
            .get_profile(p.identity.as_str())
            .and_then(|s| s.get("aws_access_key_id"))
            .is_some() =>
        {
            "credentials file"
        }
        None => "config file",
    };
    match p.identity == p.name {
        true => place.to_owned(),
        false => format!("{place} (of {})", p.identity),
    }
}

/// The key's age from the day recorded when mfaenv stored it (`mfaenv_key_created`), flagged
/// past [`crate::keystore::OLD_KEY_DAYS`]; `-` when unknown. The record counts only for the key
/// it was made for (`mfaenv_access_key_id`), so a key changed by hand is never given a date.
fn key_age(
    p: &crate::profile::Profile,
    set: &aws_config::profile::ProfileSet,
    today: time::Date,
) -> String {
    use crate::keystore::{CREATED_PROPERTY, KEY_ID_PROPERTY, OLD_KEY_DAYS, parse_created};
    let Some(section) = set.get_profile(p.identity.as_str()) else {
        return "-".to_owned();
    };
    let recorded_for_this_key = section
        .get(KEY_ID_PROPERTY)
        .is_some_and(|id| id.trim() == p.access_key_id);
    let Some(created) = section
        .get(CREATED_PROPERTY)
        .filter(|_| recorded_for_this_key)
        .and_then(parse_created)
    else {
        return "-".to_owned();
    };
    let days = (today - created).whole_days().max(0);
    let age = match days {
        1 => "1 day".to_owned(),
        _ => format!("{days} days"),
    };
    match days > OLD_KEY_DAYS {
        true => format!("{age} (rotate it: mfaenv rotate {})", p.identity),
        false => age,
    }
}

/// Left-aligned columns, two spaces apart.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, (w, cell)) in widths.iter().zip(row).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Drops cached sessions; prints the unset script when this shell holds one of them.
async fn logout(args: LogoutArgs, log: Log) -> Result<Output> {
    let shell_profile = std::env::var("MFAENV_PROFILE")
        .ok()
        .filter(|p| !p.is_empty());
    let Some(dir) = cache::default_dir() else {
        return Err(Error::Runtime(
            "no HOME or XDG_CACHE_HOME: there is no session cache".into(),
        ));
    };
    let cache = Cache::open(dir)?;
    let (notice, holds) = if args.all {
        let n = cache.clear()?;
        (
            format!("mfaenv: dropped {n} cached session(s)"),
            shell_profile.is_some(),
        )
    } else {
        let aws_profile = std::env::var("AWS_PROFILE").ok();
        let name = ProfileName::choose(
            args.profile.as_deref().or(shell_profile.as_deref()),
            aws_profile.as_deref(),
        )?;
        // A role's MFA session belongs to its identity: drop it too, so no renewal goes on
        // silently. If the profile no longer resolves, drop what bears its name.
        // Likewise the session of a role it is assumed from (a long first role's own).
        let (identity, under) = match obtain::resolve_profile(Some(name.as_str()), None, log).await
        {
            Ok((p, _)) => (p.identity, p.roles.into_iter().map(|r| r.profile).collect()),
            Err(_) => (name.clone(), Vec::new()),
        };
        let mut role = cache.remove(Kind::Role, &name)?;
        for from in under.iter().filter(|r| **r != name) {
            role |= cache.remove(Kind::Role, from)?;
        }
        let mfa = cache.remove(Kind::Mfa, &identity)?;
        let notice = match (role || mfa, identity == name) {
            (false, _) => format!("mfaenv: no cached session for profile '{name}'"),
            (true, true) => format!("mfaenv: dropped the cached session of profile '{name}'"),
            (true, false) => format!(
                "mfaenv: dropped the cached sessions of profile '{name}' and of its keys' profile '{identity}'"
            ),
        };
        (notice, shell_profile.as_deref() == Some(name.as_str()))
    };
    let (shell, mut notices) = choose_shell(&args.shell, log);
    let stdout = if holds {
        shell.restore_script(&inherited())
    } else {
        notices.clear();
        String::new()
    };
    if !log.quiet {
        notices.push(notice);
    }
    Ok(Output::script(stdout, notices))
}

/// `mfaenv setup PROFILE`: register the MFA device on demand.
async fn setup(args: SetupArgs, log: Log) -> Result<Output> {
    let (profile, files) = obtain::resolve_profile(Some(&args.profile), None, log).await?;
    if !crate::mfa::has_terminal() {
        return Err(Error::Usage(format!(
            "setup asks on the terminal, and there is none; add `mfa_serial = arn:aws:iam::ACCOUNT:mfa/USER` to profile '{}' in {} by hand",
            profile.name,
            files.config.display()
        )));
    }
    if let Some(serial) = &profile.mfa_serial {
        eprintln!("mfaenv: profile '{}' has mfa_serial {serial}", profile.name);
    }
    // GetCallerIdentity (for the suggested device) is signed with the long-term keys.
    let profile = obtain::with_secret(&profile, log)?;
    let client = obtain::client(&profile, args.timeout, log).await;
    obtain::ask_and_save_serial(&profile, &files, &client).await?;
    Ok(Output::default())
}

/// The AWS `credential_process` answer: version 1 JSON with the session's keys.
fn credential_process(args: CredentialProcessArgs, log: Log) -> Result<Output> {
    let log = Log { quiet: true, ..log };
    let session = obtain::session_blocking(Some(&args.profile), &args.session, log)?;
    let json = serde_json::json!({
        "Version": 1,
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key.expose(),
        "SessionToken": session.session_token.expose(),
        "Expiration": session.expiration_rfc3339(),
    });
    Ok(Output::script(format!("{json}\n"), Vec::new()))
}

/// Runs the command with the session's variables in its environment (never its arguments);
/// on Unix the command replaces mfaenv, so signals and the exit code are its own.
fn exec(args: ExecArgs, session: &Session) -> Result<Output> {
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::Usage("exec needs a command after --".into()))?;
    let mut command = std::process::Command::new(program);
    command
        .args(rest)
        .envs(session.variables())
        // The key file's passphrase is mfaenv's alone.
        .env_remove(crate::keystore::PASSPHRASE_VARIABLE);
    crate::guard::restore_core_limit(&mut command);
    let failed = |e: std::io::Error| {
        Error::Runtime(format!(
            "cannot run {}: {e}",
            crate::error::printable(&program.to_string_lossy())
        ))
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        Err(failed(command.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = command.status().map_err(failed)?;
        std::process::exit(status.code().unwrap_or(1));
    }
}
