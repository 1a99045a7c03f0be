# zapflow container image: a static binary on distroless (CA certificates
# and time zones, no shell), running as an unprivileged user, data in /data.
#   docker build -t zapflow --build-arg VERSION=v1.0.0 --build-arg COMMIT=$(git rev-parse HEAD) .
#   docker run -p 8080:8080 -v zapflow-data:/data zapflow

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
ARG TARGETOS=linux
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/zapflow/zapflow/internal/app.Version=$VERSION -X main.commit=$COMMIT" \
      -o /out/zapflow ./cmd/zapflow \
 && mkdir -p /out/data && chmod 700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/zapflow /zapflow
# The volume's mount point, owned by the image's user (65532), so a new
# named volume starts owner-only.
COPY --from=build --chown=65532:65532 --chmod=0700 /out/data /data
USER 65532:65532
ENV ZAPFLOW_ADDR=0.0.0.0:8080 \
    ZAPFLOW_DATA_DIR=/data \
    ZAPFLOW_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
# No shell or curl in the image: the binary asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=6s --start-period=20s --retries=3 CMD ["/zapflow", "healthcheck"]
ENTRYPOINT ["/zapflow"]
CMD ["serve"]
