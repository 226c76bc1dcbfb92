#pragma once

#include "clientmetatypes.h"
#include "engineclient.h"
#include "jsonsplitter.h"

#include <base/result.h>

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class QIODevice;

namespace Berth::Client {

class ResponseStream;

// The options of POST /build (engine-api.md 7.16), as the docker CLI sends
// them for the classic builder.
struct BuildRequest
{
    QStringList tags;                                 // t, repeated
    QString dockerfile;                               // context-relative; empty: the engine's default
    QMap<QString, std::optional<QString>> buildArgs;  // buildargs; nullopt: JSON null ("K" without a value)
    QMap<QString, QString> labels;                    // labels
    QString target;
    bool noCache = false;
    bool pull = false;
    bool quiet = false;       // q=1: the engine sends nothing but the image ID
    bool remove = true;       // rm=0 when false
    bool forceRemove = false; // forcerm=1
    QString platform;
    QString networkMode;
    QStringList extraHosts;
    QStringList cacheFrom;
    // X-Registry-Config: registry host -> auth config object ({} when empty).
    QJsonObject registryConfig;

    // The HTTP request (query, headers, content type) without the body.
    Request toRequest() const;
};

// One finished build step, from Berth's {"aux":{"berth.step":{...}}} line
// (core/daemon/buildroutes.h): what the desktop app shows next to the
// Dockerfile line.
struct BuildStep
{
    int index = 0;           // 1-based
    int total = 0;
    int line = 0;            // the instruction's Dockerfile line (1-based)
    QString instruction;     // "COPY . /app"
    bool cached = false;     // "Using cache"
    QString imageId;         // "sha256:..." after the step
    QString layerDigest;     // diff-id of the layer the step made; empty: none
    qint64 layerSize = 0;
    qint64 durationMs = 0;

    static std::optional<BuildStep> fromJson(const QJsonObject &object);
};

// One build on the engine: POST /build with the context streamed from a
// QIODevice (a BuildContextPacker, a tar file, stdin) as a chunked body
// while the socket drains, then the engine's JSON-message stream decoded
// into signals as it comes. Cancellable: cancel() (or destroying the job)
// closes the connection, which makes berthd stop the build, kill the
// running step's container and tag nothing.
//
// Signals arrive in the client's thread, in stream order:
// contextSent() once the whole context went out, then for each engine
// message: message() (every non-aux object, as docker's display needs it),
// output() and lines() for "stream" text, stepStarted() when a
// "Step N/M : X" line begins, stepFinished() for Berth's step events,
// imageBuilt() for the final ID; finished() exactly once.
class BuildJob : public QObject
{
    Q_OBJECT
public:
    ~BuildJob() override;

    // `context` is not owned and must outlive the job; it is read as the
    // socket drains, to its end.
    static BuildJob *start(EngineClient *client, QIODevice *context, const BuildRequest &request,
                           QObject *parent = nullptr);

    bool isFinished() const { return m_finished; }
    // "sha256:<64 hex>" once known (aux ID, or the q=1 stream line).
    QString imageId() const { return m_imageId; }
    const QList<BuildStep> &steps() const { return m_steps; }
    qint64 contextBytes() const { return m_contextBytes; }
    // True when the engine reported the failure inside the stream
    // (errorDetail: a failed step) rather than refusing the request.
    bool failedInStream() const { return m_failedInStream; }
    // docker's exit code for the failure: errorDetail.code (a failed RUN's
    // exit code), else 1; 0 when the build succeeded or is running.
    int exitCode() const { return m_exitCode; }
    // Everything the engine sent as "stream" text, for q=1 callers that
    // print it on failure.
    QString streamText() const { return m_streamText; }

    // Closes the connection; finishes with an Io error carrying ECANCELED.
    void cancel();

signals:
    void contextSent(qint64 bytes);
    void message(const QJsonObject &message);
    void output(const QString &text);
    void lines(const QStringList &lines);
    void stepStarted(int step, int total, const QString &instruction);
    void stepFinished(const Berth::Client::BuildStep &step);
    void imageBuilt(const QString &imageId);
    void finished(const Berth::Status &result);

private:
    explicit BuildJob(QObject *parent);
    void onData(const QByteArray &bytes);
    void handle(const QJsonObject &object);
    void finish(const Status &result);
    void finishLater(const Error &error);

    class CountingDevice;
    std::unique_ptr<CountingDevice> m_body;
    QPointer<ResponseStream> m_stream;
    JsonSplitter m_splitter;
    QString m_partialLine;
    QString m_streamText;
    QString m_imageId;
    QList<BuildStep> m_steps;
    std::optional<Error> m_engineError;
    qint64 m_contextBytes = 0;
    int m_exitCode = 0;
    bool m_quiet = false;
    bool m_failedInStream = false;
    bool m_finished = false;
};

} // namespace Berth::Client

Q_DECLARE_METATYPE(Berth::Client::BuildStep)
