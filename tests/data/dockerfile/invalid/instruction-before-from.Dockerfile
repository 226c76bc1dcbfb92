ARG V=1
RUN echo too early
FROM busybox
