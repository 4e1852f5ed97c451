# mfaenv hook for zsh. Load it from ~/.zshrc with:
#     eval "$(mfaenv init zsh)"
#
# `mfaenv use PROFILE` and `mfaenv unset` then change this shell directly, and every prompt
# checks the session: once it has lapsed, the shell asks for a new MFA code.

zmodload zsh/datetime # EPOCHSECONDS: a clock without a process

# `use`, `unset` and `logout` print a script for this shell to evaluate; the rest pass through.
# The script is applied here only where it can take effect and was not asked for as text:
# with `--shell` (any shell: never this shell running another's syntax), or inside `$(…)` or a
# pipe, mfaenv's output is passed on as it is, so `eval "$(mfaenv use p)"` works as without
# the hook. Help and version text (also in clusters such as -qV) always just pass through.
mfaenv() {
  emulate -L zsh
  local verb='' arg script print=''
  for arg in "$@"; do
    case $arg in
      (--) break ;;
      (-h | --help | -V | --version | -[^-]*[hV]*) verb='' && break ;;
      (--shell | --shell=*) print=1 ;;
      (-*) ;;
      (*) [[ -n $verb ]] || verb=$arg ;;
    esac
  done
  case $verb in
    (use | unset | logout)
      # MFAENV_SHELL goes to mfaenv alone: a child shell without this hook must not inherit it.
      if [[ -n $print ]] || { (( ZSH_SUBSHELL )) && [[ ! -t 1 ]] }; then
        MFAENV_SHELL=zsh command mfaenv "$@"
        return
      fi
      script=$(MFAENV_SHELL=zsh command mfaenv "$@") || return
      eval "$script"
      ;;
    (*) command mfaenv "$@" ;;
  esac
}

# The prompt check. With a valid session it starts no process: the lapse time is worked out
# once per expiry and margin, then compared with EPOCHSECONDS.
_mfaenv_hook() {
  local ret=$?
  if [[ -n ${MFAENV_PROFILE-} ]]; then
    [[ ${AWS_SESSION_EXPIRATION-}/${MFAENV_REFRESH_MARGIN-}/${MFAENV_SESSION_SECONDS-} == \
      "${_mfaenv_key-}" ]] ||
      _mfaenv_lapse_time
    (( EPOCHSECONDS < _mfaenv_lapse )) || _mfaenv_renew
  fi
  return ret
}

# Sets _mfaenv_lapse to the Unix time at which the session counts as lapsed: the expiry
# (RFC 3339 UTC, as `use` exports it) less the margin. An unreadable expiry counts as lapsed.
# The margin follows mfaenv's own rule: 1 to 6 digits, else 60; and at most half of the
# seconds the session had left when `use` handed it out, so a new one is never lapsed at once.
_mfaenv_lapse_time() {
  emulate -L zsh
  local margin=${MFAENV_REFRESH_MARGIN-} life=${MFAENV_SESSION_SECONDS-} y m d
  local re='^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$'
  typeset -g _mfaenv_key=${AWS_SESSION_EXPIRATION-}/${MFAENV_REFRESH_MARGIN-}/${MFAENV_SESSION_SECONDS-}
  typeset -g _mfaenv_lapse=0
  # Checked before any arithmetic: zsh evaluates expressions hidden in an arithmetic operand.
  [[ $margin =~ '^[0-9]{1,6}$' ]] || margin=60
  if [[ $life =~ '^[0-9]{1,6}$' ]] && (( 10#$margin > 10#$life / 2 )); then
    margin=$(( 10#$life / 2 ))
  fi
  [[ ${AWS_SESSION_EXPIRATION-} =~ $re ]] || return 0
  y=$((10#$match[1])) m=$((10#$match[2])) d=$((10#$match[3]))
  # Days since 1970-01-01 by Howard Hinnant's days_from_civil, with years starting in March.
  y=$((y - (m <= 2)))
  d=$(((y / 400) * 146097 + (y % 400) * 365 + (y % 400) / 4 - (y % 400) / 100
    + (153 * ((m + 9) % 12) + 2) / 5 + d - 1 - 719468))
  _mfaenv_lapse=$((d * 86400 + 10#$match[4] * 3600 + 10#$match[5] * 60 + 10#$match[6]
    - 10#$margin))
}

# Asks for a new session; on failure or refusal gives the shell back what it had before the
# first `mfaenv use` (the lapsed session goes), and MFAENV_PROFILE goes too, which stops the
# asking until the next `mfaenv use`. `--` keeps any profile name from reading as an option.
# ${(V)…} shows control characters (ESC, BEL, CR, LF) as visible text such as ^[ on stderr.
_mfaenv_renew() {
  emulate -L zsh
  local profile=$MFAENV_PROFILE script
  print -ru2 -- "mfaenv: session for ${(V)profile} lapsed; renewing it"
  if script=$(MFAENV_SHELL=zsh command mfaenv use -- "$profile"); then
    eval "$script"
  else
    script=$(MFAENV_SHELL=zsh command mfaenv unset) && eval "$script"
    unset MFAENV_PROFILE
    print -ru2 -- "mfaenv: removed the lapsed credentials; run 'mfaenv use ${(V)profile}' to start again"
  fi
}

# Once only, however often this file is loaded, and first in line, so that later hooks and
# prompt themes see the fresh session.
autoload -Uz add-zsh-hook
add-zsh-hook precmd _mfaenv_hook
precmd_functions=(_mfaenv_hook ${precmd_functions:#_mfaenv_hook})

# Tab completion of commands, options and the profiles of your AWS files. mfaenv answers it
# from the files alone: no network, no SDK. The code below is what `MFAENV_COMPLETE=zsh mfaenv`
# prints (but its last line, compdef), kept here so that loading the hook starts no process;
# tests/completions.rs checks that it is current.
#compdef mfaenv
function _clap_dynamic_completer_mfaenv() {
    local _CLAP_COMPLETE_INDEX=$(expr $CURRENT - 1)
    local _CLAP_IFS=$'\n'

    local completions=("${(@f)$( \
        _CLAP_IFS="$_CLAP_IFS" \
        _CLAP_COMPLETE_INDEX="$_CLAP_COMPLETE_INDEX" \
        MFAENV_COMPLETE="zsh" \
        mfaenv -- "${words[@]}" 2>/dev/null \
    )}")

    if [[ -n $completions ]]; then
        local -a dirs=()
        local -a other=()
        local completion
        for completion in $completions; do
            local value="${completion%%:*}"
            if [[ "$value" == */ ]]; then
                local dir_no_slash="${value%/}"
                if [[ "$completion" == *:* ]]; then
                    local desc="${completion#*:}"
                    dirs+=("$dir_no_slash:$desc")
                else
                    dirs+=("$dir_no_slash")
                fi
            else
                other+=("$completion")
            fi
        done
        [[ -n $dirs ]] && _describe -V 'values' dirs -S '/' -r '/'
        [[ -n $other ]] && _describe -V 'values' other
    fi
}

# compdef exists once compinit has run, which an rc file may do before this hook or after it:
# register now if it can be, else at the first prompt (once).
if (( $+functions[compdef] )); then
  compdef _clap_dynamic_completer_mfaenv mfaenv
else
  _mfaenv_compdef() {
    add-zsh-hook -d precmd _mfaenv_compdef
    (( $+functions[compdef] )) && compdef _clap_dynamic_completer_mfaenv mfaenv
    unfunction _mfaenv_compdef
  }
  add-zsh-hook precmd _mfaenv_compdef
fi
