FROM busybox
RUN echo crlf \
    continued
RUN <<EOF
echo heredoc
EOF
CMD ["echo", "done"]
