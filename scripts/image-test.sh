#!/usr/bin/env bash
# Builds the container image, starts it on a fresh volume and checks that
# /healthz answers 200 and Docker reports the container healthy (its
# HEALTHCHECK runs `zapflow healthcheck`). Not part of `make test`: it
# needs a Docker daemon. Usage: scripts/image-test.sh [tag]
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-zapflow:image-test}
name=zapflow-image-test-$$
volume=$name-data
port=${ZAPFLOW_IMAGE_TEST_PORT:-18080}

cleanup() {
	docker rm -f "$name" >/dev/null 2>&1 || true
	docker volume rm "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT

docker build -t "$tag" --build-arg VERSION=image-test --build-arg COMMIT="$(git rev-parse HEAD 2>/dev/null || true)" .
docker run --rm --entrypoint /zapflow "$tag" version
docker volume create "$volume" >/dev/null
docker run -d --name "$name" -p "127.0.0.1:$port:8080" -v "$volume:/data" \
	-e ZAPFLOW_SANDBOX=false "$tag" >/dev/null

for i in $(seq 1 60); do
	if curl -fsS "http://127.0.0.1:$port/healthz"; then
		echo
		break
	fi
	if [ "$i" = 60 ]; then
		echo "no 200 from /healthz within 60s" >&2
		docker logs "$name" >&2
		exit 1
	fi
	sleep 1
done

[ "$(docker exec "$name" /zapflow version | cut -d' ' -f2)" = image-test ] || { echo "version not stamped" >&2; exit 1; }
user=$(docker inspect -f '{{.Config.User}}' "$name")
[ "$user" = 65532:65532 ] || { echo "runs as $user, not the unprivileged user" >&2; exit 1; }

for i in $(seq 1 90); do
	health=$(docker inspect -f '{{.State.Health.Status}}' "$name")
	[ "$health" = healthy ] && break
	if [ "$i" = 90 ]; then
		echo "container not healthy within 90s (status $health)" >&2
		docker inspect -f '{{json .State.Health}}' "$name" >&2
		exit 1
	fi
	sleep 1
done
echo "image $tag: /healthz 200, container healthy, user $user"
