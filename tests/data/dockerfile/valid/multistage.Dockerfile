ARG GO_VERSION=1.22
ARG ALPINE=3.19
ARG UNUSED

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine${ALPINE} AS build
ARG GO_VERSION
ARG TARGETOS=linux
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS go build -o /out/app .

FROM alpine:${ALPINE} as certs
RUN apk add --no-cache ca-certificates

FROM build AS test
RUN go test ./...

FROM scratch
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/app /app
COPY --from=0 /src/README.md /
COPY --from=docker.io/library/busybox:latest /bin/busybox /bin/
ENTRYPOINT ["/app"]
