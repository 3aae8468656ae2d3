#!/bin/bash
# test_compose: compose/regional.yml and compose/central.yml as a user meets
# them, without Docker.
# 1. docker-compose (Debian's 1.29) validates both files offline.
# 2. What config alone does not catch: every command is a binary the image
#    builds; each store has its own named volume; only the gateway (and at
#    central the hub's listener) is published; every HCAP_* variable is a
#    real config key (docs/operations.md's table, itself checked against the
#    sources); every tcp:// endpoint a container connects to is bound by the
#    service it names; the runtime image installs the packages of every
#    library the binaries link.
# 3. The processes both files describe, started here with exactly their
#    environment, commands, entrypoint and healthchecks (binds on
#    127.0.0.1, service host names become localhost, ports free ones, each
#    container its own directory):
#    central comes up, the region comes up with its two reporting replicas
#    and its uplink, a worker enrolled through the gateway shows in the
#    outcomes report of every reporting instance and reaches central, every
#    healthcheck passes, and those of stopped services fail.
# Env: HCAP_SOURCE_DIR, HCAP_BIN_DIR, HCAP_ARTIFACTS (set by ctest).
set -euo pipefail

src=${HCAP_SOURCE_DIR:?HCAP_SOURCE_DIR is not set}
bin=${HCAP_BIN_DIR:?HCAP_BIN_DIR is not set}
artifacts=${HCAP_ARTIFACTS:-${TMPDIR:-/tmp}}
compose=$src/compose
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hcap-compose.XXXXXX")
pids=()
declare -A pid_of

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

cleanup() {
    local rc=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    # The sanitizer build reports at exit, into each process's log.
    if grep -l 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' \
        "$tmp"/*.log 2>/dev/null; then
        echo "FAIL: sanitizer reports in the logs above" >&2
        rc=1
    fi
    if [ "$rc" -ne 0 ]; then
        mkdir -p "$artifacts/compose"
        cp "$tmp"/*.log "$artifacts/compose/" 2>/dev/null || true
        echo "process logs: $artifacts/compose" >&2
    fi
    [ -n "${HCAP_COMPOSE_KEEP:-}" ] || rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT

command -v docker-compose >/dev/null || fail "docker-compose is not installed (tools/bootstrap --test)"
# docker-compose is Python with PyYAML: its own interpreter reads the files.
py=$(head -n1 "$(command -v docker-compose)" | sed -n 's/^#! *//p')
[ -n "$py" ] && "$py" -c 'import yaml' 2>/dev/null || py=python3

# --- 1. valid for docker-compose, rendered as the processes would see it ---
# docker-compose takes a second or two to start: the four run side by side.
# The files as shipped, with no variable set:
docker-compose -f "$compose/regional.yml" config -q 2>"$tmp/regional.err" &
check_regional=$!
docker-compose -f "$compose/central.yml" config -q 2>"$tmp/central.err" &
check_central=$!
# A region "west" with its uplink, as docs/operations.md sets it up:
node_id=west
mkdir -p "$tmp/nodes"
HCAP_NODE_ID=$node_id HCAP_UPLINK_CENTRAL=tcp://hub.invalid:7700 \
    HCAP_GATEWAY_SERVICES=enrollment,credentialing,apprenticeship,reporting,uplink \
    HCAP_CENTRAL_KEY_FILE="$tmp/central-node.pub" \
    docker-compose -f "$compose/regional.yml" --profile uplink config >"$tmp/regional.yaml" &
render_regional=$!
HCAP_NODES_DIR="$tmp/nodes" docker-compose -f "$compose/central.yml" config >"$tmp/central.yaml" &
render_central=$!
wait $check_regional || fail "docker-compose config rejects compose/regional.yml: $(cat "$tmp/regional.err")"
wait $check_central || fail "docker-compose config rejects compose/central.yml: $(cat "$tmp/central.err")"
wait $render_regional || fail "docker-compose cannot render compose/regional.yml"
wait $render_central || fail "docker-compose cannot render compose/central.yml"

# --- 2. checks config does not make, and the plan of the processes ---
cat >"$tmp/plan.py" <<'EOF'
import os, random, re, socket, subprocess, sys, yaml

src, bin_dir, tmp = sys.argv[1:4]
errors = []
SERVICES = ["enrollment", "credentialing", "apprenticeship", "reporting", "uplink", "central"]
RUNTIME_KEYS = ["broker", "events", "bell", "instance", "batch", "replica", "instances", "replicas"]

def env_name(key):
    return "HCAP_" + re.sub(r"[/-]", "_", key).upper()

def documented():
    """The config keys of docs/operations.md's reference, checked against
    the sources: a key is read by name, or is one of the runtime's."""
    text = open(os.path.join(src, "docs/operations.md")).read()
    code = ""
    for root in ("common", "services", "tools"):
        for d, _, files in os.walk(os.path.join(src, root)):
            code += "".join(open(os.path.join(d, f)).read() for f in files if f.endswith((".c", ".h")))
    names = set()
    for key, env in re.findall(r"^\| `([^`]+)` \| `(HCAP_[A-Z0-9_<>]+)` \|", text, re.M):
        keys = [key.replace("<service>", s) for s in SERVICES] if "<service>" in key else [key]
        for k in keys:
            if env_name(k) != env.replace("<SERVICE>", k.split("/")[0].upper()):
                errors.append(f"docs/operations.md: {key} is {env_name(k)}, not {env}")
            part = k.split("/")
            runtime = len(part) == 2 and part[0] in SERVICES and part[1] in RUNTIME_KEYS
            if not runtime and f'"{k}"' not in code:
                errors.append(f"docs/operations.md: no source reads the key {k}")
            names.add(env_name(k))
    for env in re.findall(r"^\| - \| `(HCAP_[A-Z0-9_]+)` \|", text, re.M):
        if f'getenv("{env}")' not in code:
            errors.append(f"docs/operations.md: no source reads {env}")
        names.add(env)
    if len(names) < 30:
        errors.append(f"docs/operations.md: the configuration table lists {len(names)} variables")
    return names

def dockerfile():
    text = open(os.path.join(src, "compose/Dockerfile")).read()
    stages = re.split(r"^FROM ", text, flags=re.M)
    runtime = stages[-1]
    m = re.search(r"apt-get install[^\n]*\\\n((?:.*\\\n)*?.*)&&", runtime)
    packages = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", m.group(1))) if m else set()
    targets = set(re.findall(r"\bhcap(?:-[a-z]+|ctl)\b", stages[-2]))
    if not runtime.startswith("debian:bookworm-slim") or not stages[-2].startswith("debian:bookworm "):
        errors.append("Dockerfile: want a debian:bookworm build stage and a bookworm-slim runtime")
    if 'ENTRYPOINT ["hcap-entrypoint"]' not in runtime or "compose/hcap-healthcheck" not in runtime:
        errors.append("Dockerfile: the runtime stage must hold hcap-entrypoint (ENTRYPOINT) and hcap-healthcheck")
    if not re.search(r"^USER (?!root)\w+", runtime, re.M):
        errors.append("Dockerfile: the runtime stage runs as root")
    return packages - {"-y", "--no-install-recommends"}, targets

def libraries_packaged(packages, binaries):
    """Every library a binary links comes from a package the runtime stage
    installs (or from the base image's libc6 and libgcc-s1)."""
    base = {"libc6", "libgcc-s1"}
    needed = {}
    for b in sorted(binaries):
        out = subprocess.run(["objdump", "-p", os.path.join(bin_dir, b)], capture_output=True, text=True).stdout
        for lib in re.findall(r"NEEDED\s+(\S+)", out):
            if not re.match(r"lib(asan|ubsan|lsan|tsan)\.", lib):  # the sanitizer build's own
                needed.setdefault(lib, b)
    found = subprocess.run(["dpkg", "-S"] + ["*/" + lib for lib in needed], capture_output=True, text=True).stdout
    owners = {}
    for line in found.splitlines():
        package, _, path = line.partition(": ")
        owners.setdefault(os.path.basename(path), set()).update(p.split(":")[0] for p in package.split(", "))
    for lib, b in sorted(needed.items()):
        if lib not in owners:
            errors.append(f"{b} links {lib}, which no Debian package here holds")
        elif not owners[lib] & (packages | base):
            errors.append(f"{b} links {lib} ({', '.join(sorted(owners[lib]))}): the runtime stage does not install it")

def volumes(service):
    """A service's mounts as {type, source, target}, from either syntax."""
    out = []
    for v in service.get("volumes", []):
        if isinstance(v, str):
            source, target = v.split(":")[:2]
            kind = "bind" if source.startswith(("/", ".", "~")) else "volume"
            v = {"type": kind, "source": source, "target": target}
        out.append(v)
    return out

def container_ports(service):
    """The container ports a service publishes, from either syntax."""
    out = []
    for p in service.get("ports", []):
        out.append(str(p["target"]) if isinstance(p, dict) else str(p).split("/")[0].split(":")[-1])
    return out

def endpoint(value):
    m = re.fullmatch(r"tcp://([^:/]+):(\d+)", value)
    return (m.group(1), m.group(2)) if m else None

def check(name, config, known, targets, published):
    services = config["services"]
    used = {}
    for svc, s in services.items():
        cmd = s.get("command") or []
        if not cmd or not os.access(os.path.join(bin_dir, cmd[0]), os.X_OK):
            errors.append(f"{name}.yml {svc}: command {cmd} is not a built binary")
        elif cmd[0] not in targets:
            errors.append(f"{name}.yml {svc}: the Dockerfile does not build {cmd[0]}")
        env = s.get("environment") or {}
        for var in env:
            if var.startswith("HCAP_") and var not in known:
                errors.append(f"{name}.yml {svc}: {var} is no config key (docs/operations.md)")
        data = [v for v in volumes(s) if v["target"] == "/data"]
        if len(data) != 1 or data[0].get("type") != "volume":
            errors.append(f"{name}.yml {svc}: /data is not a named volume")
        else:
            other = used.setdefault(data[0]["source"], svc)
            if other != svc:
                errors.append(f"{name}.yml: {svc} and {other} share the volume {data[0]['source']}")
        if env.get("HCAP_NODE_DATA") != "/data":
            errors.append(f"{name}.yml {svc}: HCAP_NODE_DATA is not /data")
        if s.get("restart") not in ("always", "unless-stopped"):
            errors.append(f"{name}.yml {svc}: no restart policy")
        test = (s.get("healthcheck") or {}).get("test") or []
        if test[:2] != ["CMD", "hcap-healthcheck"]:
            errors.append(f"{name}.yml {svc}: no hcap-healthcheck")
        if s.get("ports") and svc not in published:
            errors.append(f"{name}.yml {svc}: publishes {s['ports']}; only {published} may")
        for var, value in env.items():
            ep = endpoint(str(value))
            if not ep or ep[0] == "*" or var == "HCAP_UPLINK_CENTRAL":
                continue
            host, port = ep
            bound = (services.get(host) or {}).get("environment", {}).get(var)
            if bound != f"tcp://*:{port}":
                errors.append(f"{name}.yml {svc}: {var}={value}, but {host} binds {bound}")
    for svc in published:
        if not services.get(svc, {}).get("ports"):
            errors.append(f"{name}.yml {svc}: not published")
    for vol in config.get("volumes", {}):
        if vol not in used:
            errors.append(f"{name}.yml: volume {vol} is used by no service")
    gw = services["gateway"]
    http = gw["environment"].get("HCAP_GATEWAY_HTTP", "")
    if http.rsplit(":", 1)[-1] not in container_ports(gw):
        errors.append(f"{name}.yml gateway: the published port is not HCAP_GATEWAY_HTTP's ({http})")

def free_port(taken=set()):
    """A port free now and outside the kernel's ephemeral range, so that no
    connection the processes open takes it before its owner binds it."""
    low, high = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    pool = range(20000, low) if low > 21000 else range(high + 1, 65536)
    while True:
        port = random.choice(pool)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in taken:
            taken.add(port)
            return port

def plan(projects):
    """Each container as a process: env, command and healthcheck, with
    every bind on 127.0.0.1, every connect to a service's host name on
    localhost, their ports free ones, /data and every other mount under
    tmp."""
    ports = {}
    def port(project, host, p):
        return ports.setdefault((project, host, p), free_port())
    external = {("regional", "hub.invalid", "7700"): ("central", "central", "7700")}
    for project, config in projects.items():
        for svc, s in config["services"].items():
            root = os.path.join(tmp, f"{project}-{svc}")
            mounts = {}
            for v in volumes(s):
                path = v["source"] if v["type"] == "bind" else os.path.join(root, v["target"].strip("/"))
                if v["type"] != "bind":
                    os.makedirs(path, mode=0o700, exist_ok=True)
                mounts[v["target"]] = path
            def local(value, here=svc):
                value = str(value)
                scheme = "ipc://" if value.startswith("ipc://") else ""
                for target, path in mounts.items():
                    rest = value[len(scheme):]
                    if rest == target or rest.startswith(target + "/"):
                        return scheme + path + rest[len(target):]
                m = re.fullmatch(r"(tcp://)?([^:/]+):(\d+)", value)
                if not m:
                    return value
                scheme, host, p = m.group(1) or "", m.group(2), m.group(3)
                if host in ("*", "0.0.0.0", "127.0.0.1"):
                    host, address = here, "127.0.0.1"  # a bind: numeric only
                elif host in config["services"] or scheme:
                    address = "localhost"  # a connect: by name, as in Docker's network
                else:
                    return value
                key = (project, host, p)
                key = external.get(key, key)
                return f"{scheme}{address}:{port(*key)}"
            env = {k: local(v) for k, v in (s.get("environment") or {}).items()}
            health = [local(a) for a in s["healthcheck"]["test"][2:]]
            # NUL-separated, for bash's mapfile -d ''
            lists = {"env": [f"{k}={v}" for k, v in env.items()], "cmd": s["command"], "health": health}
            for what, items in lists.items():
                with open(os.path.join(tmp, f"{project}-{svc}.{what}"), "w") as f:
                    f.write("".join(i + "\0" for i in items))
    return ports

known = documented()
packages, targets = dockerfile()
regional = yaml.safe_load(open(os.path.join(tmp, "regional.yaml")))
central = yaml.safe_load(open(os.path.join(tmp, "central.yaml")))
check("regional", regional, known, targets, ["gateway"])
check("central", central, known, targets, ["gateway", "central"])
libraries_packaged(packages, targets)
if errors:
    print("\n".join(errors))
    sys.exit(1)
plan({"regional": regional, "central": central})
EOF
"$py" "$tmp/plan.py" "$src" "$bin" "$tmp" || fail "the compose files (above)"
echo "ok: compose files valid; binaries, volumes, ports, keys, endpoints, image packages"

# --- 3. the processes of both files ---
# start PROJECT-SERVICE: the container's process through the image's
# entrypoint, with the container's environment and nothing else.
start() {
    local envs cmd
    mapfile -d '' envs <"$tmp/$1.env"
    mapfile -d '' cmd <"$tmp/$1.cmd"
    local pass=()
    for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
        [ -n "${!v:-}" ] && pass+=("$v=${!v}")
    done
    env -i PATH="$bin:/usr/bin:/bin" "${pass[@]}" "${envs[@]}" \
        "$compose/hcap-entrypoint" "${cmd[@]}" >"$tmp/$1.log" 2>&1 &
    pids+=($!)
    pid_of[$1]=$!
}

# healthy PROJECT-SERVICE: the container's healthcheck, as Docker runs it.
healthy() {
    local args
    mapfile -d '' args <"$tmp/$1.health"
    timeout 5 "$compose/hcap-healthcheck" "${args[@]}" 2>/dev/null
}

# value PROJECT-SERVICE VAR: a variable of the container's environment.
value() {
    local var
    while IFS= read -r -d '' var; do
        [ "${var%%=*}" = "$2" ] && echo "${var#*=}" && return
    done <"$tmp/$1.env"
    fail "$1 has no $2"
}

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 100 ms until it passes.
wait_for() {
    local until=$((SECONDS + $1)) what=$2
    shift 2
    until "$@"; do
        [ "$SECONDS" -lt "$until" ] || fail "$what"
        sleep 0.1
    done
}

# api URL [TOKEN [BODY [EXPR]]]: an HTTP request (POST when BODY is given),
# printing EXPR of the JSON reply `r` (default: the reply). Fails on an
# HTTP error. (Python's library, not curl and jq: the test needs only what
# docker-compose brings.)
cat >"$tmp/api.py" <<'EOF'
import json, sys, urllib.request
url, token, body, expr = (sys.argv[1:] + ["", "", "r"])[:4]
req = urllib.request.Request(url, data=body.encode() if body else None)
if token:
    req.add_header("Authorization", "Bearer " + token)
req.add_header("Content-Type", "application/json")
with urllib.request.urlopen(req, timeout=5) as reply:
    print(eval(expr or "r", {"r": json.load(reply)}))
EOF
api() { "$py" "$tmp/api.py" "$@" 2>/dev/null; }

central_http=http://$(value central-gateway HCAP_GATEWAY_HTTP)
region_http=http://$(value regional-gateway HCAP_GATEWAY_HTTP)

for svc in gateway central reporting; do start "central-$svc"; done
wait_for 15 "central: the gateway's healthcheck" healthy central-gateway
# What the central operator hands to the regions.
cp "$(value central-central HCAP_NODE_DATA)/node.pub" "$tmp/central-node.pub"

# The uplink first: its key pair, made by the entrypoint, is filed at central
# under the region's node id as soon as it exists, so that its first
# connection is let in (else it waits for its ack timeout to try again).
start regional-uplink
uplink_data=$(value regional-uplink HCAP_NODE_DATA)
wait_for 5 "the uplink's entrypoint made no node.pub" test -s "$uplink_data/node.pub"
cp "$uplink_data/node.pub" "$tmp/nodes/$node_id.pub"
for svc in gateway enrollment credentialing apprenticeship reporting \
    reporting-replica-1 reporting-replica-2; do
    start "regional-$svc"
done
wait_for 15 "region: the gateway's healthcheck" healthy regional-gateway
[ -s "$uplink_data/uplink.secret" ] || fail "the uplink made no uplink.secret"
[ "$(stat -c %a "$uplink_data/node.key")" = 600 ] || fail "the uplink's node.key is not mode 0600"

# The gateway is healthy once every primary is live; the replicas register
# on their own time.
two_replicas() {
    [ "$(api "$region_http/healthz" "" "" \
        "[s['replicas'] for s in r['services'] if s['name'] == 'reporting']")" = "[2]" ]
}
wait_for 15 "region /healthz: reporting has not two replicas" two_replicas
for plan in "$tmp"/*.health; do
    name=$(basename "$plan" .health)
    wait_for 5 "$name: healthcheck" healthy "$name"
done
echo "ok: central and the region are up, every healthcheck passes"

# hcapctl in the gateway's container, as docs/operations.md shows it.
gw_data=$(value regional-gateway HCAP_NODE_DATA)
"$bin/hcapctl" --node "$gw_data" status >/dev/null || fail "hcapctl --node DATA status in the gateway"

token=$(cat "$(value regional-gateway HCAP_GATEWAY_ADMIN_TOKEN_FILE)")
post() { api "$region_http$1" "$token" "$2" "r['id']"; }
worker=$(post /v1/workers '{"given_name":"Ana","family_name":"Ruiz","gender":"female","employment_status":"incumbent"}')
program=$(post /v1/programs '{"code":"CNA-1","name":"CNA","kind":"credential_training"}')
cohort=$(post /v1/cohorts "{\"program_id\":\"$program\",\"name\":\"Spring\",\"start_date\":\"2026-03-01\",\"capacity\":10}")
post /v1/enrollments "{\"worker_id\":\"$worker\",\"cohort_id\":\"$cohort\"}" >/dev/null ||
    fail "cannot enroll a worker through the gateway"

# Reads go to the least recently used of the primary and its two replicas:
# six reports in a row ask each of them twice.
participants() {
    api "$region_http/v1/reports/outcomes?by=gender" "$token" "" \
        "[g['participants'] for g in r['rows'] if g['group'] == 'female']"
}
all_count_her() {
    for _ in 1 2 3 4 5 6; do [ "$(participants)" = "[1]" ] || return 1; done
}
wait_for 10 "the worker in the outcomes of every reporting instance" all_count_her
echo "ok: a worker enrolled through the gateway counts in every reporting instance"

central_events() {
    [ "$(api "$central_http/healthz" "" "" \
        "[n['events'] >= 4 and n['allowed'] for n in r['nodes'] if n['node'] == '$node_id']")" = "[True]" ]
}
wait_for 15 "central: the region's events" central_events
echo "ok: the region's uplink feeds central"

# Stopped processes make their healthchecks fail.
stop() {
    kill "${pid_of[$1]}"
    wait "${pid_of[$1]}" 2>/dev/null || true
}
for svc in enrollment reporting-replica-1 reporting-replica-2; do stop "regional-$svc"; done
unhealthy() { ! healthy "$1"; }
wait_for 5 "a stopped enrollment still passes its healthcheck" unhealthy regional-enrollment
wait_for 5 "the node without enrollment still passes the gateway's healthcheck" unhealthy regional-gateway
wait_for 5 "stopped replicas still pass their healthcheck" unhealthy regional-reporting-replica-1
healthy regional-reporting || fail "the reporting primary's healthcheck fails without its replicas"
echo "ok: the healthchecks of stopped processes fail"
