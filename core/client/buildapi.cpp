#include "buildapi.h"

#include "responsestream.h"

#include <QFileDevice>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cerrno>

namespace Berth::Client {

namespace {

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QString compactJson(const QJsonArray &array)
{
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

} // namespace

Request BuildRequest::toRequest() const
{
    // The order of the docker client's imageBuildOptionsToQuery.
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/build");
    request.contentType = "application/x-tar";
    QUrlQuery &query = request.query;
    for (const QString &tag : tags)
        query.addQueryItem(QStringLiteral("t"), tag);
    for (const QString &host : extraHosts)
        query.addQueryItem(QStringLiteral("extrahosts"), host);
    if (quiet)
        query.addQueryItem(QStringLiteral("q"), QStringLiteral("1"));
    if (noCache)
        query.addQueryItem(QStringLiteral("nocache"), QStringLiteral("1"));
    if (!remove)
        query.addQueryItem(QStringLiteral("rm"), QStringLiteral("0"));
    if (forceRemove)
        query.addQueryItem(QStringLiteral("forcerm"), QStringLiteral("1"));
    if (pull)
        query.addQueryItem(QStringLiteral("pull"), QStringLiteral("1"));
    if (!networkMode.isEmpty() && networkMode != QLatin1String("default"))
        query.addQueryItem(QStringLiteral("networkmode"), networkMode);
    if (!dockerfile.isEmpty())
        query.addQueryItem(QStringLiteral("dockerfile"), dockerfile);
    if (!target.isEmpty())
        query.addQueryItem(QStringLiteral("target"), target);
    if (!buildArgs.isEmpty()) {
        QJsonObject args;
        for (auto it = buildArgs.cbegin(); it != buildArgs.cend(); ++it)
            args.insert(it.key(), it.value() ? QJsonValue(*it.value()) : QJsonValue(QJsonValue::Null));
        query.addQueryItem(QStringLiteral("buildargs"), compactJson(args));
    }
    if (!labels.isEmpty()) {
        QJsonObject object;
        for (auto it = labels.cbegin(); it != labels.cend(); ++it)
            object.insert(it.key(), it.value());
        query.addQueryItem(QStringLiteral("labels"), compactJson(object));
    }
    if (!cacheFrom.isEmpty())
        query.addQueryItem(QStringLiteral("cachefrom"), compactJson(QJsonArray::fromStringList(cacheFrom)));
    if (!platform.isEmpty())
        query.addQueryItem(QStringLiteral("platform"), platform.toLower());
    query.addQueryItem(QStringLiteral("version"), QStringLiteral("1"));
    request.headers.set("X-Registry-Config",
                        QJsonDocument(registryConfig).toJson(QJsonDocument::Compact).toBase64(QByteArray::Base64UrlEncoding));
    return request;
}

std::optional<BuildStep> BuildStep::fromJson(const QJsonObject &o)
{
    if (!o.value(QStringLiteral("step")).isDouble())
        return std::nullopt;
    BuildStep step;
    step.index = o.value(QStringLiteral("step")).toInt();
    step.total = o.value(QStringLiteral("total")).toInt();
    step.line = o.value(QStringLiteral("line")).toInt();
    step.instruction = o.value(QStringLiteral("instruction")).toString();
    step.cached = o.value(QStringLiteral("cached")).toBool();
    step.imageId = o.value(QStringLiteral("image")).toString();
    step.layerDigest = o.value(QStringLiteral("layer")).toString();
    step.layerSize = qint64(o.value(QStringLiteral("layerSize")).toDouble());
    step.durationMs = qint64(o.value(QStringLiteral("durationMs")).toDouble());
    return step;
}

// Passes the context through, counting it, and tells when it ended.
class BuildJob::CountingDevice : public QIODevice
{
public:
    CountingDevice(QIODevice *source, std::function<void(qint64)> ended)
        : m_source(source)
        , m_ended(std::move(ended))
    {
        connect(source, &QIODevice::readyRead, this, [this] { emit readyRead(); });
        connect(source, &QIODevice::readChannelFinished, this, [this] { emit readChannelFinished(); });
        QIODevice::open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    }

    bool isSequential() const override { return true; }
    bool atEnd() const override { return m_end; }
    qint64 bytesAvailable() const override { return m_source->bytesAvailable(); }
    qint64 count() const { return m_count; }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        if (m_end)
            return 0;
        const qint64 n = m_source->read(data, maxSize);
        if (n < 0) {
            setErrorString(m_source->errorString().isEmpty() ? QStringLiteral("read the build context failed")
                                                             : m_source->errorString());
            return -1;
        }
        m_count += n;
        // A blocking file (stdin, a pipe) that reads nothing has ended, as
        // have other devices that say so.
        if (n == 0 && (m_source->atEnd() || qobject_cast<QFileDevice *>(m_source))) {
            m_end = true;
            if (m_ended)
                m_ended(m_count);
        }
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QIODevice *m_source;
    std::function<void(qint64)> m_ended;
    qint64 m_count = 0;
    bool m_end = false;
};

BuildJob::BuildJob(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<Berth::Client::BuildStep>("Berth::Client::BuildStep");
}

BuildJob::~BuildJob()
{
    if (m_stream)
        m_stream->cancel();
    delete m_stream.data();
}

BuildJob *BuildJob::start(EngineClient *client, QIODevice *context, const BuildRequest &request, QObject *parent)
{
    auto *job = new BuildJob(parent);
    job->m_quiet = request.quiet;
    if (!client) {
        job->finishLater(Error(ErrorCode::Unavailable, "POST /build: not connected to the engine"));
        return job;
    }
    if (!context || !context->isReadable()) {
        job->finishLater(Error(ErrorCode::InvalidArgument, "POST /build: the build context is not open for reading"));
        return job;
    }
    QPointer<BuildJob> guard(job);
    job->m_body = std::make_unique<CountingDevice>(context, [guard](qint64 bytes) {
        if (!guard)
            return;
        guard->m_contextBytes = bytes;
        emit guard->contextSent(bytes);
    });
    Request http = request.toRequest();
    http.bodyDevice = job->m_body.get();
    job->m_stream = client->openStream(http, nullptr);
    connect(job->m_stream, &ResponseStream::data, job, &BuildJob::onData);
    connect(job->m_stream, &ResponseStream::finished, job, &BuildJob::finish);
    return job;
}

void BuildJob::onData(const QByteArray &bytes)
{
    if (m_finished)
        return;
    m_splitter.append(bytes);
    while (!m_finished) {
        auto next = m_splitter.next();
        if (!next) {
            if (m_stream)
                m_stream->cancel();
            finish(fail(std::move(next.error()).wrap("POST /build")));
            return;
        }
        if (!next->has_value())
            return;
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(**next, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
            if (m_stream)
                m_stream->cancel();
            finish(fail(ErrorCode::Protocol, "POST /build: undecodable message: " + pe.errorString().toStdString()));
            return;
        }
        handle(doc.object());
    }
}

void BuildJob::handle(const QJsonObject &m)
{
    const QJsonObject detail = m.value(QStringLiteral("errorDetail")).toObject();
    if (!detail.isEmpty() || m.contains(QStringLiteral("error"))) {
        // docker stops at the first error.
        if (m_engineError)
            return;
        QString text = detail.value(QStringLiteral("message")).toString();
        if (text.isEmpty())
            text = m.value(QStringLiteral("error")).toString();
        const int code = detail.value(QStringLiteral("code")).toInt();
        m_exitCode = code != 0 ? code : 1;
        m_failedInStream = true;
        m_engineError = Error(ErrorCode::InvalidArgument, text.toStdString());
        return;
    }
    if (m_engineError)
        return; // docker's display ends at the error
    if (m.contains(QStringLiteral("aux"))) {
        const QJsonObject aux = m.value(QStringLiteral("aux")).toObject();
        if (aux.contains(QStringLiteral("berth.step"))) {
            if (auto step = BuildStep::fromJson(aux.value(QStringLiteral("berth.step")).toObject())) {
                m_steps.append(*step);
                emit stepFinished(*step);
            }
        } else if (aux.value(QStringLiteral("ID")).isString()) {
            m_imageId = aux.value(QStringLiteral("ID")).toString();
            emit imageBuilt(m_imageId);
        }
        return;
    }
    emit message(m);
    if (!m.contains(QStringLiteral("stream")))
        return;
    const QString text = m.value(QStringLiteral("stream")).toString();
    m_streamText += text;
    if (m_quiet) {
        // q=1: the one stream line is the image ID.
        const QString id = text.trimmed();
        static const QRegularExpression idPattern(QStringLiteral("^sha256:[0-9a-f]{64}$"));
        if (idPattern.match(id).hasMatch() && m_imageId != id) {
            m_imageId = id;
            emit imageBuilt(id);
        }
    }
    emit output(text);
    // "Step N/M : X" arrives without its newline (that comes as "\n").
    static const QRegularExpression stepPattern(QStringLiteral("^Step (\\d+)/(\\d+) : (.*)$"));
    const bool startsLine = m_partialLine.isEmpty();
    m_partialLine += text;
    if (startsLine) {
        const auto match = stepPattern.match(text.section(QLatin1Char('\n'), 0, 0));
        if (match.hasMatch())
            emit stepStarted(match.captured(1).toInt(), match.captured(2).toInt(), match.captured(3));
    }
    if (!m_partialLine.contains(QLatin1Char('\n')))
        return;
    QStringList complete = m_partialLine.split(QLatin1Char('\n'));
    m_partialLine = complete.takeLast();
    emit lines(complete);
}

void BuildJob::cancel()
{
    if (m_finished)
        return;
    finish(fail(ErrorCode::Io, "build: cancelled", ECANCELED));
    if (m_stream)
        m_stream->cancel();
}

void BuildJob::finishLater(const Error &error)
{
    QMetaObject::invokeMethod(this, [this, error] { finish(fail(error)); }, Qt::QueuedConnection);
}

void BuildJob::finish(const Status &result)
{
    if (m_finished)
        return;
    Status outcome = result;
    if (outcome && m_engineError)
        outcome = fail(*m_engineError);
    if (outcome && !m_splitter.isIdle())
        outcome = fail(ErrorCode::Protocol, "POST /build: the stream ended inside a message");
    if (!outcome && m_exitCode == 0)
        m_exitCode = 1;
    if (!m_partialLine.isEmpty()) {
        emit lines({m_partialLine});
        m_partialLine.clear();
    }
    m_finished = true;
    emit finished(outcome);
}

} // namespace Berth::Client
