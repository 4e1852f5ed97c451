# mfaenv hook for fish (3.1 or later). Load it from ~/.config/fish/config.fish with:
#     mfaenv init fish | source
#
# `mfaenv use PROFILE` and `mfaenv unset` then change this shell directly, and every prompt
# checks the session: once it has lapsed, the shell asks for a new MFA code.

# `use`, `unset` and `logout` print a script for this shell to source; the rest pass through.
# The script is applied here (a function runs in this shell even inside a pipe, so
# `mfaenv use p | source` works too), except where it was asked for as text: with `--shell`
# (any shell: never this shell running another's syntax) or inside `(…)`, mfaenv's output is
# passed on as it is. Help and version text (also in clusters such as -qV) just pass through.
function mfaenv --wraps mfaenv --description 'MFA sessions for AWS in this shell'
    set -l verb
    set -l print
    for arg in $argv
        if test "$arg" = --
            break
        else if string match -qr -- '^(--help|--version|-[^-]*[hV].*)$' $arg
            set verb
            break
        else if string match -qr -- '^--shell(=|$)' $arg
            set print 1
        else if not string match -q -- '-*' $arg
            test -n "$verb"; or set verb $arg
        end
    end
    switch "$verb"
        case use unset logout
            # MFAENV_SHELL goes to mfaenv alone: a child shell without this hook must not
            # inherit it.
            if test -n "$print"; or status is-command-substitution
                MFAENV_SHELL=fish command mfaenv $argv
                return
            end
            set -l script (MFAENV_SHELL=fish command mfaenv $argv)
            or return
            string join \n -- $script | source
        case '*'
            command mfaenv $argv
    end
end

# The prompt check. fish 3.5 and later have a clock in effect: `path mtime --relative` (a
# builtin, no process) gives the seconds since this shell's clock file was made, and the lapse
# is worked out once per expiry and margin as seconds after that. Older fish, or no
# place for the file, cost one `date` per prompt.
# The common case (a valid session, nothing to do), where `touch` can date the lapse mark (see
# `__mfaenv_mark_file`): one `set -q`, one `test` that nothing the lapse depends on has
# changed, an empty write that dates the "now" file, and `test MARK -nt NOW`; four builtins and
# no captured output (reading `path mtime` through a pipe or `(…)` alone costs 80 to 140 µs of
# waiting on a busy machine). Without such a `touch` the check reads `path mtime --relative`
# in `__mfaenv_check`. A shell without a session of mfaenv's pays two `set -q`; anything else
# (a new expiry, files that have gone, the `date` clock, a lapse) goes to `__mfaenv_check`.
function __mfaenv_hook --on-event fish_prompt
    set -q MFAENV_PROFILE[1] __mfaenv_mark[1]
    and test "$AWS_SESSION_EXPIRATION/$MFAENV_REFRESH_MARGIN/$MFAENV_SESSION_SECONDS" = "$__mfaenv_key"
    and true >$__mfaenv_now
    and test $__mfaenv_mark -nt $__mfaenv_now
    or not set -q MFAENV_PROFILE[1]
    or __mfaenv_check
end

# The rest of the prompt check: no session of mfaenv's, a new expiry or margin, a clock file
# that has gone, the `date` clock, or a lapsed session.
function __mfaenv_check
    test -n "$MFAENV_PROFILE"; or return 0
    if test "$AWS_SESSION_EXPIRATION/$MFAENV_REFRESH_MARGIN/$MFAENV_SESSION_SECONDS" != "$__mfaenv_key"
        __mfaenv_lapse_time
    end
    if set -q __mfaenv_mark[1]
        # The mark or the directory is gone (a cleaner of the runtime dir): new files, whose
        # making dates the "now" file as well.
        test -f $__mfaenv_mark; and true >$__mfaenv_now 2>/dev/null
        or __mfaenv_lapse_time
        if set -q __mfaenv_mark[1]
            test $__mfaenv_mark -nt $__mfaenv_now; or __mfaenv_renew
            return 0
        end
    end
    if set -q __mfaenv_clock[1]
        set -l age (path mtime --relative -- $__mfaenv_clock)
        # The file is gone (a cleaner of the runtime dir): a new one.
        or begin
            __mfaenv_lapse_time
            and set -q __mfaenv_clock[1]
            and set age (path mtime --relative -- $__mfaenv_clock)
        end
        and begin
            test "$age" -lt $__mfaenv_left; or __mfaenv_renew
            return 0
        end
    end
    test (date +%s) -lt $__mfaenv_lapse; or __mfaenv_renew
end

# Makes this shell's clock file and sets __mfaenv_left, the seconds after its mtime at which
# the session counts as lapsed; without `path` (fish < 3.5) or a place for the file, clears
# __mfaenv_clock so the check reads `date`. The file is this shell's alone (host and pid in its
# name, in a private directory of the user's: the runtime dir, else mfaenv's cache dir), so
# nothing else moves its mtime while the session lasts; `path mtime` reads the absolute time
# from the same file, so the sum follows the wall clock exactly as `date +%s` would, jumps
# included.
function __mfaenv_clock_file
    set -e __mfaenv_clock
    contains -- path (builtin -n); or return 1
    set -l dirs
    string match -q '/*' -- "$XDG_RUNTIME_DIR"; and set -a dirs $XDG_RUNTIME_DIR
    if string match -q '/*' -- "$XDG_CACHE_HOME"
        set -a dirs $XDG_CACHE_HOME/mfaenv
    else if string match -q '/*' -- "$HOME"
        set -a dirs $HOME/.cache/mfaenv
    end
    set -l host (string replace -ra -- '[^A-Za-z0-9.-]' _ "$hostname")
    for dir in $dirs
        # Only a directory of this user's (the runtime dir is private by its spec; mfaenv
        # keeps its cache dir 0700).
        test -d $dir -a -O $dir -a -w $dir; or continue
        path mtime -- $dir >/dev/null; or return 1
        set -l file $dir/fish-clock.$host.$fish_pid
        # A regular file or none: never write through a link or to anything else.
        test -L $file; and continue
        test -e $file -a ! -f $file; and continue
        true >$file 2>/dev/null; or continue
        set -l made (path mtime -- $file); or continue
        set -g __mfaenv_clock $file
        set -g __mfaenv_left (math "$__mfaenv_lapse - $made")
        __mfaenv_mark_file $dir/fish-lapse.$host.$fish_pid $dir/fish-now.$host.$fish_pid
        return 0
    end
    return 1
end

# Cheaper still, where `touch` takes `-d @SECONDS` (GNU, busybox): a mark file whose mtime is
# the lapse moment itself, and a "now" file that the check rewrites (an empty `true >FILE`,
# which sets its mtime to the present); `test MARK -nt NOW` is then the whole clock, with
# neither a process nor captured output (the pipe into `read` alone costs more than the rest).
# One `touch` per expiry; the mark is checked to hold exactly the lapse moment, else unused.
function __mfaenv_mark_file --argument-names mark now
    set -e __mfaenv_mark __mfaenv_now
    for file in $mark $now
        test -L $file; and return 1
        test -e $file -a ! -f $file; and return 1
    end
    command -q touch; and command touch -d @$__mfaenv_lapse -- $mark 2>/dev/null; or return 1
    test (path mtime -- $mark 2>/dev/null) = "$__mfaenv_lapse"; or return 1
    true >$now 2>/dev/null; or return 1
    set -g __mfaenv_mark $mark
    set -g __mfaenv_now $now
end

# The clock file goes with the shell.
function __mfaenv_clock_exit --on-event fish_exit
    set -q __mfaenv_clock[1]; and command rm -f -- $__mfaenv_clock $__mfaenv_mark $__mfaenv_now
end

# Sets __mfaenv_lapse to the Unix time at which the session counts as lapsed: the expiry
# (RFC 3339 UTC, as `use` exports it) less the margin, and makes the clock file; fails when it
# could not. An unreadable expiry counts as lapsed.
# The margin follows mfaenv's own rule: 1 to 6 digits, else 60; and at most half of the
# seconds the session had left when `use` handed it out, so a new one is never lapsed at once.
function __mfaenv_lapse_time
    set -g __mfaenv_key "$AWS_SESSION_EXPIRATION/$MFAENV_REFRESH_MARGIN/$MFAENV_SESSION_SECONDS"
    set -g __mfaenv_lapse 0
    set -e __mfaenv_clock __mfaenv_mark __mfaenv_now
    set -l margin 60
    string match -qr '^[0-9]{1,6}$' -- "$MFAENV_REFRESH_MARGIN"; and set margin $MFAENV_REFRESH_MARGIN
    if string match -qr '^[0-9]{1,6}$' -- "$MFAENV_SESSION_SECONDS"
        and test $margin -gt (math "floor($MFAENV_SESSION_SECONDS / 2)")
        set margin (math "floor($MFAENV_SESSION_SECONDS / 2)")
    end
    set -l t (string match -r '^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$' -- "$AWS_SESSION_EXPIRATION")
    or return 1
    set -l y $t[2]
    test $t[3] -le 2; and set y (math $y - 1)
    # Days since 1970-01-01 by Howard Hinnant's days_from_civil, with years starting in March.
    set -l days (math "floor($y / 400) * 146097 + ($y % 400) * 365 + floor(($y % 400) / 4)" \
        "- floor(($y % 400) / 100) + floor((153 * (($t[3] + 9) % 12) + 2) / 5) + $t[4] - 1 - 719468")
    set -g __mfaenv_lapse (math "$days * 86400 + $t[5] * 3600 + $t[6] * 60 + $t[7] - $margin")
    __mfaenv_clock_file
end

# Asks for a new session; on failure or refusal gives the shell back what it had before the
# first `mfaenv use` (the lapsed session goes), and MFAENV_PROFILE goes too, which stops the
# asking until the next `mfaenv use`. `--` keeps any profile name from reading as an option.
function __mfaenv_renew
    set -l profile $MFAENV_PROFILE
    set -l script
    # Control characters (ESC, BEL, CR, LF) are shown escaped, never sent to the terminal.
    set -l shown "$profile"
    if string match -qr '[\x00-\x1f\x7f\x{80}-\x{9f}]' -- "$profile"
        set shown (string escape -- "$profile" | string replace -ra '[\x{80}-\x{9f}]' '?')
    end
    echo "mfaenv: session for $shown lapsed; renewing it" >&2
    if set script (MFAENV_SHELL=fish command mfaenv use -- $profile)
        string join \n -- $script | source
    else
        MFAENV_SHELL=fish command mfaenv unset | source
        set -e MFAENV_PROFILE
        echo "mfaenv: removed the lapsed credentials; run 'mfaenv use $shown' to start again" >&2
    end
end

# Tab completion of commands, options and the profiles of your AWS files. mfaenv answers it
# from the files alone: no network, no SDK. The line below is what `MFAENV_COMPLETE=fish mfaenv`
# prints; tests/completions.rs checks that it is current.
complete --keep-order --exclusive --command mfaenv --arguments "(MFAENV_COMPLETE=fish mfaenv -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
