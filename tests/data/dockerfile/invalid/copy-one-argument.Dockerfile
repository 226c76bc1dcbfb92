FROM busybox
WORKDIR /app
ENV A=1

# copy the configuration
RUN echo ok
COPY config.yaml
CMD ["app"]
