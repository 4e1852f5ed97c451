#!/usr/bin/env bash
# mfaenv beside its peers, in one run, on one local fake STS, in one table: medians (hyperfine),
# the ratio of each row to mfaenv's matching row, the max RSS of one run (GNU time's %M), and how
# many STS requests each run made (counted by the fake itself, so a row that did not really
# talk to the fake cannot pass for one that did).
#
#     tests/bench/bench.sh [RUNS [PEER_RUNS]]
#
# RUNS (default 300) runs per mfaenv row, PEER_RUNS (default RUNS/10, at least 10) per row of a
# Python peer (each run takes a few hundred ms); HOOK_CALLS (default 20000) prompt-hook calls.
# When missing, it installs with apt-get (hyperfine, time, direnv, awscli: the AWS CLI v2 at
# /usr/bin/aws) and makes a private venv in target/bench-venv (BENCH_VENV=DIR for another, made
# with BENCH_PYTHON, default python3) for awsume and aws-mfa from PyPI, and says so. A peer that
# still cannot be had is reported as missing: nothing stands in for it.
# The measuring runs in a network namespace of its own with only loopback, so no row can reach
# AWS (or anything else) even by mistake. Not a timed test: the figures depend on the machine.
# The rows' names are Markdown: their backticks are meant literally.
# shellcheck disable=SC2016
set -euo pipefail
cd "$(dirname "$0")/../.."
self=$PWD/tests/bench/bench.sh
runs=${1:-300}
peer_runs=${2:-$((runs / 10 > 10 ? runs / 10 : 10))}
target=${CARGO_TARGET_DIR:-$PWD/target}
venv=${BENCH_VENV:-$target/bench-venv}
# Pinned so that a rerun measures the same peers; the table prints what was measured.
awsume_pin=awsume==4.5.4
aws_mfa_pin=aws-mfa==0.0.12
aws_v2=/usr/bin/aws
gnu_time=/usr/bin/time
musl=x86_64-unknown-linux-musl
say() { printf 'bench: %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Phase 1 (with the network): install what is missing, build, then measure without a network.
if [[ -z ${MFAENV_BENCH_INSIDE-} ]]; then
  missing=()
  command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
  [[ -x $gnu_time ]] || missing+=(time)
  command -v direnv >/dev/null 2>&1 || missing+=(direnv)
  [[ -x $aws_v2 ]] || missing+=(awscli)
  if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      say "installing with apt-get: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      for package in "${missing[@]}"; do
        apt-get install -y -qq "$package" >/dev/null 2>&1 ||
          { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$package" >/dev/null 2>&1; } ||
          say "could not install $package: its rows will say missing"
      done
    else
      say "missing and not installed (needs root and apt-get): ${missing[*]}"
    fi
  fi
  command -v hyperfine >/dev/null 2>&1 || { say "hyperfine is needed for every row; install it"; exit 1; }

  # awsume and aws-mfa from PyPI in a private venv. pip runs with a private HOME so that no
  # install step of theirs can touch the user's rc files (pip's global configuration still applies).
  venv_has() { [[ -x $venv/bin/$1 ]] && "$venv/bin/python" -c 'import importlib.metadata as m, sys
n, v = sys.argv[1].split("==")
sys.exit(m.version(n) != v)' "$2" 2>/dev/null; }
  if ! venv_has awsumepy "$awsume_pin" || ! venv_has aws-mfa "$aws_mfa_pin"; then
    python=${BENCH_PYTHON:-python3}
    say "making a venv for awsume and aws-mfa with $python in $venv"
    mkdir -p "$venv.home"
    if [[ -x $venv/bin/pip ]] || "$python" -m venv "$venv" >/dev/null 2>&1; then
      for pin in "$awsume_pin" "$aws_mfa_pin"; do
        say "pip install $pin"
        HOME=$venv.home "$venv/bin/pip" install -q "$pin" >/dev/null 2>&1 ||
          say "could not install $pin from PyPI: its rows will say missing"
      done
    else
      say "$python -m venv failed: the awsume and aws-mfa rows will say missing"
    fi
  fi

  say "building mfaenv and the fake STS (release)"
  cargo build --release --quiet --example fake-sts
  cargo build --release --quiet
  # The static Linux build (README "Start-up"), where its std and musl's C compiler are here.
  if rustup target list --installed 2>/dev/null | grep -x "$musl" >/dev/null &&
    command -v x86_64-linux-musl-gcc >/dev/null 2>&1; then
    say "building the static build (release, $musl)"
    cargo build --release --quiet --target "$musl"
  else
    say "no $musl std or no x86_64-linux-musl-gcc (musl-tools): the static build's rows will say missing"
  fi

  # A namespace with only loopback: as root `unshare --net`, else a user namespace as well.
  export MFAENV_BENCH_INSIDE=1
  if command -v ip >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1; then
    for how in "--net" "--net --user --map-root-user"; do
      # Word splitting of $how is the point.
      # shellcheck disable=SC2086
      if unshare $how -- true 2>/dev/null; then
        MFAENV_BENCH_NETNS="unshare $how" exec unshare $how -- "$self" "$runs" "$peer_runs"
      fi
    done
  fi
  say "cannot make a network namespace (unshare, ip): measuring with the network present"
fi

# ---------------------------------------------------------------------------------------------
# Phase 2: measure.
if [[ -n ${MFAENV_BENCH_NETNS-} ]]; then
  ip link set lo up
  if [[ -n $(ip route show default 2>/dev/null) ]]; then
    say "the network namespace has a default route: refusing to measure"
    exit 1
  fi
  network="own network namespace ($MFAENV_BENCH_NETNS), loopback only: nothing can reach the internet"
else
  # Second best: every HTTP(S) client here honours these, so a request off this machine fails.
  export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost
  export http_proxy=$HTTP_PROXY https_proxy=$HTTPS_PROXY no_proxy=$NO_PROXY
  network="NOT isolated (no network namespace): proxies point at the closed port 127.0.0.1:9"
fi
# Nothing of the caller's session or settings may change what is measured.
while read -r name; do
  case $name in AWS_* | AWSUME_* | MFAENV_* | DIRENV_* | XDG_*) unset "$name" ;; esac
done < <(compgen -e)

work=$(mktemp -d)
# Each build is timed from a fresh copy, as `cargo install` leaves it (a copy of the file), so
# that the two start from the same state: how a file's pages came into the page cache (written
# in one go, or faulted in piece by piece by earlier runs) changes a start by up to 0.25 ms
# here. The last line adds the figures after those pages were dropped from the page cache.
mkdir -p "$work/default" "$work/static"
cp "$target/release/mfaenv" "$work/default/mfaenv"
bin=$work/default/mfaenv
static_bin=$work/static/mfaenv
if [[ -x $target/$musl/release/mfaenv ]]; then
  cp "$target/$musl/release/mfaenv" "$static_bin"
fi
sts_pid=
trap '[ -n "$sts_pid" ] && kill "$sts_pid" 2>/dev/null; rm -rf "$work"' EXIT
# No command below may read or write the caller's own home: each row gets a home of its own.
export HOME=$work
: >"$work/url"
"$target/release/examples/fake-sts" >"$work/url" &
sts_pid=$!
for _ in $(seq 50); do [[ $(wc -l <"$work/url") -ge 2 ]] && break; sleep 0.1; done
url=$(sed -n 1p "$work/url")
control=$(sed -n 2p "$work/url")
[[ $url == http://127.0.0.1:* && $control == 127.0.0.1:* ]] || { say "the fake STS did not start"; exit 1; }
export AWS_ENDPOINT_URL_STS=$url
serial=arn:aws:iam::123456789012:mfa/alice
code=246810
session_key=ASIAFAKESESSION00001
echo "$code" >"$work/code"

# Requests the fake has answered so far (its control port answers one line of counts).
sts_requests() {
  local line
  exec 3<>"/dev/tcp/${control%:*}/${control#*:}"
  read -r line <&3
  exec 3<&-
  line=${line%% *}
  echo "${line#total=}"
}

# One private home per tool, each with the same identity: long-term keys, the MFA device, a region.
mkhome() {
  mkdir -p "$work/$1/.aws"
  printf '%s' "$2" >"$work/$1/.aws/config"
  printf '%s' "$3" >"$work/$1/.aws/credentials"
  chmod 600 "$work/$1/.aws/credentials"
}
keys='aws_access_key_id = AKIAFAKELONGTERM0001
aws_secret_access_key = benchsecret
'
profile="[profile bench]
mfa_serial = $serial
region = eu-west-1
"
mkhome mfaenv "$profile" "[bench]
$keys"
mkhome cli "$profile" "[bench]
$keys"
mkhome awsume "$profile" "[bench]
$keys"
# aws-mfa reads the long-term keys and the device from [bench-long-term] of ~/.aws/credentials
# (it ignores AWS_SHARED_CREDENTIALS_FILE) and writes the session into [bench]; its STS client
# comes from boto3's default session, which needs the default profile's region.
mkhome awsmfa "[default]
region = eu-west-1
" "[bench-long-term]
${keys}aws_mfa_device = $serial
"
mkdir -p "$work/direnv/plain" "$work/direnv/project"

# ---------------------------------------------------------------------------------------------
# The header: when, where, what.
version_of() { "$@" 2>&1 | head -n 1 || true; }
venv_version() { "$venv/bin/python" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$1" 2>/dev/null || echo missing; }
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(uname -sr)"
echo "network: $network"
echo "runs: $runs per mfaenv row, $peer_runs per peer row, ${HOOK_CALLS:-20000} calls per hook figure (median of 5)"
echo "versions:"
echo "  mfaenv: $(version_of "$bin" --version) (default build: glibc $(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/^glibc //'), dynamic); static build ($musl, static-pie): $(if [[ -x $static_bin ]]; then echo built; else echo missing; fi)"
echo "  hyperfine: $(version_of hyperfine --version); GNU time: $(if [[ -x $gnu_time ]]; then dpkg-query -W -f '${Version}' time 2>/dev/null || version_of "$gnu_time" --version; else echo missing; fi)"
for shell in bash zsh fish; do
  echo "  $shell: $(if command -v "$shell" >/dev/null; then version_of "$shell" --version; else echo missing; fi)"
done
echo "  AWS CLI v2 ($aws_v2): $(if [[ -x $aws_v2 ]]; then version_of "$aws_v2" --version; else echo missing; fi)"
if [[ -x $venv/bin/python ]]; then
  echo "  venv: $(version_of "$venv/bin/python" --version); awsume $(venv_version awsume); aws-mfa $(venv_version aws-mfa); boto3 $(venv_version boto3); botocore $(venv_version botocore)"
else
  echo "  venv: missing (awsume, aws-mfa)"
fi
echo "  direnv: $(if command -v direnv >/dev/null; then version_of direnv version; else echo missing; fi)"
echo

# ---------------------------------------------------------------------------------------------
# Rows. Each is checked before it is timed: the command succeeds once and says what it should
# (the fake's session key, or the profile's key id), and while it is timed the fake counts
# exactly the STS requests per run the row stands for (1 uncached, 0 cached).
failures=0
printf '| %s | %s | %s | %s | %s | %s |\n' what median 'ratio to mfaenv' 'max RSS' 'STS requests per run' note
printf '|---|---|---|---|---|---|\n'
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@"; }
missing_row() { row "$1" missing — — — "$2"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.2f ms", s * 1000 }'; }
ratio() { # SECONDS REFERENCE-SECONDS
  if [[ -z $2 ]]; then echo —; else awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; printf (r < 10 ? "%.2f×" : "%.0f×"), r }'; fi
}

# measure NAME RUNS WARMUP CALLS-PER-RUN WANT CMD... (with $home, $dir, $stdin, ${extra_env[@]}):
# sets $median (seconds), $rss (text) and $calls, or $failed with the reason.
home=$work
dir=$work
stdin=/dev/null
extra_env=()
want_in=
measure() {
  local name=$1 n=$2 warmup=$3 expect=$4 want=$5
  shift 5
  median='' rss=— calls='' failed=''
  local out=$work/$name.out
  if ! (cd "$dir" && env HOME="$home" "${extra_env[@]}" "$@" <"$stdin" >"$out" 2>&1); then
    failed="the check run failed: $(tail -n 1 "$out" | tr -d '|' | cut -c1-120)"
    return
  fi
  if [[ -n $want ]] && ! grep -q -- "$want" "${want_in:-$out}"; then
    failed="the check run did not give $want"
    return
  fi
  if [[ -x $gnu_time ]]; then
    (cd "$dir" && env HOME="$home" "${extra_env[@]}" "$gnu_time" -f %M -o "$work/$name.rss" "$@" <"$stdin" >/dev/null 2>&1) &&
      rss=$(awk '{ printf "%.1f MB", $1 / 1024 }' "$work/$name.rss")
  fi
  # hyperfine gives its commands /dev/null as stdin: a row that must read one runs through sh,
  # whose start-up hyperfine measures and subtracts.
  local command shell=(-N)
  command=$(printf '%q ' "$@")
  if [[ $stdin != /dev/null ]]; then
    shell=(--shell sh)
    command+=" < $(printf '%q' "$stdin")"
  fi
  local before after
  before=$(sts_requests)
  if ! (cd "$dir" && env HOME="$home" "${extra_env[@]}" hyperfine --style none --warmup "$warmup" --runs "$n" \
    "${shell[@]}" --export-json "$work/$name.json" "$command" >"$work/$name.hyperfine" 2>&1); then
    failed="hyperfine: $(grep -v '^$' "$work/$name.hyperfine" | tail -n 1 | tr -d '|' | cut -c1-120)"
    return
  fi
  after=$(sts_requests)
  calls=$(awk -v d=$((after - before)) -v n=$((n + warmup)) 'BEGIN { printf (d % n ? "%.2f" : "%d"), d / n }')
  if [[ $calls != "$expect" ]]; then
    failed="expected $expect STS requests per run, the fake saw $((after - before)) in $((n + warmup)) runs"
    return
  fi
  median=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/$name.json")
}
# report WHAT REFERENCE-SECONDS NOTE: prints the row of the last measure.
report() {
  if [[ -n $failed ]]; then
    row "$1" failed — "$rss" "${calls:-—}" "CHECK FAILED: $failed"
    failures=$((failures + 1))
  else
    row "$1" "$(ms "$median")" "$(ratio "$median" "$2")" "$rss" "$calls" "$3"
  fi
}

# mfaenv's own rows, the references of the others.
home=$work/mfaenv
measure true "$runs" 5 0 '' /bin/true
true_median=$median
report '`/bin/true` (process start, for scale)' '' 'the floor of any command'
measure unset "$runs" 5 0 'unset AWS_ACCESS_KEY_ID' "$bin" unset --shell bash
unset_median=$median
report '`mfaenv unset` (start-up and print)' '' ''
measure sts "$runs" 5 1 "$session_key" "$bin" use bench --shell bash -q --no-cache --token-code "$code"
ref_uncached=$median
report '`mfaenv use --no-cache --token-code` (uncached: STS call)' '' 'reference of the uncached rows'
HOME=$home "$bin" use bench --shell bash -q --token-code "$code" >/dev/null || say "could not fill mfaenv's cache"
measure hit "$runs" 5 0 "$session_key" "$bin" use bench --shell bash -q
ref_cached=$median
report '`mfaenv use` (cached session)' '' 'reference of the cached rows'
# The static build: the same three rows, with their ratio to the default build's.
if [[ -x $static_bin ]]; then
  measure static-unset "$runs" 5 0 'unset AWS_ACCESS_KEY_ID' "$static_bin" unset --shell bash
  report '`mfaenv unset`, static build' "$unset_median" 'vs the default build'
  measure static-sts "$runs" 5 1 "$session_key" "$static_bin" use bench --shell bash -q --no-cache --token-code "$code"
  report '`mfaenv use --no-cache --token-code`, static build' "$ref_uncached" 'vs the default build'
  HOME=$home "$static_bin" use bench --shell bash -q --token-code "$code" >/dev/null || say "could not fill mfaenv's cache"
  measure static-hit "$runs" 5 0 "$session_key" "$static_bin" use bench --shell bash -q
  report '`mfaenv use` (cached session), static build' "$ref_cached" 'vs the default build'
  static_hit=$median
else
  for what in '`mfaenv unset`' '`mfaenv use --no-cache --token-code`' '`mfaenv use` (cached session)'; do
    missing_row "$what, static build" "not built: needs the $musl std and musl-tools"
  done
fi

# The prompt hooks: tests/bench/hook.sh five times, the median of its per-call figures. They
# run inside the shell: no process of their own, so no RSS and no request.
for i in 1 2 3 4 5; do
  tests/bench/hook.sh "${HOOK_CALLS:-20000}" | tail -n +2 >"$work/hook.$i"
done
ref_hook=
for shell in bash bash4 zsh fish nu; do
  value=$(awk -v s="$shell" '$1 == s && $2 ~ /^[0-9]+$/ { print $3 }' "$work"/hook.* |
    sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
  case $shell in
    bash) name='mfaenv prompt hook, bash' note='reference of the hook rows' ;;
    bash4) name='mfaenv prompt hook, bash (clock as in bash 4.2–4.4)' note='' ;;
    zsh) name='mfaenv prompt hook, zsh' note='' ;;
    fish) name='mfaenv prompt hook, fish' note='no process, no captured output: a lapse mark dated once per expiry, test -nt against a file rewritten per prompt (fish 3.5+)' ;;
    nu) name='mfaenv prompt hook, nu' note='the pre_prompt closure, less an empty one: date now against the cached lapse moment' ;;
  esac
  if [[ -z $value ]]; then
    missing_row "$name" "${shell%4} not installed"
    continue
  fi
  seconds=$(awk -v us="$value" 'BEGIN { print us / 1e6 }')
  [[ $shell == bash ]] && ref_hook=$seconds
  row "$name" "$value µs" "$(ratio "$seconds" "$ref_hook")" '(in the shell)' — "$note"
done

# The AWS CLI v2, as it is. Debian's 2.9 predates AWS_ENDPOINT_URL_STS (2.13): when a probe
# shows the variable is ignored, --endpoint-url points it at the fake.
home=$work/cli
if [[ -x $aws_v2 ]] && "$aws_v2" --version 2>&1 | grep -q '^aws-cli/2\.'; then
  measure cli-export "$peer_runs" 2 0 AKIAFAKELONGTERM0001 "$aws_v2" configure export-credentials --profile bench --format env
  report '`aws configure export-credentials --format env` (CLI v2)' "$ref_cached" "vs the cached \`use\`: prints the profile's long-term keys from the files, no STS"
  endpoint=()
  before=$(sts_requests)
  HOME=$home AWS_MAX_ATTEMPTS=1 "$aws_v2" sts get-session-token --profile bench --serial-number "$serial" \
    --token-code "$code" >/dev/null 2>&1 || true
  endpoint_note='AWS_ENDPOINT_URL_STS'
  if [[ $(sts_requests) == "$before" ]]; then
    endpoint=(--endpoint-url "$url")
    endpoint_note='--endpoint-url (this CLI ignores AWS_ENDPOINT_URL_STS)'
  fi
  measure cli-sts "$peer_runs" 2 1 "$session_key" "$aws_v2" sts get-session-token --profile bench \
    --serial-number "$serial" --token-code "$code" "${endpoint[@]}"
  report '`aws sts get-session-token --serial-number --token-code` (CLI v2)' "$ref_uncached" "vs the uncached \`use\`; JSON out, no cache; endpoint by $endpoint_note"
else
  version=$([[ -x $aws_v2 ]] && "$aws_v2" --version 2>&1 | head -n 1)
  missing_row 'AWS CLI v2 (`configure export-credentials`, `sts get-session-token`)' "no AWS CLI v2 at $aws_v2${version:+ (it says: $version)}"
fi

# awsume: `awsumepy` is what its `. awsume` shell wrapper runs and parses; it caches the MFA
# session in ~/.awsume/cache, and -r makes it call STS anyway (and refresh that cache).
home=$work/awsume
if [[ -x $venv/bin/awsumepy ]]; then
  measure awsume-sts "$peer_runs" 2 1 "$session_key" "$venv/bin/awsumepy" bench -r --mfa-token "$code"
  report '`awsumepy bench -r --mfa-token` (awsume, uncached)' "$ref_uncached" 'what `awsume` runs; -r: refresh from STS'
  measure awsume-hit "$peer_runs" 2 0 "$session_key" "$venv/bin/awsumepy" bench
  report '`awsumepy bench` (awsume, cached)' "$ref_cached" 'session from ~/.awsume/cache'
else
  missing_row 'awsume' "not installed from PyPI ($awsume_pin)"
fi

# aws-mfa: no code option, it reads the code on stdin; it writes the session into [bench] of
# ~/.aws/credentials with an `expiration`, and reuses it while that is in the future (no
# margin) unless --force.
home=$work/awsmfa
if [[ -x $venv/bin/aws-mfa ]]; then
  stdin=$work/code want_in=$home/.aws/credentials
  measure awsmfa-sts "$peer_runs" 2 1 "$session_key" "$venv/bin/aws-mfa" --profile bench --force
  stdin=/dev/null want_in=
  report '`aws-mfa --profile bench --force` (aws-mfa, uncached)' "$ref_uncached" 'code on stdin (via sh, subtracted); writes ~/.aws/credentials'
  measure awsmfa-hit "$peer_runs" 2 0 'still valid' "$venv/bin/aws-mfa" --profile bench
  report '`aws-mfa --profile bench` (aws-mfa, cached)' "$ref_cached" 'session in ~/.aws/credentials still valid: no STS'
else
  missing_row 'aws-mfa' "not installed from PyPI ($aws_mfa_pin)"
fi

# direnv's bash hook runs `eval "$(direnv export bash)"` at every prompt: timed here is that
# process alone (not the shell's command substitution around it).
# Then the hook as the prompt pays for it, as tests/bench/hook.sh times mfaenv's: direnv's own
# `_direnv_hook` (from `direnv hook bash`) called in a loop in one bash, the empty loop subtracted.
home=$work/direnv
hook_calls=$((${HOOK_CALLS:-20000} / 100 > 20 ? ${HOOK_CALLS:-20000} / 100 : 20))
direnv_hook() { # prints µs per call of _direnv_hook in $dir, with ${extra_env[@]}
  (cd "$dir" && env HOME="$home" "${extra_env[@]}" bash --norc --noprofile -c '
    eval "$(direnv hook bash)"
    n=$1
    t0=$EPOCHREALTIME; for ((i = 0; i < n; i++)); do :; done
    t1=$EPOCHREALTIME; for ((i = 0; i < n; i++)); do _direnv_hook; done
    t2=$EPOCHREALTIME
    echo "$t0 $t1 $t2" | awk -v n="$n" "{ printf \"%.0f\", ((\$3 - \$2) - (\$2 - \$1)) * 1e6 / n }"
  ' bench "$hook_calls" 2>/dev/null)
}
hook_row() { # WHAT NOTE: the row of direnv_hook
  local us seconds
  if us=$(direnv_hook) && [[ $us =~ ^[0-9]+$ ]]; then
    seconds=$(awk -v us="$us" 'BEGIN { print us / 1e6 }')
    row "$1" "$us µs" "$(ratio "$seconds" "$ref_hook")" '(in the shell; see above)' — "$2"
  else
    row "$1" failed — — — 'CHECK FAILED: the loop did not run'
    failures=$((failures + 1))
  fi
}
if command -v direnv >/dev/null 2>&1; then
  dir=$work/direnv/plain
  measure direnv-none "$runs" 5 0 '' direnv export bash
  report '`direnv export bash`, directory without .envrc' "$ref_hook" 'vs the bash hook: every prompt outside a project'
  hook_row 'direnv prompt hook, bash, directory without .envrc' "\`_direnv_hook\` × $hook_calls in one bash: the process and the \`\$(…)\` around it"
  dir=$work/direnv/project
  echo 'export BENCH_VAR=loaded' >"$dir/.envrc"
  (cd "$dir" && HOME=$home direnv allow >/dev/null 2>&1)
  measure direnv-enter "$runs" 5 0 'BENCH_VAR' direnv export bash
  report '`direnv export bash`, allowed .envrc, not yet loaded' "$ref_hook" 'the first prompt in the project: evaluates .envrc with bash'
  # The environment a shell has once direnv loaded the .envrc: what every later prompt sees.
  mapfile -d '' extra_env < <(cd "$dir" && HOME=$home bash --norc --noprofile -c '
    eval "$(direnv export bash 2>/dev/null)"
    for v in BENCH_VAR DIRENV_DIR DIRENV_FILE DIRENV_DIFF DIRENV_WATCHES; do
      [[ -n ${!v-} ]] && printf "%s=%s\0" "$v" "${!v}"
    done')
  measure direnv-loaded "$runs" 5 0 '' direnv export bash
  if [[ -z $failed ]] && grep -q export "$work/direnv-loaded.out"; then
    failed='direnv did not take the .envrc as loaded: it exported again'
  fi
  report '`direnv export bash`, allowed .envrc, loaded' "$ref_hook" 'every later prompt in the project: nothing changed'
  hook_row 'direnv prompt hook, bash, allowed .envrc, loaded' "\`_direnv_hook\` × $hook_calls in one bash"
  extra_env=()
  dir=$work
else
  missing_row 'direnv (`direnv export bash`)' 'not installed (Debian direnv)'
fi

# Start-up, the figure of README "Start-up": what a cached `use` adds to `/bin/true`, in this run.
over() { awk -v a="$1" -v b="$true_median" 'BEGIN { printf "%+.2f ms", (a - b) * 1000 }'; }
# Then once more with each binary's pages dropped from the page cache (posix_fadvise
# DONTNEED) and faulted back in by one run, as after a reboot: the reads of a cold start
# bring them in piece by piece, which makes every later start slower too.
drop_pages() { python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$1"; }
after_drop() { # BIN: sets $median for its cached use after its pages were dropped
  median=
  drop_pages "$1" && HOME=$home "$1" --version >/dev/null &&
    measure "$2" "$runs" 5 0 "$session_key" "$1" use bench --shell bash -q
}
home=$work/mfaenv dir=$work stdin=/dev/null want_in=
extra_env=()
if [[ -n $true_median && -n $ref_cached ]]; then
  cold_default=; cold_static=
  after_drop "$bin" cold-default && [[ -z $failed ]] && cold_default=$median
  if [[ -n ${static_hit-} ]]; then
    after_drop "$static_bin" cold-static && [[ -z $failed ]] && cold_static=$median
  fi
  show() { if [[ -n $1 ]]; then over "$1"; else echo missing; fi; }
  echo
  echo "cached \`use\` over \`/bin/true\` in this run, fresh copy (as installed): default build $(show "$ref_cached"), static build $(show "${static_hit-}"); after the binary's pages were dropped from the page cache: default build $(show "$cold_default"), static build $(show "$cold_static")"
fi

if ((failures)); then
  say "$failures row(s) failed their check: their figures are not shown"
  exit 1
fi
