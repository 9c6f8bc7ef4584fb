#!/usr/bin/env bash
# netinv audit benchmark: what policy + diff + HTML + xlsx cost on a 100,000-device report.
#
#   bench/audit.sh                 100,000 devices (AUDIT_DEVICES to change it)
#   NETINV_BIN=path bench/audit.sh that binary instead of building the release one
#
# Serves the fleet from several simulators (one loopback address each: a process may hold only
# so many sockets), collects it twice into a history (--history) with an upgrade wave and some
# RMAs in between, the second time with --policy, --html, --xlsx and --json. The report phase is
# timed from outside: from the report's `finished_at` (all devices done) to the process's exit,
# and each of its steps from the times netinv logs at -vv.
# Then `netinv audit` and `netinv diff` on the two saved 100,000-device reports, under GNU time.
# Needs: bash, python3, /usr/bin/time (GNU time).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
devices=${AUDIT_DEVICES:-100000}
per_sim=${AUDIT_PER_SIM:-10000}
workers=${AUDIT_WORKERS:-1000}

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ ! -x /usr/bin/time ]; then
    echo "bench: needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
    exit 2
fi

if [ -n "${NETINV_BIN:-}" ]; then
    netinv=$NETINV_BIN
else
    echo "bench: building the release binary" >&2
    (cd "$root" && cargo build --release --quiet)
    netinv="${CARGO_TARGET_DIR:-$root/target}/release/netinv"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/netinv-audit-bench.XXXXXX")
sims=()
stop_sims() {
    local p
    for p in "${sims[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${sims[@]}"; do wait "$p" 2>/dev/null || true; done
    sims=()
}
cleanup() {
    stop_sims
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export NETINV_PASSWORD=bench-password
export NETINV_USERNAME=admin

# start_fleet [wave args]: the whole fleet, one simulator per loopback address, and one
# inventory ($work/fleet.csv) whose names are unique across simulators.
start_fleet() {
    local k=0 left=$devices n
    while [ "$left" -gt 0 ]; do
        k=$((k + 1))
        n=$((left < per_sim ? left : per_sim))
        left=$((left - n))
        "$netinv" sim --devices "$n" --bind "127.0.0.$k" --seed "$k" \
            --write-inventory "$work/sim$k.csv" "$@" >"$work/sim$k.out" 2>"$work/sim$k.err" &
        sims+=($!)
    done
    local i s
    for s in $(seq 1 "$k"); do
        for i in $(seq 1 600); do
            grep -q '^ready' "$work/sim$s.out" 2>/dev/null && break
            if [ "$i" = 600 ]; then
                echo "bench: simulator $s not ready:" >&2
                cat "$work/sim$s.err" >&2
                exit 1
            fi
            sleep 0.1
        done
    done
    python3 - "$work" "$k" <<'EOF'
import csv, sys
work, k = sys.argv[1], int(sys.argv[2])
with open(f"{work}/fleet.csv", "w", newline="") as out:
    w = csv.writer(out)
    for s in range(1, k + 1):
        with open(f"{work}/sim{s}.csv", newline="") as f:
            rows = list(csv.reader(f))
        if s == 1:
            w.writerow(rows[0])
        for r in rows[1:]:
            r[0] = f"s{s}-{r[0]}"
            w.writerow(r)
EOF
}

# A policy over every platform: its two most common versions approved.
write_policy() {
    python3 - "$work/fleet.csv" >"$work/policy.yaml" <<'EOF'
import collections, csv, sys
seen = collections.defaultdict(collections.Counter)
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["expect_version"]:
        seen[r["platform"]][r["expect_version"]] += 1
print("rules:")
for platform, versions in sorted(seen.items()):
    approved = ", ".join(f'"{v}"' for v, _ in versions.most_common(2))
    print(f"  - platform: {platform}\n    approved: [{approved}]")
EOF
}

# collect NAME [args]: collect the fleet into the history; sets wall, rss_mb, report_s.
collect() {
    local name=$1
    shift
    /usr/bin/time -f '%e %M' -o "$work/$name.time" "$netinv" collect -i "$work/fleet.csv" \
        -w "$workers" --host-key-policy off --no-progress -vv -t 60s \
        --history "$work/history" --json "$work/$name.json" "$@" \
        >"$work/$name.stdout" 2>"$work/$name.stderr" || true
    local ended
    ended=$(date +%s.%N)
    read -r wall rss_kb < <(tail -n 1 "$work/$name.time")
    rss_mb=$(echo "$rss_kb / 1024" | bc -l)
    report_s=$(python3 - "$work/$name.json" "$ended" <<'EOF'
import datetime, json, sys
r = json.load(open(sys.argv[1]))
done = datetime.datetime.fromisoformat(r["finished_at"].replace("Z", "+00:00")).timestamp()
print(f"{float(sys.argv[2]) - done:.2f}")
print(r["summary"]["ok"], r["summary"]["total"], file=sys.stderr)
EOF
    )
}

start_fleet
write_policy
echo "bench: first run ($devices devices)" >&2
collect first
first_report_s=$report_s first_rss=$rss_mb
echo "bench: first run ${wall}s, report phase ${report_s}s" >&2
stop_sims

start_fleet --upgrade 10% --rma 2%
echo "bench: second run, with --policy --html --xlsx" >&2
collect second --policy "$work/policy.yaml" --html "$work/report.html" --xlsx "$work/report.xlsx"
stop_sims

# step NAME PATTERN: the elapsed_ms netinv logged at -vv for a report step of the second run.
step() {
    local ms
    ms=$(grep -E "DEBUG $2" "$work/second.stderr" | tail -n 1 | sed -E 's/.*elapsed_ms=([0-9]+).*/\1/')
    printf '| %s | %.2f | |\n' "$1" "$(echo "${ms:-0} / 1000" | bc -l)"
}

# timed CMD...: sets t_wall, t_cpu (user + system: what the work cost, however loaded the
# machine is) and t_rss (MB).
timed() {
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" >/dev/null 2>&1 || true
    read -r t_wall t_user t_sys t_rss < <(tail -n 1 "$work/t")
    t_cpu=$(echo "$t_user + $t_sys" | bc -l)
    t_rss=$(echo "$t_rss / 1024" | bc -l)
}
timed "$netinv" audit --policy "$work/policy.yaml" "$work/second.json" --json "$work/audit.json"
audit_wall=$t_wall audit_cpu=$t_cpu audit_rss=$t_rss
timed "$netinv" diff "$work/first.json" "$work/second.json" --json "$work/diff.json"
diff_wall=$t_wall diff_cpu=$t_cpu diff_rss=$t_rss

changes=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['changes']))" "$work/diff.json")
printf '%s\n' \
    "| what, on $devices devices | wall s | peak RSS MB |" \
    "|---|---:|---:|" \
    "$(printf '| first run, --json --history (nothing to compare with): report phase | %.2f | %.0f (whole run) |' "$first_report_s" "$first_rss")" \
    "$(printf '| collect with --policy --html --xlsx --json --history: report phase (all devices done → exit) | %.2f | %.0f (whole run) |' "$report_s" "$rss_mb")" \
    "$(step '… verdicts, last known facts and changes since the previous run' 'report assembled')" \
    "$(step '… JSON (outputs read back from the spool, fsynced)' 'JSON report')" \
    "$(step '… HTML' 'HTML report')" \
    "$(step '… XLSX' 'XLSX report')" \
    "$(step '… history: dated copy, changes, latest.json' 'history kept')" \
    "$(printf '| the same run from start to exit | %.2f | |' "$wall")" \
    "$(printf '| netinv audit --policy on the saved report (CPU %.2f s) | %.2f | %.0f |' "$audit_cpu" "$audit_wall" "$audit_rss")" \
    "$(printf '| netinv diff of the two saved reports, %s changes (CPU %.2f s) | %.2f | %.0f |' "$changes" "$diff_cpu" "$diff_wall" "$diff_rss")"
echo "bench: load average while it ran: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
ls -l "$work/report.html" "$work/report.xlsx" "$work/second.json" | awk '{print "bench: " $5 " bytes " $NF}' >&2
