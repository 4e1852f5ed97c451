#!/usr/bin/env bash
# mfaenv's benchmarks as a user meets them, in one table: each figure a median over many runs.
# Needs hyperfine (apt-get install hyperfine); zsh and fish for their hook rows; the AWS CLI for
# the comparison row. Usage: tests/bench/bench.sh [RUNS]   (RUNS defaults to 300)
# Not a timed test: the figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-300}

cargo build --release --quiet --example fake-sts
cargo build --release --quiet
target=${CARGO_TARGET_DIR:-$PWD/target}
bin=$target/release/mfaenv
work=$(mktemp -d)
sts_pid=
trap '[ -n "$sts_pid" ] && kill "$sts_pid" 2>/dev/null; rm -rf "$work"' EXIT

# A private home with one profile (static keys, an MFA device), and the tests' fake STS.
mkdir -p "$work/.aws"
printf '[profile bench]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\n' >"$work/.aws/config"
printf '[bench]\naws_access_key_id = AKIAFAKELONGTERM0001\naws_secret_access_key = benchsecret\n' >"$work/.aws/credentials"
"$target/release/examples/fake-sts" >"$work/url" &
sts_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
export HOME=$work AWS_CONFIG_FILE=$work/.aws/config AWS_SHARED_CREDENTIALS_FILE=$work/.aws/credentials
export XDG_CACHE_HOME=$work/cache AWS_ENDPOINT_URL_STS
AWS_ENDPOINT_URL_STS=$(cat "$work/url")

median_ms() { # hyperfine JSON → median in ms
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f" % (r["median"]*1000))' "$1"
}
row() { printf '| %-52s | %14s | %s |\n' "$1" "$2" "${3:-}"; }
timed() { # NAME RUNS COMMAND → prints the median in ms
  hyperfine --style none --warmup 5 --runs "$2" -N --export-json "$work/$1.json" "$3" >/dev/null 2>&1
  median_ms "$work/$1.json"
}

row "what" "median" "note"
row "----------------------------------------------------" "--------------" "----"
floor=$(timed unset "$runs" "$bin unset --shell bash")
row "mfaenv unset (the floor: start-up and print)" "$floor ms"
sts=$(timed sts "$runs" "$bin use bench --shell bash -q --no-cache --token-code 246810")
row "mfaenv use against the local fake STS" "$sts ms"
"$bin" use bench --shell bash -q --token-code 246810 >/dev/null # fills the cache
hit=$(timed hit "$runs" "$bin use bench --shell bash -q")
row "mfaenv use, cached session (cache hit)" "$hit ms" "$(awk -v a="$hit" -v b="$floor" 'BEGIN { printf "%+.2f ms over the floor (target: within 2 ms)", a - b }')"

# The prompt hook: tests/bench/hook.sh 5 times, the median of its per-call figures.
for i in 1 2 3 4 5; do tests/bench/hook.sh "${HOOK_CALLS:-20000}" | tail -n +2 >"$work/hook.$i"; done
for shell in bash bash4 zsh fish; do
  value=$(awk -v s="$shell" '$1 == s { print $3 }' "$work"/hook.* | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
  case $shell in
    bash4) name="prompt hook, bash (clock as in bash 4.2-4.4)" ;;
    *) name="prompt hook, $shell" ;;
  esac
  target_note=''
  [[ $shell == bash || $shell == zsh ]] && target_note='target: < 50 µs'
  [[ $shell == fish ]] && target_note='one date process per prompt: fish has no clock builtin'
  if [[ -z $value || $value == not* ]]; then row "$name" "not installed"; else row "$name" "$value µs" "$target_note"; fi
done

# The AWS CLI's own export of static keys, for scale. AWS CLI v1 has no export-credentials:
# `aws configure get` (same start-up, reads the same files) stands in for it there.
if command -v aws >/dev/null 2>&1 && aws --version >/dev/null 2>&1; then
  if aws configure export-credentials --profile bench --format env >/dev/null 2>&1; then
    name="aws configure export-credentials --format env"
    cmd="aws configure export-credentials --profile bench --format env"
  else
    name="aws configure get (CLI v1: no export-credentials)"
    cmd="aws configure get aws_access_key_id --profile bench"
  fi
  aws_ms=$(timed aws 20 "$cmd")
  row "$name" "$aws_ms ms" "$(awk -v a="$aws_ms" -v b="$hit" 'BEGIN { printf "%.0fx the cache hit (target: >= 100x)", a / b }')"
else
  row "AWS CLI" "not installed"
fi
