#include "containerrequests.h"

#include "argparser.h"
#include "commandregistry.h"
#include "context.h"
#include "jsonoutput.h"

#include <client/responsestream.h>

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonDocument>

#include <csignal>
#include <cstring>

namespace Berth::Cli {

namespace ContainerRequests {

Result<Client::Response> send(Context &context, const Client::Request &request)
{
    auto client = context.client();
    if (!client)
        return fail(client.error());
    return Client::await((*client)->send(request));
}

Result<Client::Response> post(Context &context, const QString &path, const QUrlQuery &query)
{
    Client::Request request;
    request.method = "POST";
    request.path = path;
    request.query = query;
    return send(context, request);
}

Result<QJsonObject> objectOf(const Client::Response &response, const QString &what)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(response.body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return fail(ErrorCode::Protocol, what.toStdString() + ": the reply is not a JSON object");
    return doc.object();
}

Result<QJsonObject> inspect(Context &context, const QString &ref)
{
    Client::Request request;
    request.path = QStringLiteral("/containers/%1/json").arg(ref);
    auto reply = send(context, request);
    if (!reply)
        return fail(reply.error());
    return objectOf(*reply, QStringLiteral("GET /containers/%1/json").arg(ref));
}

Command invokedCommand(Context &context, const QString &path)
{
    Command command = *context.registry().find(path);
    // The first word after the global options (-H HOST, -D).
    const QStringList argv = QCoreApplication::arguments().mid(1);
    QString first;
    for (qsizetype i = 0; i < argv.size(); ++i) {
        const QString &a = argv.at(i);
        if (a == QLatin1String("-H") || a == QLatin1String("--host")) {
            ++i;
            continue;
        }
        if (a.startsWith(QLatin1Char('-')))
            continue;
        first = a;
        break;
    }
    if (first != path.section(QLatin1Char(' '), 0, 0)) {
        for (const QString &alias : std::as_const(command.aliases)) {
            if (!alias.contains(QLatin1Char(' ')) && alias == first) {
                command.path = alias;
                break;
            }
        }
    }
    return command;
}

bool isFatal(const Error &error)
{
    return Client::isHelperUnreachable(error) || error.code() == ErrorCode::Protocol || error.code() == ErrorCode::Io
           || error.code() == ErrorCode::Timeout;
}

int startErrorExitCode(const Error &error)
{
    const std::string &m = error.message();
    if (m.find("executable file not found") != std::string::npos || m.find("no such file or directory") != std::string::npos
        || m.find("system cannot find the file specified") != std::string::npos)
        return 127;
    if (m.find("permission denied") != std::string::npos || m.find("is a directory") != std::string::npos)
        return 126;
    return 125;
}

std::expected<QJsonObject, int> filtersOf(Context &context, const QString &command, const QStringList &values)
{
    QJsonObject filters;
    for (const QString &f : values) {
        const qsizetype eq = f.indexOf(QLatin1Char('='));
        if (eq < 0)
            return std::unexpected(context.reportUsageError(
                *context.registry().find(command),
                QStringLiteral("invalid argument \"%1\" for \"-f, --filter\" flag: bad format of filter (expected name=value)")
                    .arg(f)));
        const QString key = f.left(eq).trimmed().toLower();
        QJsonObject set = filters.value(key).toObject();
        set.insert(f.mid(eq + 1).trimmed(), true);
        filters.insert(key, set);
    }
    return filters;
}

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

int printInspected(Context &context, const ParsedArgs &args, const QList<QByteArray> &raws, const QStringList &errors)
{
    if (args.isSet(QStringLiteral("format"))) {
        auto t = context.parseTemplate(args.value(QStringLiteral("format")), 1);
        if (!t)
            return t.error();
        for (const QByteArray &raw : raws) {
            auto text = t->execute(QJsonDocument::fromJson(raw).object());
            if (!text) {
                context.err() << "template parsing error: " << QString::fromStdString(text.error().message()) << Qt::endl;
                return 1;
            }
            context.out() << *text << '\n';
        }
    } else {
        QByteArray all = "[";
        for (qsizetype i = 0; i < raws.size(); ++i) {
            if (i > 0)
                all += ',';
            all += raws.at(i);
        }
        all += ']';
        context.out() << (raws.isEmpty() ? QStringLiteral("[]") : QString::fromUtf8(indentJson(all))) << '\n';
    }
    context.out().flush();
    if (!errors.isEmpty()) {
        context.err() << errors.join(QLatin1Char('\n')) << Qt::endl;
        return 1;
    }
    return 0;
}

QString normalizeSignal(const QString &text)
{
    QString s = text.trimmed();
    if (s.isEmpty())
        return {};
    bool isNumber = false;
    const int n = s.toInt(&isNumber);
    if (isNumber)
        return n > 0 && n < NSIG ? s : QString();
    s = s.toUpper();
    if (s.startsWith(QLatin1String("SIG")))
        s = s.mid(3);
    for (int i = 1; i < NSIG; ++i) {
        if (const char *name = ::sigabbrev_np(i); name && s == QLatin1String(name))
            return s;
    }
    if (s.startsWith(QLatin1String("RTMIN")) || s.startsWith(QLatin1String("RTMAX")))
        return s;
    return {};
}

} // namespace ContainerRequests

ContainerWait::ContainerWait(Client::EngineClient *client, const QString &id, const QString &condition, QObject *parent)
    : QObject(parent)
{
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/containers/%1/wait").arg(id);
    if (!condition.isEmpty())
        request.query.addQueryItem(QStringLiteral("condition"), condition);
    m_stream = client->openStream(request, this);
    connect(m_stream, &Client::ResponseStream::headReceived, this, [this](int) { m_head = true; });
    connect(m_stream, &Client::ResponseStream::data, this, [this](const QByteArray &bytes) { m_body += bytes; });
    connect(m_stream, &Client::ResponseStream::finished, this, [this](const Status &result) {
        m_finished = true;
        m_head = true;
        m_result = result;
        emit exited();
    });
}

ContainerWait::~ContainerWait()
{
    cancel();
}

void ContainerWait::cancel()
{
    if (m_stream && !m_stream->isFinished())
        m_stream->cancel();
}

Status ContainerWait::awaitHead()
{
    if (!m_head) {
        QEventLoop loop;
        connect(m_stream, &Client::ResponseStream::headReceived, &loop, &QEventLoop::quit);
        connect(this, &ContainerWait::exited, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (m_finished && !m_result)
        return fail(m_result.error());
    return {};
}

Result<int> ContainerWait::awaitExit()
{
    if (!m_finished) {
        QEventLoop loop;
        connect(this, &ContainerWait::exited, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!m_result)
        return fail(m_result.error());
    QJsonParseError pe;
    const QJsonObject o = QJsonDocument::fromJson(m_body, &pe).object();
    if (pe.error != QJsonParseError::NoError)
        return fail(ErrorCode::Protocol, "POST /containers/{id}/wait: the reply is not a JSON object");
    const QJsonValue error = o.value(QStringLiteral("Error"));
    if (error.isObject() && !error.toObject().value(QStringLiteral("Message")).toString().isEmpty())
        return fail(ErrorCode::Internal, error.toObject().value(QStringLiteral("Message")).toString().toStdString());
    return o.value(QStringLiteral("StatusCode")).toInt();
}

} // namespace Berth::Cli
