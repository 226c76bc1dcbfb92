# syntax=docker/dockerfile:1
ARG BASE=busybox
ARG TAG=1.36

# The base stage.
FROM --platform=linux/amd64 ${BASE}:${TAG} AS base
LABEL org.opencontainers.image.title="berth test" version=1.0
MAINTAINER Berth Tests <tests@example.invalid>
ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root
ENV LEGACY value with spaces
ARG TAG
ARG USERNAME=app
RUN echo "tag is $TAG" && adduser -D ${USERNAME}
RUN ["/bin/sh", "-c", "echo exec form"]
COPY --chown=1000:1000 --chmod=0644 app.conf /etc/app/
ADD --chown=${USERNAME} rootfs.tar.gz /opt/
EXPOSE 8080 9090/udp
WORKDIR /srv
WORKDIR data
USER ${USERNAME}:users
VOLUME ["/var/lib/app", "/var/log/app"]
VOLUME /cache /tmp/x
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=1m30s --retries=3 CMD wget -q -O- http://localhost:8080/ || exit 1
SHELL ["/bin/sh", "-ec"]
ONBUILD COPY . /app/src
ONBUILD RUN make -C /app/src
ENTRYPOINT ["/usr/bin/app"]
CMD ["--serve", "--port=8080"]
