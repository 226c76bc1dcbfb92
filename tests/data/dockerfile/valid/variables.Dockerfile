FROM busybox
ENV BASE=/opt EMPTY=
ENV A=${BASE}/a B=$BASE/b C=${UNSET:-default} D=${BASE:+set} E=${EMPTY:-empty-default} F=${EMPTY-kept-empty}
ENV G=${UNSET+never} H=${BASE+plus} I=\$BASE J='$BASE' K="$BASE" L=${BASE}${BASE}
ENV FILE=archive.tar.gz
ENV STEM=${FILE%%.*} EXT=${FILE#*.} LAST=${FILE##*.} DIR=${BASE/opt/srv}
ARG VERSION=1.0
ARG DERIVED=v${VERSION}-${BASE}
ENV VERSION=2.0
LABEL version=$VERSION derived=$DERIVED
WORKDIR ${BASE}/work
USER ${UNSET:-nobody}
EXPOSE ${PORT:-8080}
VOLUME ${BASE}/data
STOPSIGNAL ${SIG:-SIGINT}
COPY ${FILE} ${BASE}/
RUN echo $BASE ${VERSION} $DERIVED
CMD echo $BASE
