FROM busybox
CMD ["echo", 1, true]
