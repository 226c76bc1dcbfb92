FROM busybox
VOLUME ["/data", ""]
