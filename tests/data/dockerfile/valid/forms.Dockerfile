FROM busybox
# JSON (exec) form and shell form of every instruction that has both.
RUN echo shell form
RUN ["echo", "exec", "form"]
RUN [ "echo", "spaces inside the brackets" ]
RUN ["echo", "unicode \u00e9 and escapes \" \\ \t"]
# Not valid JSON: docker runs these in shell form.
RUN ['echo', 'single quotes']
RUN [echo, unquoted]
RUN ["echo", "trailing comma",]
CMD echo shell cmd
CMD ["echo", "exec cmd"]
CMD []
ENTRYPOINT echo shell entrypoint
ENTRYPOINT ["/bin/echo"]
COPY ["a file with spaces", "/dst dir/"]
COPY a b c /dst/
ADD ["http://example.invalid/x.tar.gz", "/x/"]
HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]
HEALTHCHECK --interval=5s NONE
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN echo "now with bash: ${BASH_VERSION}"
