# mfaenv hook for nushell. nu reads a file only when it parses its config, so save it once
# (again after upgrading mfaenv) where nu loads files at start-up:
#     mkdir ($nu.user-autoload-dirs | first)
#     mfaenv init nu | save -f ($nu.user-autoload-dirs | first | path join mfaenv.nu)
#
# `mfaenv use PROFILE` and `mfaenv unset` then change this shell directly, and every prompt
# checks the session: once it has lapsed, the shell asks for a new MFA code.
#
# mfaenv prints data for nu, never code: `use` a JSON record for `load-env` (null for a variable
# to drop), `unset` and `logout` a JSON list of names for `hide-env`. This file applies it and
# does what data cannot: it keeps the values `use` overwrites in `$env._mfaenv_saved`, a record,
# which nu never passes to child processes, and gives them back on `unset`.

# Tab completion of commands, options and the profiles of your AWS files, each with a short
# description (role, MFA device, cached time left). mfaenv answers from the files alone (no
# network, no SDK) in fish's protocol, a line of value, tab, description per candidate, given
# the words up to the cursor; the last word is the one being completed ("" after a space). It
# never offers a name a shell would need quoted, so splitting at blanks is the command line's
# own split. Any failure means no candidates, never an error in the line being typed.
def __mfaenv_complete [context: string] {
    let words = ($context | str trim --left | split row --regex '\s+')
    let out = try {
        with-env {MFAENV_COMPLETE: fish} { ^mfaenv -- ...$words } | complete
    } catch {
        return []
    }
    if $out.exit_code != 0 {
        return []
    }
    $out.stdout | lines | where $it != "" | each {|line|
        let parts = ($line | split row --number 2 "\t")
        {value: $parts.0, description: ($parts.1? | default "")}
    }
}

# `use`, `unset` and `logout` change this shell; the rest pass through. With `--shell` (any
# shell: never this shell applying another's syntax) mfaenv's output is passed on as it is, so
# `mfaenv use p --shell nu | from json | load-env` works as without this file. Help and version
# text (also in clusters such as -qV) just pass through.
def --env --wrapped mfaenv [...args: string@__mfaenv_complete] {
    mut verb = ""
    mut print = false
    for arg in $args {
        if $arg == "--" {
            break
        } else if $arg =~ '^(--help|--version|-[^-]*[hV].*)$' {
            $verb = ""
            break
        } else if $arg =~ '^--shell(=|$)' {
            $print = true
        } else if not ($arg starts-with "-") and $verb == "" {
            $verb = $arg
        }
    }
    if $verb not-in [use unset logout] {
        ^mfaenv ...$args
    } else if $print {
        # MFAENV_SHELL goes to mfaenv alone: a child shell without this hook must not inherit it.
        with-env {MFAENV_SHELL: nu} { ^mfaenv ...$args }
    } else {
        # On failure mfaenv prints nothing and has said why; its exit code is LAST_EXIT_CODE.
        let out = try { with-env {MFAENV_SHELL: nu} { ^mfaenv ...$args } } catch { return }
        __mfaenv_apply $out
    }
}

# Applies what `use`, `unset` or `logout` printed for nu.
def --env __mfaenv_apply [out: string] {
    if ($out | str trim) == "" {
        return
    }
    let data = ($out | from json)
    if ($data | describe) starts-with "list" {
        for name in $data {
            __mfaenv_restore $name
        }
        hide-env -i MFAENV_VARS
        return
    }
    # What mfaenv set before this `use` holds mfaenv's values, never the user's. A session of
    # an mfaenv older than the record counts as mfaenv's whole.
    let listed = if "MFAENV_VARS" in $env {
        $env.MFAENV_VARS | into string | split row " "
    } else if ($env.MFAENV_PROFILE? | default "") != "" {
        $data | columns
    } else {
        []
    }
    mut saved = ($env._mfaenv_saved? | default {})
    for entry in ($data | transpose name value) {
        if $entry.value == null or $entry.name == "MFAENV_VARS" or $entry.name in $listed {
            continue
        }
        # The user's own value, about to be overwritten: kept (once) for `unset`.
        if $entry.name in $env {
            $saved = ($saved | upsert $entry.name ($env | get $entry.name))
        } else if $entry.name in $saved {
            $saved = ($saved | reject $entry.name)
        }
    }
    # What `use` removes goes back to what it was before the first `use`.
    for entry in ($data | transpose name value | where value == null) {
        if $entry.name in $saved {
            load-env {$entry.name: ($saved | get $entry.name)}
            $saved = ($saved | reject $entry.name)
        } else {
            hide-env -i $entry.name
        }
    }
    load-env ($data | transpose name value | where value != null | transpose -rd)
    __mfaenv_keep $saved
}

# Keeps `saved` as `$env._mfaenv_saved`, or removes that when it is empty. Either one, never
# both: nu (0.108) keeps neither an assignment nor a `hide-env` of the same variable made
# in one `def --env`, so the caller would see the old record again.
def --env __mfaenv_keep [saved: record] {
    if ($saved | is-empty) {
        hide-env -i _mfaenv_saved
    } else {
        $env._mfaenv_saved = $saved
    }
}

# Gives `name` back the value it had before the first `use`, or removes it when it had none.
def --env __mfaenv_restore [name: string] {
    let saved = ($env._mfaenv_saved? | default {})
    if $name in $saved {
        load-env {$name: ($saved | get $name)}
        __mfaenv_keep ($saved | reject $name)
    } else {
        hide-env -i $name
    }
}

# The text with each control character (ESC, BEL, CR, LF, C1) as a visible \xNN, so that a
# name from the environment can neither drive the terminal nor forge a line.
def __mfaenv_printable [text: string] {
    if $text !~ '[\x00-\x1f\x7f\x{80}-\x{9f}]' {
        return $text
    }
    $text | split chars | each {|c|
        if $c =~ '^[\x00-\x1f\x7f\x{80}-\x{9f}]$' {
            $"\\x($c | into binary | encode hex | str downcase)"
        } else {
            $c
        }
    } | str join
}

# The seconds before expiry at which the session counts as lapsed, by mfaenv's own rule:
# MFAENV_REFRESH_MARGIN if 1 to 6 digits, else 60; and at most half of the seconds the session
# had left when `use` handed it out, so that a new one is never lapsed at once.
def __mfaenv_margin [] {
    let text = ($env.MFAENV_REFRESH_MARGIN? | default "")
    let margin = if ($text | describe) == "string" and $text =~ '^[0-9]{1,6}$' {
        $text | into int
    } else {
        60
    }
    let life = ($env.MFAENV_SESSION_SECONDS? | default "")
    if ($life | describe) == "string" and $life =~ '^[0-9]{1,6}$' {
        [$margin (($life | into int) // 2)] | math min
    } else {
        $margin
    }
}

# What the lapse moment depends on, as one string: compared at every prompt with the one it
# was worked out for. The profile comes last, as the one part free to hold the separator.
def __mfaenv_key [] {
    $"($env.AWS_SESSION_EXPIRATION?)\u{1f}($env.MFAENV_REFRESH_MARGIN?)\u{1f}($env.MFAENV_SESSION_SECONDS?)\u{1f}($env.MFAENV_PROFILE?)"
}

# The moment the session counts as lapsed: its expiry less the margin. Without a session of
# mfaenv's, a moment that never comes; an unreadable expiry counts as lapsed.
def __mfaenv_lapse_at [] {
    let profile = ($env.MFAENV_PROFILE? | default "")
    if ($profile | describe) != "string" or $profile == "" {
        return (2200-01-01T00:00:00Z)
    }
    let expiry = ($env.AWS_SESSION_EXPIRATION? | default "")
    if ($expiry | describe) != "string" or $expiry !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$' {
        return (1970-01-01T00:00:00Z)
    }
    try {
        ($expiry | into datetime) - ((__mfaenv_margin) * 1sec)
    } catch {
        (1970-01-01T00:00:00Z)
    }
}

# The prompt check, past the closure's fast test: works the lapse moment out again when what it
# depends on changed (kept in `$env._mfaenv_lapse`, a record, which nu never passes to child
# processes), and renews a lapsed session. The status of the user's last command
# (LAST_EXIT_CODE) is kept.
def --env __mfaenv_hook [] {
    let status = ($env.LAST_EXIT_CODE? | default 0)
    let key = (__mfaenv_key)
    if ($env._mfaenv_lapse? | describe) !~ '^record' or $env._mfaenv_lapse.key? != $key {
        $env._mfaenv_lapse = {key: $key, at: (__mfaenv_lapse_at)}
    }
    if (date now) >= $env._mfaenv_lapse.at {
        __mfaenv_renew $env.MFAENV_PROFILE
    }
    $env.LAST_EXIT_CODE = $status
}

# Asks for a new session; on failure or refusal gives the shell back what it had before the
# first `mfaenv use` (the lapsed session goes), and MFAENV_PROFILE goes too, which stops the
# asking until the next `mfaenv use`. `--` keeps any profile name from reading as an option.
def --env __mfaenv_renew [profile: string] {
    let shown = (__mfaenv_printable $profile)
    print -e $"mfaenv: session for ($shown) lapsed; renewing it"
    let out = try { with-env {MFAENV_SHELL: nu} { ^mfaenv use -- $profile } } catch { null }
    if $out != null {
        __mfaenv_apply $out
    } else {
        let out = try { with-env {MFAENV_SHELL: nu} { ^mfaenv unset } } catch { "" }
        __mfaenv_apply $out
        hide-env -i MFAENV_PROFILE
        print -e $"mfaenv: removed the lapsed credentials; run 'mfaenv use ($shown)' to start again"
    }
}

# A value of `_mfaenv_lapse` from outside (the environment nu started with) is no record of
# ours.
hide-env -i _mfaenv_lapse

# Once, however often this file is loaded; after any pre_prompt hooks already there.
# The closure itself is the check at every prompt with a valid session: one comparison of
# strings and one of `date now` with the lapse moment worked out before, with no command of
# ours called (a call of a custom command costs more than the check) and no `try` (a caught
# error would set LAST_EXIT_CODE). The key is `__mfaenv_key`'s, written out.
if not ($env.config.hooks.pre_prompt? | default [] | any {|h|
    ($h | describe) == "closure" and (view source $h) =~ "__mfaenv_hook"
}) {
    $env.config.hooks.pre_prompt = ($env.config.hooks.pre_prompt? | default [] | append {||
        let lapse = $env._mfaenv_lapse?
        if $lapse == null or $lapse.key? != $"($env.AWS_SESSION_EXPIRATION?)\u{1f}($env.MFAENV_REFRESH_MARGIN?)\u{1f}($env.MFAENV_SESSION_SECONDS?)\u{1f}($env.MFAENV_PROFILE?)" or (date now) >= $lapse.at {
            __mfaenv_hook
        }
    })
}
