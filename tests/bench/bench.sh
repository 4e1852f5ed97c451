#!/usr/bin/env bash
# Benchmarks of mfaenv's commands as a user meets them: median wall time over many runs.
# Needs hyperfine (apt-get install hyperfine). Usage: tests/bench/bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-300}

cargo build --release --quiet --example fake-sts
cargo build --release --quiet
target=${CARGO_TARGET_DIR:-$PWD/target}
bin=$target/release/mfaenv
work=$(mktemp -d)
trap 'kill "$sts_pid" 2>/dev/null; rm -rf "$work"' EXIT

# A private home with one profile, and the tests' fake STS on 127.0.0.1.
mkdir -p "$work/.aws"
printf '[profile bench]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\n' > "$work/.aws/config"
printf '[bench]\naws_access_key_id = AKIAFAKELONGTERM0001\naws_secret_access_key = benchsecret\n' > "$work/.aws/credentials"
"$target/release/examples/fake-sts" > "$work/url" &
sts_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
export HOME=$work AWS_CONFIG_FILE=$work/.aws/config AWS_SHARED_CREDENTIALS_FILE=$work/.aws/credentials
export AWS_ENDPOINT_URL_STS
AWS_ENDPOINT_URL_STS=$(cat "$work/url")
export XDG_CACHE_HOME=$work/cache

median() { # hyperfine JSON → median in ms
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f" % (r["median"]*1000))' "$1"
}
bench() { # NAME COMMAND…
  local name=$1; shift
  hyperfine --style none --warmup 10 --runs "$runs" -N --export-json "$work/$name.json" "$*" >/dev/null 2>&1
  printf '| %-44s | %8s ms |\n' "$name" "$(median "$work/$name.json")"
}

echo "| command (median of $runs runs)                 |      time   |"
echo "|----------------------------------------------|-------------|"
bench "mfaenv unset (the floor)" "$bin unset --shell bash"
bench "mfaenv use against the local fake STS" "$bin use bench --shell bash -q --token-code 246810"
