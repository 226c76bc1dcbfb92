FROM busybox
ENTRYPOINT ["sh", ["-c"]]
