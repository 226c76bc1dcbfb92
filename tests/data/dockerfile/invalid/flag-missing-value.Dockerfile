FROM busybox
COPY --chown /a /b
