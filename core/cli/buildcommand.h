#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace Berth::Cli {

class CommandRegistry;

// `berth build` (also `berth image build`): the docker CLI's classic
// builder front end. The context (a directory packed as the CLI packs it,
// or a tar / a Dockerfile on stdin with `-`) streams to POST /build while
// it is packed; the engine's messages are printed as docker prints them on
// a non-terminal, so the output matches `DOCKER_BUILDKIT=0 docker build`
// byte for byte (without docker's deprecation notice). A failed step exits
// with the engine's code (a failed RUN's exit code, else 1), as docker.
void registerBuildCommand(CommandRegistry &registry);

namespace BuildOutput {
// What docker's jsonmessage Display prints for one message on a
// non-terminal (stream text verbatim, "id: status\n", progress skipped),
// aux and error objects excluded.
QString displayMessage(const QJsonObject &message);
// The classic CLI's last upload progress line on a non-terminal:
// "Sending build context to Docker daemon  3.072kB\r\r\n".
QString sendingContextLine(qint64 bytes);
// Go's tar.Reader judging the first bytes of stdin: a compressed stream
// or a readable tar header means a context archive, anything else is a
// Dockerfile (build.IsArchive).
bool isArchive(const QByteArray &head);
} // namespace BuildOutput

} // namespace Berth::Cli
