# syntax=docker/dockerfile:1
FROM busybox
ARG NAME=world
RUN <<EOF
echo "hello $NAME"
echo second line
EOF
RUN <<-EOT bash
	echo "tabs are removed"
		echo "all of them"
	EOT
RUN <<'RAW' cat > /tmp/raw
no $EXPANSION here
RAW
RUN python3 <<PY && echo done
print("hi")
PY
RUN 3<<FD3 cat <&3
file descriptor three
FD3
COPY <<A.txt <<B.txt /dest/
contents of a
A.txt
contents of b
B.txt
COPY --chmod=0755 <<"run.sh" /usr/local/bin/run.sh
#!/bin/sh
exec "$@"
run.sh
RUN echo "not a heredoc: a<<b" && cat <<< "here string"
RUN ["echo", "<<JSON never reads heredocs"]
ONBUILD RUN <<EOF
echo onbuild heredoc
EOF
