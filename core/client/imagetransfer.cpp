#include "imagetransfer.h"

#include "engineclient.h"
#include "jsonsplitter.h"
#include "responsestream.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <cerrno>

namespace Berth::Client {

namespace {
constexpr int ProgressIntervalMs = 200;
// The JSON-message replies of import and load are small; this bounds a rogue one.
constexpr qsizetype MaxReplyBytes = 1024 * 1024;

std::string kindName(ImageTransfer::Kind kind)
{
    switch (kind) {
    case ImageTransfer::Kind::Import:
        return "import";
    case ImageTransfer::Kind::Load:
        return "load";
    case ImageTransfer::Kind::Save:
        return "save";
    }
    return "transfer";
}
} // namespace

ImageTransfer::ImageTransfer(Kind kind, const QString &path, QObject *parent)
    : QObject(parent)
    , m_kind(kind)
    , m_path(path)
{
    m_progressTimer.setInterval(ProgressIntervalMs);
    connect(&m_progressTimer, &QTimer::timeout, this, &ImageTransfer::reportProgress);
}

ImageTransfer::~ImageTransfer()
{
    if (m_stream)
        m_stream->cancel();
    if (m_output)
        m_output->cancelWriting();
}

ImageTransfer *ImageTransfer::importFile(EngineClient *client, const QString &path, const QString &repository,
                                         const QStringList &changes, QObject *parent)
{
    auto *transfer = new ImageTransfer(Kind::Import, path, parent);
    QList<std::pair<QString, QString>> query{{QStringLiteral("fromSrc"), QStringLiteral("-")}};
    if (!repository.isEmpty())
        query.append({QStringLiteral("repo"), repository});
    for (const QString &change : changes)
        query.append({QStringLiteral("changes"), change});
    transfer->startUpload(client, "POST", QStringLiteral("/images/create"), query);
    return transfer;
}

ImageTransfer *ImageTransfer::loadFile(EngineClient *client, const QString &path, QObject *parent)
{
    auto *transfer = new ImageTransfer(Kind::Load, path, parent);
    transfer->startUpload(client, "POST", QStringLiteral("/images/load"), {});
    return transfer;
}

ImageTransfer *ImageTransfer::saveToFile(EngineClient *client, const QStringList &names, const QString &path,
                                         QObject *parent)
{
    auto *transfer = new ImageTransfer(Kind::Save, path, parent);
    transfer->startSave(client, names);
    return transfer;
}

void ImageTransfer::startUpload(EngineClient *client, const QByteArray &method, const QString &apiPath,
                                const QList<std::pair<QString, QString>> &query)
{
    m_input = std::make_unique<QFile>(m_path);
    if (!m_input->open(QIODevice::ReadOnly)) {
        const std::string why = QFileInfo::exists(m_path) ? m_input->errorString().toStdString()
                                                          : std::string("no such file or directory");
        finishLater(Error(ErrorCode::Io, "open " + m_path.toStdString() + ": " + why));
        return;
    }
    if (!client) {
        finishLater(Error(ErrorCode::Unavailable, method.toStdString() + " " + apiPath.toStdString()
                                                      + ": not connected to the engine"));
        return;
    }
    m_total = m_input->size();
    Request request;
    request.method = method;
    request.path = apiPath;
    for (const auto &[key, value] : query)
        request.query.addQueryItem(key, value);
    request.contentType = "application/x-tar";
    request.bodyDevice = m_input.get();
    m_stream = client->openStream(request, this);
    connect(m_stream, &ResponseStream::data, this, &ImageTransfer::onData);
    connect(m_stream, &ResponseStream::finished, this, [this](const Status &result) {
        m_done = m_total;
        finish(result);
    });
    m_progressTimer.start();
}

void ImageTransfer::startSave(EngineClient *client, const QStringList &names)
{
    m_output = std::make_unique<QSaveFile>(m_path);
    if (!m_output->open(QIODevice::WriteOnly)) {
        finishLater(Error(ErrorCode::Io, "open " + m_path.toStdString() + ": " + m_output->errorString().toStdString()));
        return;
    }
    if (!client) {
        finishLater(Error(ErrorCode::Unavailable, "GET /images/get: not connected to the engine"));
        return;
    }
    Request request;
    request.path = QStringLiteral("/images/get");
    for (const QString &name : names)
        request.query.addQueryItem(QStringLiteral("names"), name);
    m_stream = client->openStream(request, this);
    connect(m_stream, &ResponseStream::data, this, &ImageTransfer::onData);
    connect(m_stream, &ResponseStream::finished, this, &ImageTransfer::finish);
}

void ImageTransfer::onData(const QByteArray &bytes)
{
    if (m_finished)
        return;
    if (m_kind == Kind::Save) {
        if (m_output->write(bytes) != bytes.size()) {
            const Error error(ErrorCode::Io, "write " + m_path.toStdString() + ": " + m_output->errorString().toStdString());
            if (m_stream)
                m_stream->cancel();
            finish(fail(error));
            return;
        }
        m_done += bytes.size();
        emit progress(m_done, m_total);
        return;
    }
    m_pending.append(bytes);
    if (m_reply.size() < MaxReplyBytes)
        m_reply.append(bytes);
    parseMessages();
}

void ImageTransfer::parseMessages()
{
    // The replies are JSON messages one after another ({"stream":...}\r\n);
    // a reply that is not JSON at all (an old engine's plain text) is kept
    // as text.
    if (m_plainText)
        return;
    m_splitter.append(m_pending);
    m_pending.clear();
    while (true) {
        auto next = m_splitter.next();
        if (!next) {
            // Not JSON (an engine answering plain text): show it as it came.
            m_plainText = true;
            m_messages.clear();
            m_engineError.reset();
            for (const QByteArray &line : m_reply.split('\n'))
                if (!line.trimmed().isEmpty())
                    m_messages.append(QString::fromUtf8(line.trimmed()));
            return;
        }
        if (!*next)
            break;
        const QJsonObject o = QJsonDocument::fromJson(**next).object();
        if (o.contains(QStringLiteral("errorDetail")) || o.contains(QStringLiteral("error"))) {
            QString message = o.value(QStringLiteral("errorDetail")).toObject().value(QStringLiteral("message")).toString();
            if (message.isEmpty())
                message = o.value(QStringLiteral("error")).toString();
            m_engineError = Error(ErrorCode::InvalidArgument, message.toStdString());
            continue;
        }
        QString text = o.value(QStringLiteral("stream")).toString();
        if (text.isEmpty())
            text = o.value(QStringLiteral("status")).toString();
        for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            m_messages.append(line);
    }
}

void ImageTransfer::reportProgress()
{
    if (m_input && !m_finished) {
        const qint64 position = m_input->isOpen() ? m_input->pos() : m_total;
        if (position != m_done) {
            m_done = position;
            emit progress(m_done, m_total);
        }
    }
}

void ImageTransfer::cancel()
{
    if (m_finished)
        return;
    // Finish first: cancelling the stream reports its own (errno-less)
    // error synchronously, which must not win over the cancellation.
    finish(fail(ErrorCode::Io, kindName(m_kind) + " " + m_path.toStdString() + ": cancelled", ECANCELED));
    if (m_stream)
        m_stream->cancel();
}

void ImageTransfer::finishLater(const Error &error)
{
    QMetaObject::invokeMethod(this, [this, error] { finish(fail(error)); }, Qt::QueuedConnection);
}

void ImageTransfer::finish(const Status &result)
{
    if (m_finished)
        return;
    m_progressTimer.stop();
    Status outcome = result;
    if (outcome && m_kind != Kind::Save) {
        parseMessages();
        if (m_engineError)
            outcome = fail(*m_engineError);
    }
    if (m_output) {
        if (outcome) {
            if (!m_output->commit())
                outcome = fail(ErrorCode::Io, "write " + m_path.toStdString() + ": " + m_output->errorString().toStdString());
        } else {
            m_output->cancelWriting();
        }
    }
    m_finished = true;
    emit progress(m_done, m_total);
    emit finished(outcome);
}

} // namespace Berth::Client
