//! Sets one property in one profile of the AWS config file, leaving every other byte as it was.
//!
//! The reading rules mirror the AWS SDK's own parser (`aws-runtime`'s `env_config`), since that is
//! what reads the file back: `[` at column 0 opens a section, `#`/`;` at column 0 is a comment,
//! an indented non-blank line continues the property above it, keys compare ASCII-case-insensitively.

use crate::atomic_file::{
    Attributes, create_private_dir, parent_dir, write_atomic, write_atomic_as,
};
use crate::lock::{LockError, Owner};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

const BOM: &str = "\u{feff}";
/// The only whitespace the SDK parser trims; `.trim()` would also eat characters it keeps.
const WHITESPACE: &[char] = &[' ', '\t'];
const COMMENT: &[char] = &['#', ';'];
const DEFAULT: &str = "default";
const PROFILE_PREFIX: &str = "profile";
/// Linux's own limit; a longer chain is almost certainly a loop.
const MAX_LINKS: usize = 40;

/// What [`save_property`] did to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// The file did not exist and was created.
    Created,
    /// The file was rewritten; its previous content is kept at `backup`.
    Updated {
        /// Where the old content was copied before the rewrite.
        backup: PathBuf,
    },
    /// The file was rewritten without a backup ([`Backup::Never`]).
    Rewritten,
    /// The file already held the value; nothing was written.
    Unchanged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Comment,
    Header,
    Continuation,
    Property,
}

struct Line<'a> {
    /// The line without its terminator.
    text: &'a str,
    /// `"\n"`, `"\r\n"`, or `""` for a last line without one.
    end: &'a str,
    kind: Kind,
}

/// Returns `text` with `key = value` set in `profile`'s section; inputs must pass the checks [`save_property`] makes.
pub fn set_property(text: &str, profile: &str, key: &str, value: &str) -> String {
    let (bom, body) = match text.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", text),
    };
    let lines = split_lines(body);
    let eol = lines
        .iter()
        .map(|l| l.end)
        .find(|e| !e.is_empty())
        .unwrap_or("\n");
    let sections = matching_sections(&lines, profile);
    let new_line = format!("{key} = {value}");

    let mut replaced = vec![None; lines.len()];
    let mut dropped = vec![false; lines.len()];
    for &(start, end) in &sections {
        for i in start + 1..end {
            if lines[i].kind == Kind::Property
                && property_key(lines[i].text).is_some_and(|k| k.eq_ignore_ascii_case(key))
            {
                replaced[i] = Some(replace_value(lines[i].text, value));
                // A continuation would be glued onto the new value by the SDK, turning it into
                // a multi-line string no tool accepts as a serial.
                for j in i + 1..end {
                    match lines[j].kind {
                        Kind::Property | Kind::Header => break,
                        Kind::Continuation => dropped[j] = true,
                        Kind::Blank | Kind::Comment => {}
                    }
                }
            }
        }
    }

    let mut out = String::with_capacity(text.len() + new_line.len() + 32);
    out.push_str(bom);
    if replaced.iter().any(Option::is_some) {
        for (i, line) in lines.iter().enumerate() {
            if dropped[i] {
                continue;
            }
            out.push_str(replaced[i].as_deref().unwrap_or(line.text));
            out.push_str(line.end);
        }
        // Dropping an unterminated last line must not give the file a final newline it never had.
        if dropped.last() == Some(&true) && lines.last().is_some_and(|l| l.end.is_empty()) {
            let cut = out
                .strip_suffix("\r\n")
                .or_else(|| out.strip_suffix('\n'))
                .map_or(out.len(), str::len);
            out.truncate(cut);
        }
    } else if let Some(&(start, end)) = sections.first() {
        // After the last property (and its continuations), so trailing comments and blank
        // lines keep introducing whatever follows them.
        let anchor = (start + 1..end)
            .rev()
            .find(|&i| matches!(lines[i].kind, Kind::Property | Kind::Continuation))
            .unwrap_or(start);
        for (i, line) in lines.iter().enumerate() {
            out.push_str(line.text);
            out.push_str(line.end);
            if i == anchor {
                if line.end.is_empty() {
                    out.push_str(eol);
                    out.push_str(&new_line);
                } else {
                    out.push_str(&new_line);
                    out.push_str(eol);
                }
            }
        }
    } else {
        out.push_str(body);
        if let Some(last) = lines.last() {
            if last.end.is_empty() {
                out.push_str(eol);
            }
            if last.kind != Kind::Blank {
                out.push_str(eol);
            }
        }
        if profile == DEFAULT {
            out.push_str("[default]");
        } else {
            out.push('[');
            out.push_str(PROFILE_PREFIX);
            out.push(' ');
            out.push_str(profile);
            out.push(']');
        }
        out.push_str(eol);
        out.push_str(&new_line);
        out.push_str(eol);
    }
    out
}

/// How long an edit waits for another one of the same file before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Whether an edit keeps the previous file as `NAME.mfaenv.bak`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backup {
    /// Keep it, with the file's owner and mode (the config file: no secrets in it).
    Keep,
    /// Never write one: the credentials file holds long-term keys, and a copy of them is one
    /// more place to leak from. Every edit of the credentials file must pass this.
    Never,
}

/// Sets `key = value` in `profile`'s section of the config file at `path`, atomically and with a backup.
pub fn save_property(path: &Path, profile: &str, key: &str, value: &str) -> io::Result<Saved> {
    save_property_with(path, profile, key, value, Backup::Keep)
}

/// [`save_property`] for any AWS file, with or without a backup.
///
/// Concurrent edits of one file are serialised by a lock held around read, change and write,
/// so every edit that succeeds is in the final file. The lock is `.NAME.mfaenv.lock` next to
/// the file itself (after following links): the one place every editor of that file agrees
/// on, whoever runs it (root under sudo, another `HOME` or `XDG_CACHE_HOME`), and a directory
/// the edit must be able to write anyway. The file keeps its owner and mode; a file whose
/// owner removed its write permission is refused, not replaced.
pub fn save_property_with(
    path: &Path,
    profile: &str,
    key: &str,
    value: &str,
    backup: Backup,
) -> io::Result<Saved> {
    check_inputs(profile, key, value)?;
    // Writing through the link keeps dotfile managers' symlinks in place.
    let target = follow_links(path)?;
    let dir = parent_dir(&target);
    if !dir.exists() {
        create_private_dir(dir)?;
    }
    let _lock = lock_for(&target)?;
    // Read under the lock: what another edit saved a moment ago is part of what we rewrite.
    let (old, attributes) = match fs::metadata(&target) {
        // `AWS_CONFIG_FILE=/dev/null` is a common way to switch the file off: replacing the
        // device with a file (or writing a backup into /dev) must never happen.
        Ok(meta) if !meta.is_file() => return Err(not_regular(&target)),
        Ok(meta) => {
            check_writable(&target, &meta)?;
            (Some(fs::read(&target)?), attributes_of(&meta))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => (None, Attributes::default()),
        Err(e) => return Err(e),
    };
    let old_text = match &old {
        Some(bytes) => std::str::from_utf8(bytes).map_err(|_| not_utf8(&target))?,
        None => "",
    };
    let new_text = set_property(old_text, profile, key, value);

    let Some(old) = &old else {
        write_atomic(&target, new_text.as_bytes(), None)?;
        return Ok(Saved::Created);
    };
    if new_text == old_text {
        return Ok(Saved::Unchanged);
    }
    if backup == Backup::Never {
        write_atomic_as(&target, new_text.as_bytes(), &attributes)?;
        return Ok(Saved::Rewritten);
    }
    // Next to the path the user knows, so it stays out of a dotfiles repository behind a link.
    let mut backup_name = path.file_name().unwrap_or_default().to_os_string();
    backup_name.push(".mfaenv.bak");
    let backup = path.with_file_name(backup_name);
    // The same owner and mode as the file: a copy must not be readable by more people.
    write_atomic_as(&backup, old, &attributes)?;
    write_atomic_as(&target, new_text.as_bytes(), &attributes)?;
    Ok(Saved::Updated { backup })
}

/// The lock that serialises edits of `target`.
fn lock_for(target: &Path) -> io::Result<crate::lock::FileLock> {
    let dir = parent_dir(target);
    let mut name = std::ffi::OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(".mfaenv.lock");
    #[allow(unused_mut)]
    let mut owner = Owner::default();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        owner.directory = fs::metadata(dir).ok().map(|m| (m.uid(), m.gid()));
    }
    crate::lock::acquire(&dir.join(name), owner, LOCK_WAIT, || {}).map_err(|e| {
        let kind = match e {
            LockError::Busy { .. } => io::ErrorKind::WouldBlock,
            LockError::Unusable { .. } => io::ErrorKind::PermissionDenied,
        };
        io::Error::new(kind, e.to_string())
    })
}

/// Refuses a file its owner made read-only (root could write it, but must not override the
/// choice) or that this user may not write.
fn check_writable(target: &Path, meta: &fs::Metadata) -> io::Result<()> {
    let read_only = || {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is read-only; not replacing it (make it writable, e.g. chmod u+w, to let mfaenv edit it)",
                target.display()
            ),
        )
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o200 == 0 {
            return Err(read_only());
        }
    }
    if meta.permissions().readonly() {
        return Err(read_only());
    }
    // Opening for writing (without truncating) is the one test of write access that knows
    // every rule (ACLs, read-only mounts); it changes nothing.
    let mut options = fs::OpenOptions::new();
    options.write(true);
    // A FIFO swapped in since the check above must not hang the edit.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    match options.open(target) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(read_only()),
        Err(e) => Err(e),
    }
}

/// The owner and mode of an existing file, for its replacement and its backup.
fn attributes_of(meta: &fs::Metadata) -> Attributes {
    #[cfg(unix)]
    let owner = {
        use std::os::unix::fs::MetadataExt;
        Some((meta.uid(), meta.gid()))
    };
    #[cfg(not(unix))]
    let owner = None;
    Attributes {
        permissions: Some(meta.permissions()),
        owner,
    }
}

/// Rejects what would not read back as exactly `key = value` in `[profile NAME]`.
fn check_inputs(profile: &str, key: &str, value: &str) -> io::Result<()> {
    let invalid = |what: String| Err(io::Error::new(io::ErrorKind::InvalidInput, what));
    // The SDK silently ignores sections and keys that are not identifiers.
    if !is_identifier(profile) {
        return invalid(format!(
            "profile name {profile:?} cannot be written to the AWS config file"
        ));
    }
    if !is_identifier(key) {
        return invalid(format!("{key:?} is not a valid AWS config key"));
    }
    let trimmed = value.trim_matches(WHITESPACE);
    if value.contains(['\n', '\r']) || trimmed != value || comment_start(value, true).is_some() {
        return invalid(format!(
            "{value:?} cannot be stored as a single config value"
        ));
    }
    Ok(())
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

fn split_lines(body: &str) -> Vec<Line<'_>> {
    body.split_inclusive('\n')
        .map(|piece| {
            let (text, end) = if let Some(t) = piece.strip_suffix("\r\n") {
                (t, "\r\n")
            } else if let Some(t) = piece.strip_suffix('\n') {
                (t, "\n")
            } else {
                (piece, "")
            };
            let kind = if text.trim_matches(WHITESPACE).is_empty() {
                Kind::Blank
            } else if text.starts_with(COMMENT) {
                Kind::Comment
            } else if text.starts_with('[') {
                Kind::Header
            } else if text.starts_with(WHITESPACE) {
                Kind::Continuation
            } else {
                Kind::Property
            };
            Line { text, end, kind }
        })
        .collect()
}

/// The `(header, end)` line ranges of the sections the SDK reads as `profile`, in file order.
fn matching_sections(lines: &[Line<'_>], profile: &str) -> Vec<(usize, usize)> {
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].kind == Kind::Header)
        .collect();
    // 2: `[profile NAME]`; 1: bare `[default]`, which the SDK ignores once any `[profile default]` exists.
    let rank = |i: usize| match section_name(lines[i].text) {
        Some((true, name)) if name == profile => 2,
        Some((false, name)) if name == profile && profile == DEFAULT => 1,
        _ => 0,
    };
    let best = headers.iter().map(|&i| rank(i)).max().unwrap_or(0);
    if best == 0 {
        return Vec::new();
    }
    headers
        .iter()
        .enumerate()
        .filter(|&(_, &h)| rank(h) == best)
        .map(|(n, &h)| (h, headers.get(n + 1).copied().unwrap_or(lines.len())))
        .collect()
}

/// `(has the "profile" prefix, name)` of a header line, split the way the SDK splits it.
fn section_name(line: &str) -> Option<(bool, &str)> {
    let inner = prepare(line, false)
        .strip_prefix('[')?
        .strip_suffix(']')?
        .trim_matches(WHITESPACE);
    match inner.split_once(WHITESPACE) {
        Some((prefix, name)) if prefix.trim() == PROFILE_PREFIX => Some((true, name.trim())),
        Some(_) => None,
        None => Some((false, inner)),
    }
}

/// The key of a property line, as written.
fn property_key(line: &str) -> Option<&str> {
    let (k, _) = prepare(line, true).split_once('=')?;
    Some(k.trim_matches(WHITESPACE))
}

/// The SDK's `prepare_line`: trims, then cuts an inline comment.
fn prepare(line: &str, comments_need_whitespace: bool) -> &str {
    let line = line.trim_matches(WHITESPACE);
    let cut = comment_start(line, comments_need_whitespace).unwrap_or(line.len());
    line[..cut].trim_matches(WHITESPACE)
}

/// Where an inline comment starts; in values only after whitespace, so `a#b` stays a value.
fn comment_start(line: &str, comments_need_whitespace: bool) -> Option<usize> {
    let mut prev_whitespace = false;
    for (i, c) in line.char_indices() {
        if COMMENT.contains(&c) && (prev_whitespace || !comments_need_whitespace) {
            return Some(i);
        }
        prev_whitespace = c.is_whitespace();
    }
    None
}

/// `line` with its value swapped for `value`, keeping the key's spelling, the spacing and any comment.
fn replace_value(line: &str, value: &str) -> String {
    let body_end = comment_start(line, true).unwrap_or(line.len());
    let Some(eq) = line[..body_end].find('=') else {
        return line.to_owned();
    };
    let after_eq = &line[eq + 1..body_end];
    let value_start = body_end - after_eq.trim_start_matches(WHITESPACE).len();
    let value_end = line[..body_end]
        .trim_end_matches(WHITESPACE)
        .len()
        .max(value_start);
    let rest = &line[value_end..];
    let mut out = String::with_capacity(line.len() + value.len());
    out.push_str(&line[..value_start]);
    // `key =` with nothing after it: space the value like the key, `key = v` not `key =v`.
    if value_start == eq + 1 && line[..eq].ends_with(WHITESPACE) {
        out.push(' ');
    }
    out.push_str(value);
    // Without whitespace before it, `#` would become part of the value.
    if rest.starts_with(COMMENT) {
        out.push(' ');
    }
    out.push_str(rest);
    out
}

/// The file a chain of symlinks ends at, even when that file does not exist yet.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = parent_dir(&current).join(link);
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:iam::123456789012:mfa/alice";

    fn set(text: &str, profile: &str) -> String {
        set_property(text, profile, "mfa_serial", ARN)
    }

    /// The output is `expected`, and taking `inserted` out of it gives back the input byte for byte.
    fn assert_insert(input: &str, profile: &str, expected: &str, inserted: &str) {
        let out = set(input, profile);
        assert_eq!(out, expected, "input: {input:?}");
        assert_eq!(out.matches(inserted).count(), 1, "output: {out:?}");
        assert_eq!(out.replacen(inserted, "", 1), input);
    }

    fn line() -> String {
        format!("mfa_serial = {ARN}\n")
    }

    #[test]
    fn inserts_after_last_property_keeping_comments() {
        let input = "# top comment\n; another\n[default]\nregion = eu-west-1 # inline\n\n\
                     [profile foo]\n# about foo\nregion = us-east-1 ; inline\noutput = json\n\
                     # about bar\n\n[profile bar]\nregion = eu-central-1\n";
        let expected = format!(
            "# top comment\n; another\n[default]\nregion = eu-west-1 # inline\n\n\
             [profile foo]\n# about foo\nregion = us-east-1 ; inline\noutput = json\n{}\
             # about bar\n\n[profile bar]\nregion = eu-central-1\n",
            line()
        );
        assert_insert(input, "foo", &expected, &line());
    }

    #[test]
    fn matches_headers_with_odd_spacing_and_comments() {
        let input = "[ profile   foo ]\nregion = x\n";
        assert_insert(input, "foo", &format!("{input}{}", line()), &line());
        let input = "[profile\tfoo]  # work account\nregion=x\n\n[profile bar]\n";
        let expected = format!(
            "[profile\tfoo]  # work account\nregion=x\n{}\n[profile bar]\n",
            line()
        );
        assert_insert(input, "foo", &expected, &line());
    }

    #[test]
    fn keeps_crlf_line_endings() {
        let input =
            "[default]\r\nregion = x\r\n\r\n[profile foo]\r\nregion = y\r\n\r\n[profile bar]\r\n";
        let inserted = format!("mfa_serial = {ARN}\r\n");
        let expected = format!(
            "[default]\r\nregion = x\r\n\r\n[profile foo]\r\nregion = y\r\n{inserted}\r\n[profile bar]\r\n"
        );
        assert_insert(input, "foo", &expected, &inserted);
    }

    #[test]
    fn keeps_a_missing_final_newline_missing() {
        let inserted = format!("\nmfa_serial = {ARN}");
        assert_insert(
            "[profile foo]\nregion = y",
            "foo",
            &format!("[profile foo]\nregion = y{inserted}"),
            &inserted,
        );
        assert_insert(
            "[profile foo]",
            "foo",
            &format!("[profile foo]{inserted}"),
            &inserted,
        );
    }

    #[test]
    fn inserts_right_after_the_header_of_an_empty_section() {
        let input = "[profile foo]\n# nothing yet\n\n[profile bar]\nregion = x\n";
        let expected = format!(
            "[profile foo]\n{}# nothing yet\n\n[profile bar]\nregion = x\n",
            line()
        );
        assert_insert(input, "foo", &expected, &line());
    }

    #[test]
    fn keeps_the_bom() {
        let input = "\u{feff}[profile foo]\nregion = y\n";
        assert_insert(input, "foo", &format!("{input}{}", line()), &line());
        let input = "\u{feff}[default]\nregion = y\n";
        let inserted = format!("\n[profile foo]\n{}", line());
        assert_insert(input, "foo", &format!("{input}{inserted}"), &inserted);
    }

    #[test]
    fn keeps_non_ascii_text() {
        let input = "# café ☕ Zürich\n[profile foo]\nregion = y # ünïcode ✓\n";
        assert_insert(input, "foo", &format!("{input}{}", line()), &line());
    }

    #[test]
    fn inserts_after_sub_properties_and_indented_lines() {
        let input = "[profile foo]\ns3 =\n  max_concurrent_requests = 20\n\n[profile bar]\n";
        let expected = format!(
            "[profile foo]\ns3 =\n  max_concurrent_requests = 20\n{}\n[profile bar]\n",
            line()
        );
        assert_insert(input, "foo", &expected, &line());
        // The SDK glues any indented line onto the property above it, so a new line placed
        // before this comment would take it in as part of its value.
        let input = "[profile foo]\nregion = y\n  # indented note\n\n[profile bar]\n";
        let expected = format!(
            "[profile foo]\nregion = y\n  # indented note\n{}\n[profile bar]\n",
            line()
        );
        assert_insert(input, "foo", &expected, &line());
    }

    #[test]
    fn a_sub_property_with_the_same_key_is_not_the_property() {
        let input = "[profile foo]\nsso =\n  mfa_serial = nested\n";
        assert_insert(input, "foo", &format!("{input}{}", line()), &line());
    }

    #[test]
    fn appends_a_section_when_the_profile_is_missing() {
        let inserted = format!("\n[profile foo]\n{}", line());
        let input = "[profile bar]\nregion = x\n";
        assert_insert(input, "foo", &format!("{input}{inserted}"), &inserted);

        let inserted = format!("\n\n[profile foo]\n{}", line());
        let input = "[profile bar]\nregion = x";
        assert_insert(input, "foo", &format!("{input}{inserted}"), &inserted);

        let inserted = format!("[profile foo]\r\nmfa_serial = {ARN}\r\n");
        let input = "[profile bar]\r\nregion = x\r\n\r\n";
        assert_insert(input, "foo", &format!("{input}{inserted}"), &inserted);

        assert_eq!(set("", "foo"), format!("[profile foo]\n{}", line()));
        assert_eq!(set("", "default"), format!("[default]\n{}", line()));
    }

    #[test]
    fn similar_names_and_other_section_kinds_do_not_match() {
        let input = "[profile foo-bar]\nregion = x\n\n[profile foo]\nregion = y\n";
        assert_insert(input, "foo", &format!("{input}{}", line()), &line());

        let inserted = format!("\n[profile foo]\n{}", line());
        for input in [
            "[profile foo-bar]\nmfa_serial = keep\n",
            "[profile foobar]\nregion = x\n",
            "[foo]\nregion = x\n",
            "[sso-session foo]\nsso_region = x\n",
            "[profile foo bar]\nregion = x\n",
        ] {
            assert_insert(input, "foo", &format!("{input}{inserted}"), &inserted);
        }
        let input = "[sso-session default]\nsso_region = x\n";
        let inserted = format!("\n[default]\n{}", line());
        assert_insert(input, "default", &format!("{input}{inserted}"), &inserted);
    }

    #[test]
    fn default_in_both_spellings() {
        for input in [
            "[default]\nregion = x\n",
            "[ default ]\nregion = x\n",
            "[profile default]\nregion = x\n",
        ] {
            assert_insert(input, "default", &format!("{input}{}", line()), &line());
        }
        // The SDK ignores `[default]` entirely once `[profile default]` exists.
        let input = "[default]\nmfa_serial = ignored\n\n[profile default]\nregion = y\n";
        assert_insert(input, "default", &format!("{input}{}", line()), &line());
    }

    #[test]
    fn duplicate_sections() {
        let input = "[profile foo]\nregion = a\n\n[profile foo]\nregion = b\n";
        let expected = format!(
            "[profile foo]\nregion = a\n{}\n[profile foo]\nregion = b\n",
            line()
        );
        assert_insert(input, "foo", &expected, &line());
        // The SDK merges both sections, so a value left in either could win.
        let input = "[profile foo]\nmfa_serial = old1\n\n[ profile foo ]\nmfa_serial = old2\n";
        let expected = format!("[profile foo]\n{}\n[ profile foo ]\n{}", line(), line());
        assert_eq!(set(input, "foo"), expected);
    }

    #[test]
    fn replaces_an_existing_value_only() {
        let cases = [
            (
                "[profile foo]\nregion = y\nmfa_serial = arn:old # phone\noutput = json\n",
                format!("[profile foo]\nregion = y\nmfa_serial = {ARN} # phone\noutput = json\n"),
            ),
            (
                "[profile foo]\r\nMFA_Serial   =   arn:old  \r\n",
                format!("[profile foo]\r\nMFA_Serial   =   {ARN}  \r\n"),
            ),
            (
                "[profile foo]\nmfa_serial=arn:old",
                format!("[profile foo]\nmfa_serial={ARN}"),
            ),
            (
                "[profile foo]\nmfa_serial = #no value yet\n",
                format!("[profile foo]\nmfa_serial = {ARN} #no value yet\n"),
            ),
            (
                "[profile foo]\nmfa_serial =\n",
                format!("[profile foo]\nmfa_serial = {ARN}\n"),
            ),
            (
                "[profile bar]\nmfa_serial = keep\n[profile foo]\nmfa_serial = old\n[profile foo-bar]\nmfa_serial = keep\n",
                format!(
                    "[profile bar]\nmfa_serial = keep\n[profile foo]\nmfa_serial = {ARN}\n[profile foo-bar]\nmfa_serial = keep\n"
                ),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(set(input, "foo"), expected, "input: {input:?}");
        }
    }

    #[test]
    fn replacing_drops_the_old_value_continuation_lines() {
        let input = "[profile foo]\nmfa_serial =\n  junk = 1\n# kept\n\n  more = 2\nregion = x\n";
        let expected = format!("[profile foo]\n{}# kept\n\nregion = x\n", line());
        assert_eq!(set(input, "foo"), expected);
        let input = "[profile foo]\nmfa_serial = old\n  junk";
        assert_eq!(
            set(input, "foo"),
            format!("[profile foo]\nmfa_serial = {ARN}")
        );
    }

    #[test]
    fn setting_the_same_value_changes_nothing() {
        let input = format!("[profile foo]\n{}region = x", line());
        assert_eq!(set(&input, "foo"), input);
    }

    #[test]
    fn rejects_what_would_not_read_back() {
        let bad = [
            ("foo", "mfa_serial", "arn:x\n"),
            ("foo", "mfa_serial", "arn:x\rmore"),
            ("foo", "mfa_serial", " arn:x"),
            ("foo", "mfa_serial", "arn:x #c"),
            ("foo", "mfa\nserial", "arn:x"),
            ("foo", "", "arn:x"),
            ("foo]", "mfa_serial", "arn:x"),
            ("foo bar", "mfa_serial", "arn:x"),
            ("", "mfa_serial", "arn:x"),
        ];
        for (profile, key, value) in bad {
            let err = check_inputs(profile, key, value).unwrap_err();
            assert_eq!(
                err.kind(),
                io::ErrorKind::InvalidInput,
                "{profile:?} {key:?} {value:?}"
            );
        }
        check_inputs("foo-bar_1.x@y", "mfa_serial", ARN).unwrap();
    }

    /// The files in `dir`, but for the edit lock (which stays, empty and private).
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".mfaenv.lock"))
            .collect();
        names.sort();
        names
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn save_rewrites_with_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let old = "[profile foo]\r\nregion = y\r\n";
        fs::write(&config, old).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&config, fs::Permissions::from_mode(0o640)).unwrap();
        }
        let saved = save_property(&config, "foo", "mfa_serial", ARN).unwrap();
        let backup = dir.path().join("config.mfaenv.bak");
        assert_eq!(
            saved,
            Saved::Updated {
                backup: backup.clone()
            }
        );
        assert_eq!(fs::read_to_string(&backup).unwrap(), old);
        assert_eq!(fs::read_to_string(&config).unwrap(), set(old, "foo"));
        #[cfg(unix)]
        {
            assert_eq!(mode(&config), 0o640);
            assert_eq!(mode(&backup), 0o640);
        }
        assert_eq!(names(dir.path()), ["config", "config.mfaenv.bak"]);
        let lock = dir.path().join(".config.mfaenv.lock");
        assert_eq!(fs::read(&lock).unwrap(), b"");
        #[cfg(unix)]
        assert_eq!(mode(&lock), 0o600);
    }

    #[test]
    fn save_creates_a_missing_file_and_private_dir() {
        let dir = tempfile::tempdir().unwrap();
        let aws = dir.path().join("home/.aws");
        let config = aws.join("config");
        assert_eq!(
            save_property(&config, "foo", "mfa_serial", ARN).unwrap(),
            Saved::Created
        );
        assert_eq!(
            fs::read_to_string(&config).unwrap(),
            format!("[profile foo]\n{}", line())
        );
        assert_eq!(names(&aws), ["config"]);
        #[cfg(unix)]
        {
            assert_eq!(mode(&aws), 0o700);
            assert_eq!(mode(&config), 0o600);
        }
    }

    #[test]
    fn save_writes_nothing_when_the_value_is_already_there() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        fs::write(&config, format!("[profile foo]\n{}", line())).unwrap();
        assert_eq!(
            save_property(&config, "foo", "mfa_serial", ARN).unwrap(),
            Saved::Unchanged
        );
        assert_eq!(names(dir.path()), ["config"]);
    }

    #[test]
    fn save_refuses_bad_input_and_non_utf8_without_touching_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        fs::write(&config, "[profile foo]\n").unwrap();
        let err = save_property(&config, "foo", "mfa_serial", "arn:x\nregion = evil").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        fs::write(&config, b"[profile foo]\n# \xff\n").unwrap();
        let err = save_property(&config, "foo", "mfa_serial", ARN).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(fs::read(&config).unwrap(), b"[profile foo]\n# \xff\n");
        assert_eq!(names(dir.path()), ["config"]);
    }

    #[test]
    fn save_refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        fs::create_dir(&config).unwrap();
        let err = save_property(&config, "foo", "mfa_serial", ARN).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(names(dir.path()), ["config"]);
        assert!(names(&config).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn save_writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let dotfiles = dir.path().join("dotfiles");
        let aws = dir.path().join(".aws");
        fs::create_dir_all(&dotfiles).unwrap();
        fs::create_dir_all(&aws).unwrap();
        let target = dotfiles.join("aws-config");
        fs::write(&target, "[profile foo]\n").unwrap();
        let link = aws.join("config");
        std::os::unix::fs::symlink("../dotfiles/aws-config", &link).unwrap();

        let saved = save_property(&link, "foo", "mfa_serial", ARN).unwrap();
        assert_eq!(
            saved,
            Saved::Updated {
                backup: aws.join("config.mfaenv.bak")
            }
        );
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::read_to_string(&target).unwrap(),
            format!("[profile foo]\n{}", line())
        );
        assert_eq!(
            fs::read_to_string(aws.join("config.mfaenv.bak")).unwrap(),
            "[profile foo]\n"
        );
        assert_eq!(names(&dotfiles), ["aws-config"]);
        assert_eq!(names(&aws), ["config", "config.mfaenv.bak"]);
    }

    #[cfg(unix)]
    #[test]
    fn save_creates_the_target_of_a_dangling_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink("real-config", &link).unwrap();
        assert_eq!(
            save_property(&link, "foo", "mfa_serial", ARN).unwrap(),
            Saved::Created
        );
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("real-config")).unwrap(),
            format!("[profile foo]\n{}", line())
        );
    }

    #[test]
    fn a_failed_rename_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("config");
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("keep"), "x").unwrap();
        assert!(write_atomic(&dest, b"new", None).is_err());
        assert_eq!(names(dir.path()), ["config"]);
    }
}

// Removing properties: `import` takes the keys out of the credentials file, `remove` takes the
// store's properties out of the config file. These never write a backup: the credentials file
// holds the very keys that are being moved out of plaintext.

/// Returns `text` without the properties `keys` (and their continuation lines) in the sections
/// `sections` picks, and how many were removed; every other byte stays.
fn strip_properties(
    text: &str,
    sections: impl Fn(&[Line<'_>]) -> Vec<(usize, usize)>,
    keys: &[&str],
) -> (String, usize) {
    let (bom, body) = match text.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", text),
    };
    let lines = split_lines(body);
    let mut drop = vec![false; lines.len()];
    let mut removed = 0;
    for (start, end) in sections(&lines) {
        let mut in_removed = false;
        for i in start + 1..end {
            match lines[i].kind {
                Kind::Property => {
                    in_removed = property_key(lines[i].text)
                        .is_some_and(|k| keys.iter().any(|key| key.eq_ignore_ascii_case(k)));
                    if in_removed {
                        removed += 1;
                        drop[i] = true;
                    }
                }
                // A continuation belongs to the property above it, so it goes with it.
                Kind::Continuation if in_removed => drop[i] = true,
                Kind::Continuation => {}
                Kind::Blank | Kind::Comment | Kind::Header => in_removed = false,
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(bom);
    for (line, gone) in lines.iter().zip(&drop) {
        if !gone {
            out.push_str(line.text);
            out.push_str(line.end);
        }
    }
    (out, removed)
}

/// The sections of the credentials file the SDK reads as `profile`: `[NAME]`, no prefix.
fn credentials_sections(lines: &[Line<'_>], profile: &str) -> Vec<(usize, usize)> {
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].kind == Kind::Header)
        .collect();
    headers
        .iter()
        .enumerate()
        .filter(|&(_, &h)| {
            let inner = prepare(lines[h].text, false)
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
                .map(|l| l.trim_matches(WHITESPACE));
            inner == Some(profile)
        })
        .map(|(n, &h)| (h, headers.get(n + 1).copied().unwrap_or(lines.len())))
        .collect()
}

/// Returns the credentials file's `text` without the `aws_access_key_id` and
/// `aws_secret_access_key` of `profiles`, and how many lines held them.
pub fn strip_keys(text: &str, profiles: &[&str]) -> (String, usize) {
    strip_properties(
        text,
        |lines| {
            profiles
                .iter()
                .flat_map(|p| credentials_sections(lines, p))
                .collect()
        },
        &["aws_access_key_id", "aws_secret_access_key"],
    )
}

/// Returns the config file's `text` without `keys` in `profile`'s section.
pub fn strip_config_properties(text: &str, profile: &str, keys: &[&str]) -> (String, usize) {
    strip_properties(text, |lines| matching_sections(lines, profile), keys)
}

/// Rewrites the file at `path` (through its links) as `edit` makes it, atomically, with its
/// permissions and no backup, under the file's edit lock as every edit is (so that no edit
/// made meanwhile is lost); false when nothing changed.
fn rewrite(path: &Path, edit: impl Fn(&str) -> (String, usize)) -> io::Result<bool> {
    let target = follow_links(path)?;
    let _lock = lock_for(&target)?;
    // Read under the lock: what another edit saved a moment ago is part of what we rewrite.
    let (meta, old_text) = read_for_edit(&target)?;
    let (new_text, removed) = edit(&old_text);
    if removed == 0 {
        return Ok(false);
    }
    write_unnamed(&target, new_text.as_bytes(), meta.permissions())?;
    Ok(true)
}

/// The metadata and text of `target` (links already followed), for an in-place rewrite:
/// refused when it is not a regular file (`AWS_CONFIG_FILE=/dev/null`) or not UTF-8 text.
fn read_for_edit(target: &Path) -> io::Result<(fs::Metadata, String)> {
    let meta = fs::metadata(target)?;
    if !meta.is_file() {
        return Err(not_regular(target));
    }
    let text = String::from_utf8(fs::read(target)?).map_err(|_| not_utf8(target))?;
    Ok((meta, text))
}

fn not_regular(target: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} is not a regular file; not editing it", target.display()),
    )
}

fn not_utf8(target: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{} is not UTF-8 text; not editing it", target.display()),
    )
}

/// Like `write_atomic`, but on Linux the data is written to a file with no name (`O_TMPFILE`)
/// that gets one only just before the rename: a kill while writing leaves nothing behind, where
/// a named temp file would keep a copy of the other profiles' keys beside the credentials file.
#[cfg(target_os = "linux")]
fn write_unnamed(dest: &Path, bytes: &[u8], permissions: fs::Permissions) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let dir = parent_dir(dest);
    let opened = fs::OpenOptions::new()
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE)
        .open(dir);
    let mut file = match opened {
        Ok(file) => file,
        // A file system without O_TMPFILE: the named temp file, as everywhere else.
        Err(_) => return write_atomic(dest, bytes, Some(permissions)),
    };
    file.write_all(bytes)?;
    file.set_permissions(permissions)?;
    file.sync_all()?;
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    // The name write_atomic's sweep knows, so even a kill in the instant below is cleaned up.
    let temp = dir.join(format!(".{name}.mfaenv-{}-linked.tmp", std::process::id()));
    let _ = fs::remove_file(&temp);
    let from = std::ffi::CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .map_err(io::Error::other)?;
    let to = std::ffi::CString::new(temp.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: both paths are valid NUL-terminated strings for the duration of the call.
    let linked = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if linked != 0 {
        // No /proc, say: fall back rather than fail the move.
        return write_atomic(dest, bytes, Some(fs::metadata(dest)?.permissions()));
    }
    if let Err(e) = fs::rename(&temp, dest) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn write_unnamed(dest: &Path, bytes: &[u8], permissions: fs::Permissions) -> io::Result<()> {
    write_atomic(dest, bytes, Some(permissions))
}

/// Takes the long-term keys of `profiles` out of the credentials file at `path` in one atomic
/// rename (one, so that no intermediate file ever holds keys being moved), leaving no backup or
/// temp file; false when it held none.
pub fn remove_keys(path: &Path, profiles: &[&str]) -> io::Result<bool> {
    rewrite(path, |text| strip_keys(text, profiles))
}

/// Takes `keys` out of `profile`'s section of the config file at `path`, atomically.
pub fn remove_properties(path: &Path, profile: &str, keys: &[&str]) -> io::Result<bool> {
    rewrite(path, |text| strip_config_properties(text, profile, keys))
}

#[cfg(test)]
mod strip_tests {
    use super::*;

    #[test]
    fn keys_go_and_every_other_byte_stays() {
        let input = "\u{feff}# mine\r\n[other]\r\naws_access_key_id = KEEP\r\n\r\n[foo] # work\r\n\
                     region = x\r\nAWS_ACCESS_KEY_ID=AKIA ; c\r\naws_secret_access_key = s\r\n  \
                     continued\r\n# after\r\noutput = json\r\n[foo]\r\naws_secret_access_key=t";
        let (out, n) = strip_keys(input, &["foo"]);
        assert_eq!(n, 3);
        assert_eq!(
            out,
            "\u{feff}# mine\r\n[other]\r\naws_access_key_id = KEEP\r\n\r\n[foo] # work\r\n\
             region = x\r\n# after\r\noutput = json\r\n[foo]\r\n"
        );
        assert_eq!(strip_keys(input, &["nothere"]).0, input);
        // `[profile foo]` in the credentials file is another profile's section.
        let (out, n) = strip_keys("[profile foo]\naws_access_key_id = A\n", &["foo"]);
        assert_eq!(
            (out.as_str(), n),
            ("[profile foo]\naws_access_key_id = A\n", 0)
        );
    }

    #[test]
    fn config_properties_go_from_the_profile_section() {
        let input = "[profile a]\nmfaenv_key_store = keyring\nregion = x\nmfaenv_access_key_id = AKIA\n[profile b]\nmfaenv_key_store = file\n";
        let (out, n) =
            strip_config_properties(input, "a", &["mfaenv_key_store", "mfaenv_access_key_id"]);
        assert_eq!(n, 2);
        assert_eq!(
            out,
            "[profile a]\nregion = x\n[profile b]\nmfaenv_key_store = file\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn removal_keeps_permissions_and_leaves_no_copy() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        fs::write(
            &path,
            "[a]\naws_access_key_id = A\naws_secret_access_key = SECRET\n",
        )
        .unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        assert!(remove_keys(&path, &["a"]).unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), "[a]\n");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        // The file and its edit lock (empty and private), no copy.
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".credentials.mfaenv.lock", "credentials"]);
        assert!(!remove_keys(&path, &["a"]).unwrap());
    }
}

/// Whether `profile` can be written as a section of the config file (checked before anything
/// is stored for it, so that no key is stored for a profile the config cannot name).
pub fn can_name_profile(profile: &str) -> bool {
    is_identifier(profile)
}

/// Returns the credentials file's `text` with `profile`'s `aws_access_key_id` and
/// `aws_secret_access_key` set to `keys` (id, secret), every other byte kept (the key names as
/// written, the spacing before each value, line ends), and how many lines changed; `None` when
/// the section does not hold exactly one of each.
pub fn replace_keys_text(text: &str, profile: &str, keys: (&str, &str)) -> Option<String> {
    let (bom, body) = match text.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", text),
    };
    let lines = split_lines(body);
    let sections = credentials_sections(&lines, profile);
    let mut new: Vec<Option<String>> = vec![None; lines.len()];
    let mut drop = vec![false; lines.len()];
    let (mut ids, mut secrets) = (0, 0);
    for (start, end) in sections {
        let mut in_replaced = false;
        for i in start + 1..end {
            match lines[i].kind {
                Kind::Property => {
                    let key = property_key(lines[i].text).unwrap_or("");
                    let value = if key.eq_ignore_ascii_case("aws_access_key_id") {
                        ids += 1;
                        keys.0
                    } else if key.eq_ignore_ascii_case("aws_secret_access_key") {
                        secrets += 1;
                        keys.1
                    } else {
                        in_replaced = false;
                        continue;
                    };
                    in_replaced = true;
                    let text = lines[i].text;
                    let eq = text.find('=')?;
                    let after = &text[eq + 1..];
                    let spaces = after.len() - after.trim_start_matches(WHITESPACE).len();
                    new[i] = Some(format!("{}{value}", &text[..eq + 1 + spaces]));
                }
                // A continuation of a replaced value would be read as part of the new one.
                Kind::Continuation if in_replaced => drop[i] = true,
                Kind::Continuation => {}
                Kind::Blank | Kind::Comment | Kind::Header => in_replaced = false,
            }
        }
    }
    if ids != 1 || secrets != 1 {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(bom);
    for (i, line) in lines.iter().enumerate() {
        if drop[i] {
            continue;
        }
        out.push_str(new[i].as_deref().unwrap_or(line.text));
        out.push_str(line.end);
    }
    Some(out)
}

/// Puts new keys (id, secret) in place of `profile`'s in the credentials file at `path`: both
/// in one atomic rename under the file's edit lock, with no backup and (on Linux) no named
/// temp file, so at every moment the file holds either the old keys or the new ones.
pub fn replace_keys(path: &Path, profile: &str, keys: (&str, &str)) -> io::Result<()> {
    let target = follow_links(path)?;
    let _lock = lock_for(&target)?;
    let (meta, old_text) = read_for_edit(&target)?;
    let new_text = replace_keys_text(&old_text, profile, keys).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "profile '{profile}' of {} does not hold exactly one aws_access_key_id and one aws_secret_access_key",
                target.display()
            ),
        )
    })?;
    write_unnamed(&target, new_text.as_bytes(), meta.permissions())
}

#[cfg(test)]
mod replace_tests {
    use super::*;

    #[test]
    fn only_the_two_values_change() {
        let input = "\u{feff}[other]\r\naws_access_key_id = KEEP\r\n[foo] # work\r\nAWS_Access_Key_ID=OLDID\r\naws_secret_access_key =  OLDSECRET\r\nregion = x\r\n";
        let out = replace_keys_text(input, "foo", ("NEWID", "NEWSECRET")).unwrap();
        assert_eq!(
            out,
            "\u{feff}[other]\r\naws_access_key_id = KEEP\r\n[foo] # work\r\nAWS_Access_Key_ID=NEWID\r\naws_secret_access_key =  NEWSECRET\r\nregion = x\r\n"
        );
        assert!(replace_keys_text("[foo]\naws_access_key_id = A\n", "foo", ("B", "C")).is_none());
    }
}
