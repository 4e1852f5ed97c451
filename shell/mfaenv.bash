# mfaenv hook for bash. Load it from ~/.bashrc with:
#     eval "$(mfaenv init bash)"
#
# `mfaenv use PROFILE` and `mfaenv unset` then change this shell directly, and every prompt
# checks the session: once it has lapsed, the shell asks for a new MFA code.

# `use`, `unset` and `logout` print a script for this shell to evaluate; the rest pass through.
# The script is applied here only where it can take effect and was not asked for as text:
# with `--shell` (any shell: never this shell running another's syntax), or inside `$(…)` or a
# pipe, mfaenv's output is passed on as it is, so `eval "$(mfaenv use p)"` works as without
# the hook. Help and version text (also in clusters such as -qV) always just pass through.
mfaenv() {
  local verb='' arg script print=''
  for arg in "$@"; do
    case $arg in
      --) break ;;
      -h | --help | -V | --version | -[!-]*[hV]*) verb='' && break ;;
      --shell | --shell=*) print=1 ;;
      -*) ;;
      *) [[ -n $verb ]] || verb=$arg ;;
    esac
  done
  case $verb in
    use | unset | logout)
      # MFAENV_SHELL goes to mfaenv alone: a child shell without this hook must not inherit it.
      if [[ -n $print ]] || { ((BASH_SUBSHELL)) && [[ ! -t 1 ]]; }; then
        MFAENV_SHELL=bash command mfaenv "$@"
        return
      fi
      script=$(MFAENV_SHELL=bash command mfaenv "$@") || return
      eval "$script"
      ;;
    *) command mfaenv "$@" ;;
  esac
}

# The prompt check. With a valid session it starts no process: the lapse time is worked out
# once per expiry and margin, then compared with the shell's own clock.
_mfaenv_hook() {
  local status=$?
  if [[ -n ${MFAENV_PROFILE-} ]]; then
    [[ ${AWS_SESSION_EXPIRATION-}/${MFAENV_REFRESH_MARGIN-}/${MFAENV_SESSION_SECONDS-} == \
      "${_mfaenv_key-}" ]] ||
      _mfaenv_lapse_time
    _mfaenv_clock
    ((_mfaenv_now < _mfaenv_lapse)) || _mfaenv_renew
  fi
  return "$status"
}

# Sets _mfaenv_now to the Unix time, without a process where bash has a clock of its own.
if [[ -n ${EPOCHSECONDS-} ]]; then
  _mfaenv_clock() { _mfaenv_now=$EPOCHSECONDS; }
elif printf -v _mfaenv_now '%(%s)T' -1 2>/dev/null; then
  _mfaenv_clock() { printf -v _mfaenv_now '%(%s)T' -1; }
else
  _mfaenv_clock() { _mfaenv_now=$(date +%s); }
fi

# Sets _mfaenv_lapse to the Unix time at which the session counts as lapsed: the expiry
# (RFC 3339 UTC, as `use` exports it) less the margin. An unreadable expiry counts as lapsed.
# The margin follows mfaenv's own rule: 1 to 6 digits, else 60; and at most half of the
# seconds the session had left when `use` handed it out, so a new one is never lapsed at once.
_mfaenv_lapse_time() {
  local margin=${MFAENV_REFRESH_MARGIN-} life=${MFAENV_SESSION_SECONDS-} y m d
  local re='^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$'
  _mfaenv_key=${AWS_SESSION_EXPIRATION-}/${MFAENV_REFRESH_MARGIN-}/${MFAENV_SESSION_SECONDS-}
  _mfaenv_lapse=0
  # Checked before any arithmetic: bash evaluates code hidden in an arithmetic operand.
  [[ $margin =~ ^[0-9]{1,6}$ ]] || margin=60
  if [[ $life =~ ^[0-9]{1,6}$ ]] && ((10#$margin > 10#$life / 2)); then
    margin=$((10#$life / 2))
  fi
  [[ ${AWS_SESSION_EXPIRATION-} =~ $re ]] || return 0
  y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]})) d=$((10#${BASH_REMATCH[3]}))
  # Days since 1970-01-01 by Howard Hinnant's days_from_civil, with years starting in March.
  y=$((y - (m <= 2)))
  d=$(((y / 400) * 146097 + (y % 400) * 365 + (y % 400) / 4 - (y % 400) / 100
    + (153 * ((m + 9) % 12) + 2) / 5 + d - 1 - 719468))
  _mfaenv_lapse=$((d * 86400 + 10#${BASH_REMATCH[4]} * 3600 + 10#${BASH_REMATCH[5]} * 60
    + 10#${BASH_REMATCH[6]} - 10#$margin))
}

# Asks for a new session; on failure or refusal gives the shell back what it had before the
# first `mfaenv use` (the lapsed session goes), and MFAENV_PROFILE goes too, which stops the
# asking until the next `mfaenv use`. `--` keeps any profile name from reading as an option.
_mfaenv_renew() {
  local profile=$MFAENV_PROFILE script REPLY
  _mfaenv_printable "$profile"
  printf 'mfaenv: session for %s lapsed; renewing it\n' "$REPLY" >&2
  if script=$(MFAENV_SHELL=bash command mfaenv use -- "$profile"); then
    eval "$script"
  else
    script=$(MFAENV_SHELL=bash command mfaenv unset) && eval "$script"
    unset MFAENV_PROFILE
    printf "mfaenv: removed the lapsed credentials; run 'mfaenv use %s' to start again\n" \
      "$REPLY" >&2
  fi
}

# Sets REPLY to the text with each control character (ESC, BEL, CR, LF, …) as a visible \xNN,
# so that a name from the environment can neither drive the terminal nor forge a line.
_mfaenv_printable() {
  local text=$1 c code
  REPLY=''
  while [[ $text =~ [[:cntrl:]] ]]; do
    c=${BASH_REMATCH[0]}
    printf -v code '\\x%02x' "'$c"
    REPLY+=${text%%"$c"*}$code
    text=${text#*"$c"}
  done
  REPLY+=$text
}

# First in line, so that later prompt commands and themes see the fresh session; once only,
# however often this file is loaded; an array PROMPT_COMMAND (bash >= 5.1) gets an element.
if [[ ${PROMPT_COMMAND[*]-} != *_mfaenv_hook* ]]; then
  if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501)) &&
    [[ -n ${PROMPT_COMMAND+set} && ${PROMPT_COMMAND@a} == *a* ]]; then
    PROMPT_COMMAND=(_mfaenv_hook "${PROMPT_COMMAND[@]}")
  else
    # A scalar assignment sets element 0, the only one bash < 5.1 runs.
    # shellcheck disable=SC2128,SC2178
    PROMPT_COMMAND="_mfaenv_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  fi
fi

# Tab completion of commands, options and the profiles of your AWS files (with bash-completion
# or without). mfaenv answers it from the files alone: no network, no SDK. The code below is
# what `MFAENV_COMPLETE=bash mfaenv` prints, kept here so that loading the hook starts no
# process; tests/completions.rs checks that it is current. It calls the function above, which
# passes the request on.
# shellcheck disable=SC2207,SC2181
_clap_complete_mfaenv() {
    local IFS=$'\013'
    local _CLAP_COMPLETE_INDEX=${COMP_CWORD}
    local _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE}
    if compopt +o nospace 2> /dev/null; then
        local _CLAP_COMPLETE_SPACE=false
    else
        local _CLAP_COMPLETE_SPACE=true
    fi
    local words=("${COMP_WORDS[@]}")
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        words[COMP_CWORD]="$2"
    fi
    COMPREPLY=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$_CLAP_COMPLETE_INDEX" \
        _CLAP_COMPLETE_COMP_TYPE="$_CLAP_COMPLETE_COMP_TYPE" \
        _CLAP_COMPLETE_SPACE="$_CLAP_COMPLETE_SPACE" \
        MFAENV_COMPLETE="bash" \
        "mfaenv" -- "${words[@]}" \
    ) )
    if [[ $? != 0 ]]; then
        unset COMPREPLY
    elif [[ $_CLAP_COMPLETE_SPACE == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _clap_complete_mfaenv mfaenv
else
    complete -o nospace -o bashdefault -F _clap_complete_mfaenv mfaenv
fi
