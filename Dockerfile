# One build, two service images (no copy-pasted twins), each named and built once:
#   docker build --target teacher-service -t distill/teacher-service .
#   docker build --target student-trainer -t distill/student-trainer .
# Both run the `distill` command; the PyTorch natives ship inside the pytorch-native-cpu jar, so nothing is
# downloaded when a container starts.
#
# Build arguments (the defaults are the public images):
#   BUILD_IMAGE    a JDK 17 with Maven, for the build stage
#   RUNTIME_IMAGE  a Debian-based JRE 17 (java on the PATH)
#   JARS           build: compile inside the build stage (default); prebuilt: take cli/target/distill.jar and
#                  cli/target/lib from the build context, as made by `mvn package -pl cli -am` on the host
#                  (the compose test uses this, with a JRE image made by deploy/base-image.sh)
#
# Platforms: linux/amd64 and linux/arm64. BuildKit sets TARGETARCH from --platform (default: the builder's own);
# the build stage runs on the builder's platform (Java bytecode is the same everywhere) and only picks the PyTorch
# natives of the target, so `docker buildx build --platform linux/arm64 ...` needs no emulation to compile. With
# JARS=prebuilt, the host's jars must have been built for the target: the runtime stage checks that they were.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre
ARG JARS=build

FROM --platform=${BUILDPLATFORM} ${BUILD_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
# The Maven repository lives in a BuildKit cache, so a rebuild downloads nothing it already has.
RUN --mount=type=cache,target=/root/.m2 \
    classifier="$(sh deploy/native-platform.sh "${TARGETARCH}")" \
 && mvn -B -q -DskipTests -Dspotless.check.skip=true -Dpytorch.native.classifier="$classifier" package -pl cli -am \
 && mkdir -p /out \
 && cp -r cli/target/lib cli/target/distill.jar /out/

FROM scratch AS prebuilt
COPY cli/target/lib /out/lib
COPY cli/target/distill.jar /out/distill.jar

FROM ${JARS} AS jars

FROM ${RUNTIME_IMAGE} AS runtime
ARG TARGETARCH
# jemalloc: with glibc malloc, page faults took 25-40% of a large training step. The mount points of the volumes
# (/models, /checkpoints, /data) exist in the image, owned by the service user, so that Docker gives new named
# volumes that owner instead of root.
RUN if ! dpkg -s libjemalloc2 curl >/dev/null 2>&1; then \
      apt-get update \
      && apt-get install -y --no-install-recommends libjemalloc2 curl \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
 && ln -s "$(dpkg -L libjemalloc2 | grep '/libjemalloc\.so\.2$')" /usr/local/lib/libjemalloc.so.2 \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin distill \
 && mkdir -p /app/cache /data /models /checkpoints \
 && chown -R distill /app/cache /data /models /checkpoints
WORKDIR /app
COPY --from=jars /out/lib /app/lib
COPY --from=jars /out/distill.jar /app/distill.jar
COPY deploy/native-platform.sh /tmp/native-platform.sh
# The PyTorch natives must be this image's: prebuilt jars from a host of another platform would fail at run time.
RUN classifier="$(sh /tmp/native-platform.sh "${TARGETARCH:-$(dpkg --print-architecture)}")" \
 && if ! ls /app/lib/pytorch-native-cpu-*-"$classifier".jar >/dev/null 2>&1; then \
      echo "the jars have no PyTorch natives for $classifier: build them with -Dpytorch.native.classifier=$classifier" >&2; \
      exit 1; \
    fi \
 && rm /tmp/native-platform.sh
COPY deploy/healthcheck.sh /app/healthcheck
# -XX:+ExitOnOutOfMemoryError: a service out of heap exits, and its restart policy starts it again, rather than
# limping on with threads dead.
ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2 \
    MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 \
    DJL_CACHE_DIR=/app/cache/djl \
    ENGINE_CACHE_DIR=/app/cache/djl \
    OPT_OUT_TRACKING=true \
    JAVA_TOOL_OPTIONS="-Dai.djl.offline=true -XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
USER distill

FROM runtime AS teacher-service
ENV DISTILL_HTTP_PORT=8080 DISTILL_HTTP_HOST=0.0.0.0
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=120s --retries=3 CMD ["/app/healthcheck"]
ENTRYPOINT ["java", "-jar", "/app/distill.jar", "teacher"]

FROM runtime AS student-trainer
ENV DISTILL_HTTP_PORT=8081 DISTILL_HTTP_HOST=0.0.0.0
EXPOSE 8081
HEALTHCHECK --interval=5s --timeout=3s --start-period=120s --retries=3 CMD ["/app/healthcheck"]
ENTRYPOINT ["java", "-jar", "/app/distill.jar", "train"]
