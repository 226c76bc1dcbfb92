FROM busybox
# A continued RUN with comments and blank lines between its parts.
RUN apk add --no-cache \
        curl \
# a comment inside the continuation is dropped
        git \
\
    && echo done
RUN echo one \   
    two
ENV A=1 \
    B="two words" \
    C='single $A' \
    D="double $A" \
    E=escaped\ space
LABEL multi.line="first \
second"
  	RUN echo leading whitespace before the keyword
run echo lower-case keyword
EXPOSE 80 \
       443
