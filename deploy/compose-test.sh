#!/usr/bin/env bash
# The compose test: docker-compose.yml started for real on this machine's Docker engine, with locally built images
# and every container on the host's network, on 127.0.0.1 (the override deploy/compose.ci.yml). Prints each check
# and exits non-zero on the first that fails. CI runs it through cli/src/test/java/io/distill/cli/ComposeIT.java.
#
#   deploy/compose-test.sh            # needs a running Docker engine, docker-compose (v1), debootstrap, Maven
#   KEEP=1 deploy/compose-test.sh     # leave the containers and volumes up afterwards
#
# Images: no registry is reachable, so the base is Debian from debootstrap with a JRE 17 (deploy/base-image.sh,
# built once), the distill images are the project's Dockerfile on that base with the jars built on the host, and
# Kafka is a stand-in for apache/kafka made of Kafka's own jars (deploy/ci/kafka), configured by the same
# KAFKA_* variables.
set -euo pipefail
# Pipelines into grep use grep -c, not grep -q: -q exits at the first match, and under pipefail the writer's
# SIGPIPE would then fail the check.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
project="${COMPOSE_PROJECT_NAME:-distill-ci}"
compose=(docker-compose -p "$project" -f docker-compose.yml -f deploy/compose.ci.yml)
bootstrap=127.0.0.1:39094 # Kafka's listener for the host's clients
student=student-1m
base_image=distill-ci/debian-jre17:bookworm
work="$(mktemp -d)"
started=$SECONDS

step() { printf '\n== %s [%ds]\n' "$*" $((SECONDS - started)); }
ok() { printf 'ok   %s\n' "$*"; }
diagnostics() {
  echo "---- docker-compose ps" >&2
  "${compose[@]}" ps >&2 || true
  for service in kafka teacher-init teacher-service student-trainer; do
    echo "---- last logs of $service" >&2
    "${compose[@]}" logs --no-color --tail 25 "$service" >&2 || true
  done
}
fail() {
  printf 'FAIL %s\n' "$*" >&2
  diagnostics
  exit 1
}
cleanup() {
  local status=$?
  if [[ -z "${KEEP:-}" ]]; then
    "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# Runs "$@" until it succeeds; fails the test after TIMEOUT seconds.
wait_for() {
  local what="$1" timeout="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what: not within ${timeout}s"
    sleep 2
  done
}

# `docker build` with BuildKit (the Dockerfile uses a cache mount): the CLI's buildx plugin, else a CLI with the
# built-in BuildKit client (Debian's docker.io 20.10 at /usr/bin/docker).
docker_build() {
  if docker buildx version >/dev/null 2>&1; then
    docker build "$@"
  elif [[ -x /usr/bin/docker ]] && DOCKER_BUILDKIT=1 /usr/bin/docker build --help 2>/dev/null | grep -c -- '--secret' >/dev/null; then
    DOCKER_BUILDKIT=1 /usr/bin/docker build "$@"
  else
    DOCKER_BUILDKIT=1 docker build "$@"
  fi
}

containers() { "${compose[@]}" ps -q "$1"; }
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1"; }
# All N containers of a service are healthy.
healthy() {
  local service="$1" want="${2:-1}" ids
  ids=$(containers "$service")
  [[ $(wc -w <<<"$ids") -eq "$want" ]] || return 1
  for id in $ids; do
    [[ "$(health "$id")" == healthy ]] || return 1
  done
}
all_healthy() { healthy kafka && healthy teacher-service "${1:-1}" && healthy student-trainer; }
kafka_tool() { "${compose[@]}" exec -T kafka "/opt/kafka/bin/$1.sh" --bootstrap-server 127.0.0.1:39092 "${@:2}"; }
records() { kafka_tool kafka-get-offsets --topic "$1" | awk -F: '{n += $3} END {print n + 0}'; }
has_records() { (($(records "$1") > 0)); }
latest_checkpoint() { ./distill checkpoints list -b "$bootstrap" --student "$student" --timeout 10s; }
# The version (vN) of the newest announced checkpoint.
latest_version() { latest_checkpoint 2>/dev/null | awk '{sub(/^v/, "", $2); print $2}'; }

step "images"
docker info >/dev/null 2>&1 || fail "no Docker engine answers (start one: dockerd --bridge=none --iptables=false)"
deploy/base-image.sh "$base_image"
if [[ ! -f cli/target/distill.jar || ! -d cli/target/lib ]]; then
  mvn -B -q -DskipTests -Dspotless.check.skip=true package -pl cli -am
fi
client_version=$(basename cli/target/lib/kafka-clients-*.jar .jar)
client_version="${client_version#kafka-clients-}"
image_version=$(sed -n 's/^ *image: apache\/kafka:\([^ ]*\).*/\1/p' docker-compose.yml | sort -u)
[[ "$image_version" == "$client_version" ]] ||
  fail "docker-compose.yml runs apache/kafka:$image_version but the clients are $client_version"
ok "apache/kafka:$image_version in docker-compose.yml is the Kafka client version"
for target in teacher-service student-trainer; do
  docker_build -q --network host -t "distill/$target" --target "$target" \
    --build-arg RUNTIME_IMAGE="$base_image" --build-arg JARS=prebuilt . >/dev/null
  ok "distill/$target built (Dockerfile on $base_image, jars from cli/target)"
done
tools="$HOME/.m2/repository/org/apache/kafka/kafka-tools/$client_version/kafka-tools-$client_version.jar"
[[ -f "$tools" ]] || mvn -B -q dependency:get -Dartifact="org.apache.kafka:kafka-tools:$client_version"
cp "$tools" deploy/ci/kafka/
docker_build -q --network host -t "distill-ci/kafka:$client_version" --build-arg BASE=distill/student-trainer \
  deploy/ci/kafka >/dev/null
ok "distill-ci/kafka:$client_version built: Kafka $client_version's own jars standing in for apache/kafka," \
  "configured by the same KAFKA_* variables"

step "up -d: everything healthy"
up_started=$SECONDS
"${compose[@]}" up -d 2>&1 | sed "s/^/  /" || fail "docker-compose up -d"
wait_for "kafka, teacher-service and student-trainer healthy" 300 all_healthy
ok "kafka, teacher-service and student-trainer healthy after $((SECONDS - up_started))s"

step "feed text: soft labels and a published checkpoint"
./distill feed -b "$bootstrap" README.md docs/*.md 2>&1 | tail -n 1 | sed 's/^/  /'
wait_for "soft labels on distill.soft-labels" 180 has_records distill.soft-labels
ok "$(records distill.soft-labels) soft-label records from $(records distill.text) text records"
wait_for "a checkpoint of $student announced" 300 latest_checkpoint
first_checkpoint=$((SECONDS - up_started))
ok "published: $(latest_checkpoint 2>/dev/null), ${first_checkpoint}s after up"

step "checkpoints pull from the host"
pulled=$(./distill checkpoints pull -b "$bootstrap" --student "$student" --out "$work/models") ||
  fail "checkpoints pull failed: $pulled"
[[ "$pulled" == *"sha256 verified"* ]] || fail "pull did not verify: $pulled"
[[ -n "$(ls -A "$work/models/$student")" ]] || fail "nothing unpacked under $work/models/$student"
# The artifact lives in Kafka (the default --artifact-store): the pull needed nothing but the broker.
latest_checkpoint 2>/dev/null | grep -c " kafka://distill.checkpoint-artifacts/$student/" >/dev/null ||
  fail "not announced in distill.checkpoint-artifacts"
ok "$pulled"

step "the trainer killed: restarted, resumed from its checkpoint"
# SIGKILL to the trainer's process from the host, as a crash or the kernel's OOM killer would. (`docker kill` is
# a manual stop to Docker, which then keeps the container down whatever its restart policy; the test checked.)
id=$(containers student-trainer)
restarts=$(docker inspect -f '{{.RestartCount}}' "$id")
kill -KILL "$(docker inspect -f '{{.State.Pid}}' "$id")"
restarted() { (($(docker inspect -f '{{.RestartCount}}' "$id") > restarts)) && healthy student-trainer; }
wait_for "the killed trainer restarted and healthy" 180 restarted
docker logs "$id" 2>&1 | grep -c "resuming student $student from checkpoint" >/dev/null ||
  fail "the restarted trainer did not resume from its checkpoint"
ok "restart count $restarts -> $(docker inspect -f '{{.RestartCount}}' "$id"):" \
  "$(docker logs "$id" 2>&1 | grep -o "resuming student $student from checkpoint.*step [0-9]*" | tail -n 1)"

step "--scale teacher-service=2: the input partitions split between two replicas"
"${compose[@]}" up -d --no-recreate --scale teacher-service=2 2>&1 | sed 's/^/  /'  || fail "docker-compose up --scale"
wait_for "two healthy teacher replicas" 240 all_healthy 2
# CONSUMER-ID of each distill.text partition of the teachers' group (columns: GROUP TOPIC PARTITION ... CONSUMER-ID).
owners() { kafka_tool kafka-consumer-groups --describe --group distill-teacher 2>/dev/null | awk '$2 == "distill.text" && $7 != "-" {print $3, $7}'; }
split_in_two() {
  split=$(owners)
  [[ $(wc -l <<<"$split") -eq 4 && $(awk '{print $2}' <<<"$split" | sort -u | wc -l) -eq 2 ]]
}
wait_for "the 4 partitions of distill.text owned by 2 consumers" 180 split_in_two
ok "the 4 partitions of distill.text, by owner (the teacher instance of each consumer):"
awk '{sub(/-StreamThread.*/, "", $2); print "     distill.text-" $1 " -> " $2}' <<<"$split" | sort -k3

step "down, then up: models and checkpoints kept"
before=$(latest_version)
"${compose[@]}" down 2>&1 | sed 's/^/  /' || fail "docker-compose down"
"${compose[@]}" up -d 2>&1 | sed 's/^/  /' || fail "docker-compose up -d again"
wait_for "everything healthy again" 300 all_healthy
"${compose[@]}" logs --no-color teacher-init | grep -c "teacher found" >/dev/null || fail "teacher-init made a new teacher"
ok "teacher-init found the teacher in the models volume"
resumed() { docker logs "$(containers student-trainer)" 2>&1 | grep -c "resuming student $student from checkpoint" >/dev/null; }
wait_for "the new trainer resuming from the checkpoints volume" 60 resumed
ok "the new trainer container resumed from the checkpoints volume"
after=$(latest_version)
((after >= before)) || fail "newest announced version went from $before to $after"
ok "newest announced version v$after (v$before before down)"

step "passed"
echo "up to first published checkpoint: ${first_checkpoint}s; whole test: $((SECONDS - started))s"
