#include "runoptions.h"

#include <QJsonArray>
#include <QRegularExpression>

#include <wordexp.h>

namespace Berth::Gui {

namespace {

// The command as a shell would split it (quotes, backslashes, $VAR and
// globs as typed into a terminal), with command substitution refused:
// glibc's wordexp(3), so `sh -c 'echo hi; sleep 1'` means what it means in
// `docker run`.
Result<QStringList> splitCommand(const QString &command)
{
    if (command.trimmed().isEmpty())
        return QStringList();
    wordexp_t words{};
    const QByteArray text = command.toLocal8Bit();
    const int rc = wordexp(text.constData(), &words, WRDE_NOCMD);
    if (rc != 0) {
        if (rc == WRDE_NOSPACE)
            wordfree(&words);
        const char *why = rc == WRDE_BADCHAR ? "an unquoted |, &, ;, <, >, (, ), { or }"
                          : rc == WRDE_CMDSUB ? "command substitution is not allowed"
                          : rc == WRDE_SYNTAX ? "unbalanced quotes"
                                              : "out of memory";
        return fail(ErrorCode::InvalidArgument, "invalid command: " + command.toStdString() + ": " + why);
    }
    QStringList out;
    for (size_t i = 0; i < words.we_wordc; ++i)
        out.append(QString::fromLocal8Bit(words.we_wordv[i]));
    wordfree(&words);
    return out;
}

bool validPort(const QString &text)
{
    bool ok = false;
    const int port = text.toInt(&ok);
    return ok && port > 0 && port <= 65535;
}

} // namespace

Result<QJsonObject> RunOptions::toCreateBody() const
{
    if (image.trimmed().isEmpty())
        return fail(ErrorCode::InvalidArgument, "an image is required");

    QJsonObject exposed;
    QJsonObject bindings;
    for (QString spec : ports.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts)) {
        QString proto = QStringLiteral("tcp");
        const qsizetype slash = spec.indexOf(QLatin1Char('/'));
        if (slash >= 0) {
            proto = spec.mid(slash + 1).toLower();
            spec = spec.left(slash);
            if (proto != QLatin1String("tcp") && proto != QLatin1String("udp") && proto != QLatin1String("sctp"))
                return fail(ErrorCode::InvalidArgument, "invalid proto: " + proto.toStdString());
        }
        // [ip:]hostPort:containerPort, or containerPort alone.
        QString hostIp;
        QString hostPort;
        QString containerPort = spec;
        const qsizetype last = spec.lastIndexOf(QLatin1Char(':'));
        if (last >= 0) {
            containerPort = spec.mid(last + 1);
            const QString host = spec.left(last);
            const qsizetype ipEnd = host.lastIndexOf(QLatin1Char(':'));
            if (ipEnd >= 0) {
                hostIp = host.left(ipEnd);
                hostPort = host.mid(ipEnd + 1);
                if (hostIp.startsWith(QLatin1Char('[')) && hostIp.endsWith(QLatin1Char(']')))
                    hostIp = hostIp.mid(1, hostIp.size() - 2);
            } else {
                hostPort = host;
            }
            if (!hostPort.isEmpty() && !validPort(hostPort))
                return fail(ErrorCode::InvalidArgument, "invalid hostPort: " + hostPort.toStdString());
        }
        if (!validPort(containerPort))
            return fail(ErrorCode::InvalidArgument, "invalid containerPort: " + containerPort.toStdString());
        const QString key = containerPort + QLatin1Char('/') + proto;
        exposed.insert(key, QJsonObject());
        if (last >= 0) {
            QJsonArray list = bindings.value(key).toArray();
            list.append(QJsonObject{{QStringLiteral("HostIp"), hostIp}, {QStringLiteral("HostPort"), hostPort}});
            bindings.insert(key, list);
        }
    }

    QJsonArray env;
    for (const QString &line : environment.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QString entry = line.trimmed();
        if (entry.isEmpty())
            continue;
        if (entry.startsWith(QLatin1Char('=')))
            return fail(ErrorCode::InvalidArgument, "invalid environment variable: " + entry.toStdString());
        env.append(entry);
    }

    QJsonArray binds;
    for (const QString &line : volumes.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QString entry = line.trimmed();
        if (entry.isEmpty())
            continue;
        const QStringList parts = entry.split(QLatin1Char(':'));
        if (parts.size() < 2 || parts.size() > 3 || parts.at(0).isEmpty() || !parts.at(1).startsWith(QLatin1Char('/')))
            return fail(ErrorCode::InvalidArgument, "invalid volume specification: '" + entry.toStdString() + "'");
        binds.append(entry);
    }

    QJsonObject body;
    body.insert(QStringLiteral("Image"), image.trimmed());
    const auto words = splitCommand(command);
    if (!words)
        return fail(words.error());
    if (!words->isEmpty())
        body.insert(QStringLiteral("Cmd"), QJsonArray::fromStringList(*words));
    else
        body.insert(QStringLiteral("Cmd"), QJsonValue::Null);
    body.insert(QStringLiteral("Env"), env);
    body.insert(QStringLiteral("ExposedPorts"), exposed);
    body.insert(QStringLiteral("Tty"), interactive);
    body.insert(QStringLiteral("OpenStdin"), interactive);
    body.insert(QStringLiteral("StdinOnce"), false);
    body.insert(QStringLiteral("AttachStdin"), false);
    body.insert(QStringLiteral("AttachStdout"), false);
    body.insert(QStringLiteral("AttachStderr"), false);
    body.insert(QStringLiteral("Labels"), QJsonObject());
    QJsonObject host;
    host.insert(QStringLiteral("Binds"), binds);
    host.insert(QStringLiteral("PortBindings"), bindings);
    host.insert(QStringLiteral("AutoRemove"), autoRemove);
    const QString networkMode = network.trimmed().isEmpty() ? QStringLiteral("default") : network.trimmed();
    host.insert(QStringLiteral("NetworkMode"), networkMode);
    host.insert(QStringLiteral("RestartPolicy"), QJsonObject{{QStringLiteral("Name"), QStringLiteral("no")},
                                                             {QStringLiteral("MaximumRetryCount"), 0}});
    body.insert(QStringLiteral("HostConfig"), host);
    body.insert(QStringLiteral("NetworkingConfig"),
                QJsonObject{{QStringLiteral("EndpointsConfig"), QJsonObject{{networkMode, QJsonObject()}}}});
    return body;
}

} // namespace Berth::Gui
