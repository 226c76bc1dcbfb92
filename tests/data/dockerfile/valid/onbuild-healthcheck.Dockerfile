FROM busybox
ONBUILD ADD . /app/src
ONBUILD RUN cd /app/src && make
ONBUILD ENV X=1
healthcheck --interval=1m --timeout=10s --start-interval=500ms CMD curl -f http://localhost/ || exit 1
HEALTHCHECK --retries=5 CMD ["/bin/check", "--quick"]
HEALTHCHECK NONE
