FROM busybox
RUN <<EOF
echo this never ends
EOFX
