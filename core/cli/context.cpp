#include "context.h"

#include "commandregistry.h"

#include <client/engineclient.h>

#include <QJsonDocument>

#include <cerrno>
#include <cstdio>

namespace Berth::Cli {

Context::Context(const CommandRegistry &registry, const GlobalOptions &options)
    : m_registry(registry)
    , m_options(options)
    , m_out(stdout)
    , m_err(stderr)
{}

Context::~Context()
{
    m_out.flush();
    m_err.flush();
}

Result<Client::Endpoint> Context::endpoint() const
{
    return Client::Endpoint::resolve(m_options.host);
}

Result<Client::EngineClient *> Context::client()
{
    if (!m_client) {
        auto e = endpoint();
        if (!e)
            return fail(e.error());
        m_client = std::make_unique<Client::EngineClient>(*e);
    }
    return m_client.get();
}

Result<QJsonObject> Context::getJson(const QString &path)
{
    auto c = client();
    if (!c)
        return fail(c.error());
    Client::Request request;
    request.path = path;
    auto reply = Client::await((*c)->send(request));
    if (!reply)
        return fail(reply.error());
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(reply->body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return fail(ErrorCode::Protocol, "GET " + path.toStdString() + ": the reply is not a JSON object");
    return doc.object();
}

int Context::reportError(const Error &error, int exitCode)
{
    m_out.flush();
    const auto e = endpoint();
    if (!e) {
        // A bad -H / BERTH_HOST: nothing was sent anywhere.
        m_err << QString::fromStdString(e.error().toString()) << Qt::endl;
        return exitCode;
    }
    const QString url = e ? e->url() : QString();
    const QString path = e ? e->socketPath() : QString();
    if (Client::isHelperUnreachable(error)) {
        if (error.sysErrno() == EACCES) {
            m_err << "permission denied while trying to connect to the Berth helper at " << url
                  << ": run as root or as a member of the berth group" << Qt::endl;
        } else {
            m_err << "Cannot connect to the Berth helper at " << url
                  << ". Is berthd running? Start it with: sudo berthd --socket " << path << Qt::endl;
        }
        return exitCode;
    }
    const QString message = QString::fromStdString(error.message());
    switch (error.code()) {
    case ErrorCode::Timeout:
    case ErrorCode::Protocol:
    case ErrorCode::Io:
        m_err << "error during connect: " << QString::fromStdString(error.toString()) << Qt::endl;
        break;
    case ErrorCode::Unavailable:
    case ErrorCode::Internal:
    case ErrorCode::InvalidArgument:
    case ErrorCode::NotFound:
    case ErrorCode::Conflict:
    case ErrorCode::NotModified:
    case ErrorCode::Unauthorized:
    case ErrorCode::PermissionDenied:
    case ErrorCode::TooLarge:
    case ErrorCode::NotImplemented:
        m_err << "Error response from daemon: " << message << Qt::endl;
        break;
    }
    return exitCode;
}

int Context::reportUsageError(const Command &command, const QString &message)
{
    m_out.flush();
    m_err << message << "\n\n"
          << CommandRegistry::usageLine(command) << "\n\n"
          << "Run '" << command.fullName() << " --help' for more information" << Qt::endl;
    return 125;
}

OptionSpec formatOption(bool withShorthand)
{
    OptionSpec o;
    o.name = QStringLiteral("format");
    if (withShorthand)
        o.shorthand = QLatin1Char('f');
    o.kind = OptionSpec::Kind::Value;
    o.valueType = QStringLiteral("string");
    o.help = QStringLiteral("Format output using a custom template:\n"
                            "'json':             Print in JSON format\n"
                            "'TEMPLATE':         Print output using the given\n"
                            "Go template (a subset: fields, json, join,\n"
                            "upper, lower, title, len, index, print)");
    return o;
}

} // namespace Berth::Cli

namespace Berth::Cli {

std::expected<GoTemplate, int> Context::parseTemplate(const QString &text, int exitCode)
{
    auto t = GoTemplate::parse(text);
    if (!t) {
        m_err << "template parsing error: " << QString::fromStdString(t.error().message()) << Qt::endl;
        return std::unexpected(exitCode);
    }
    return *t;
}

std::expected<std::optional<GoTemplate>, int> Context::formatTemplate(const ParsedArgs &args, int exitCode)
{
    if (!args.isSet(QStringLiteral("format")))
        return std::optional<GoTemplate>();
    auto t = parseTemplate(args.value(QStringLiteral("format")), exitCode);
    if (!t)
        return std::unexpected(t.error());
    return std::optional<GoTemplate>(*t);
}

} // namespace Berth::Cli
