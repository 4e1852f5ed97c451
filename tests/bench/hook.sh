#!/usr/bin/env bash
# Measures what the prompt check costs per prompt with a valid session, in bash, zsh, fish and
# nu: the hook function (nu: the pre_prompt closure) is called N times in a loop in one shell,
# an empty loop is subtracted.
#
#     tests/bench/hook.sh [N]        (N defaults to 20000; fish and nu run N/20)
#
# Not a timed test: figures depend on the machine. tests/bench/bench.sh runs it five times for the README table.
set -euo pipefail

n=${1:-20000}
shell_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../shell" && pwd)
export MFAENV_PROFILE=bench
AWS_SESSION_EXPIRATION=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ 2>/dev/null ||
  date -u -v+1H +%Y-%m-%dT%H:%M:%SZ)
export AWS_SESSION_EXPIRATION
# fish (3.5+) keeps its clock file in a private runtime directory: give it one, as a login
# session does, so the builtin clock is what is timed (without one it falls back to `date`).
runtime=$(mktemp -d)
chmod 700 "$runtime"
trap 'rm -rf "$runtime"' EXIT
export XDG_RUNTIME_DIR=$runtime

# Each prints microseconds per call of the hook, less the loop's own cost.
# bash4 is bash without EPOCHSECONDS, so the hook reads the clock as bash 4.2 to 4.4 do.
bench_bash() {
  bash --norc --noprofile -c '
    [[ $3 == bash4 ]] && unset EPOCHSECONDS
    source "$1/mfaenv.bash"
    n=$2
    t0=$EPOCHREALTIME; for ((i = 0; i < n; i++)); do :; done
    t1=$EPOCHREALTIME; for ((i = 0; i < n; i++)); do _mfaenv_hook; done
    t2=$EPOCHREALTIME
    echo "$t0 $t1 $t2" | awk -v n="$n" "{ printf \"%.2f\", ((\$3 - \$2) - (\$2 - \$1)) * 1e6 / n }"
  ' bench "$shell_dir" "$1" "${2-}"
}

bench_zsh() {
  zsh --no-rcs -c '
    source "$1/mfaenv.zsh"
    integer n=$2 i
    float t0=$EPOCHREALTIME; for ((i = 0; i < n; i++)); do :; done
    float t1=$EPOCHREALTIME; for ((i = 0; i < n; i++)); do _mfaenv_hook; done
    float t2=$EPOCHREALTIME
    printf "%.2f" $(( ((t2 - t1) - (t1 - t0)) * 1e6 / n ))
  ' bench "$shell_dir" "$1"
}

# The fish script is for fish to expand, not bash.
# shellcheck disable=SC2016
bench_fish() {
  fish --no-config -c '
    source $argv[1]/mfaenv.fish
    set -l n $argv[2]
    set -l t0 (date +%s%N)
    for i in (seq $n); true; end
    set -l t1 (date +%s%N)
    for i in (seq $n); __mfaenv_hook; end
    set -l t2 (date +%s%N)
    printf "%.0f" (math "(($t2 - $t1) - ($t1 - $t0)) / 1000 / $n")
  ' "$shell_dir" "$1"
}

# nu runs its pre_prompt hooks as closures with the environment kept (`do --env`), so the
# closure is timed that way, less an empty closure called the same way. nu sources files at
# parse time: the hook is saved to a file first, as the README says.
# shellcheck disable=SC2016
bench_nu() {
  local hook
  hook=$(mktemp --suffix=.nu)
  cp "$shell_dir/mfaenv.nu" "$hook"
  nu -n -c "source '$hook'"'
    let h = ($env.config.hooks.pre_prompt | last)
    do --env $h
    let n = '"$1"'
    let t0 = (date now)
    for i in 1..$n { do --env {|| } }
    let t1 = (date now)
    for i in 1..$n { do --env $h }
    let t2 = (date now)
    print -n (((($t2 - $t1) - ($t1 - $t0)) / 1us / $n) | math round)
  '
  rm -f "$hook"
}

printf '%-6s %-8s %8s  %s\n' shell calls 'µs/call' version
for shell in bash bash4 zsh fish nu; do
  program=${shell%4}
  if ! command -v "$program" >/dev/null; then
    printf '%-6s %s\n' "$shell" 'not installed'
    continue
  fi
  calls=$n
  [[ $shell == fish || $shell == nu ]] && calls=$((n / 20))
  version=$("$program" --version | head -n 1)
  [[ $shell == bash4 ]] && version='the same, clock by printf %(%s)T as in bash 4.2-4.4'
  printf '%-6s %-8s %8s  %s\n' "$shell" "$calls" "$("bench_$program" "$calls" "$shell")" "$version"
done
