#include "versioncommand.h"

#include "commandregistry.h"
#include "context.h"

#include <buildinfo.h>
#include "gotemplate.h"
#include "tabwriter.h"

#include <client/engineclient.h>
#include <common/apiversion.h>

#include <QDateTime>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSysInfo>
#include <QTimeZone>

namespace Berth::Cli {

static QString goArch()
{
    const QString arch = QSysInfo::currentCpuArchitecture();
    if (arch == QLatin1String("x86_64"))
        return QStringLiteral("amd64");
    if (arch == QLatin1String("arm64") || arch == QLatin1String("aarch64"))
        return QStringLiteral("arm64");
    if (arch == QLatin1String("i386"))
        return QStringLiteral("386");
    return arch;
}

static QString ansic(const QDateTime &t)
{
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const QDate d = t.date();
    return QStringLiteral("%1 %2 %3 %4 %5")
        .arg(QLatin1String(days[d.dayOfWeek() - 1]), QLatin1String(months[d.month() - 1]))
        .arg(d.day(), 2, 10, QLatin1Char(' '))
        .arg(t.time().toString(QStringLiteral("HH:mm:ss")))
        .arg(d.year());
}

QString ansicTime(const QString &rfc3339)
{
    static const QRegularExpression re(QStringLiteral(
        "^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2})(?:\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})?$"));
    const auto m = re.match(rfc3339);
    if (!m.hasMatch())
        return rfc3339;
    const QDateTime t = QDateTime::fromString(m.captured(1) + m.captured(2), Qt::ISODate);
    if (!t.isValid())
        return rfc3339;
    return ansic(t);
}

static QString buildTime()
{
    const QDateTime t = QDateTime::fromString(QStringLiteral(__DATE__ " " __TIME__).simplified(),
                                              QStringLiteral("MMM d yyyy HH:mm:ss"));
    return t.isValid() ? t.toString(Qt::ISODate) : QString();
}

QJsonObject clientVersionJson(const QString &negotiatedApiVersion)
{
    const QString apiVersion = negotiatedApiVersion.isEmpty() ? QString::fromLatin1(Common::kApiVersion)
                                                              : negotiatedApiVersion;
    return QJsonObject{
        {QStringLiteral("Platform"), QJsonObject{{QStringLiteral("Name"), QString()}}},
        {QStringLiteral("Version"), QStringLiteral(BERTH_VERSION)},
        {QStringLiteral("ApiVersion"), apiVersion},
        {QStringLiteral("DefaultAPIVersion"), QString::fromLatin1(Common::kApiVersion)},
        {QStringLiteral("GitCommit"), QStringLiteral(BERTH_GIT_COMMIT)},
        {QStringLiteral("QtVersion"), QString::fromLatin1(qVersion())},
        {QStringLiteral("Os"), QStringLiteral("linux")},
        {QStringLiteral("Arch"), goArch()},
        {QStringLiteral("BuildTime"), buildTime()},
        {QStringLiteral("Context"), QStringLiteral("default")},
    };
}

static QString str(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isString() ? v.toString() : GoTemplate::toText(v);
}

QString versionText(const QJsonObject &client, const QJsonObject &server)
{
    QString t;
    const QString platform = client.value(QStringLiteral("Platform")).toObject().value(QStringLiteral("Name")).toString();
    t += QStringLiteral("Client:") + (platform.isEmpty() ? QString() : QLatin1Char(' ') + platform) + QLatin1Char('\n');
    t += QStringLiteral(" Version:\t") + str(client, "Version") + QLatin1Char('\n');
    QString api = str(client, "ApiVersion");
    if (api != str(client, "DefaultAPIVersion"))
        api += QStringLiteral(" (downgraded from %1)").arg(str(client, "DefaultAPIVersion"));
    t += QStringLiteral(" API version:\t") + api + QLatin1Char('\n');
    t += QStringLiteral(" Qt version:\t") + str(client, "QtVersion") + QLatin1Char('\n');
    t += QStringLiteral(" Git commit:\t") + str(client, "GitCommit") + QLatin1Char('\n');
    t += QStringLiteral(" Built:\t") + ansicTime(str(client, "BuildTime")) + QLatin1Char('\n');
    t += QStringLiteral(" OS/Arch:\t") + str(client, "Os") + QLatin1Char('/') + str(client, "Arch") + QLatin1Char('\n');
    t += QStringLiteral(" Context:\t") + str(client, "Context") + QLatin1Char('\n');

    if (!server.isEmpty()) {
        const QString serverPlatform = server.value(QStringLiteral("Platform")).toObject().value(QStringLiteral("Name")).toString();
        t += QStringLiteral("\nServer:") + (serverPlatform.isEmpty() ? QString() : QLatin1Char(' ') + serverPlatform) + QLatin1Char('\n');
        QJsonArray components = server.value(QStringLiteral("Components")).toArray();
        if (components.isEmpty()) {
            // An engine that lists no components: describe the engine from the top level.
            QJsonObject details;
            for (const char *k : {"ApiVersion", "MinAPIVersion", "GoVersion", "GitCommit", "BuildTime", "Os", "Arch", "Experimental"})
                details.insert(QLatin1String(k), server.value(QLatin1String(k)));
            components.append(QJsonObject{{QStringLiteral("Name"), QStringLiteral("Engine")},
                                          {QStringLiteral("Version"), server.value(QStringLiteral("Version"))},
                                          {QStringLiteral("Details"), details}});
        }
        for (const QJsonValue &cv : std::as_const(components)) {
            const QJsonObject c = cv.toObject();
            const QJsonObject d = c.value(QStringLiteral("Details")).toObject();
            t += QLatin1Char(' ') + str(c, "Name") + QStringLiteral(":\n");
            t += QStringLiteral("  Version:\t") + str(c, "Version") + QLatin1Char('\n');
            if (str(c, "Name") == QLatin1String("Engine")) {
                t += QStringLiteral("  API version:\t") + str(d, "ApiVersion") + QStringLiteral(" (minimum version ")
                     + str(d, "MinAPIVersion") + QStringLiteral(")\n");
                t += QStringLiteral("  Go version:\t") + str(d, "GoVersion") + QLatin1Char('\n');
                t += QStringLiteral("  Git commit:\t") + str(d, "GitCommit") + QLatin1Char('\n');
                t += QStringLiteral("  Built:\t") + ansicTime(str(d, "BuildTime")) + QLatin1Char('\n');
                t += QStringLiteral("  OS/Arch:\t") + str(d, "Os") + QLatin1Char('/') + str(d, "Arch") + QLatin1Char('\n');
                t += QStringLiteral("  Experimental:\t") + str(d, "Experimental") + QLatin1Char('\n');
            } else {
                // docker prints GitCommit first, then the other details sorted.
                QStringList keys = d.keys();
                keys.removeAll(QStringLiteral("GitCommit"));
                if (d.contains(QStringLiteral("GitCommit")))
                    keys.prepend(QStringLiteral("GitCommit"));
                for (const QString &k : std::as_const(keys))
                    t += QStringLiteral("  ") + k + QStringLiteral(":\t") + GoTemplate::toText(d.value(k)) + QLatin1Char('\n');
            }
        }
    }
    return alignColumns(t, 20, 1);
}

static int runVersion(Context &context, const ParsedArgs &args)
{
    const auto parsedFormat = context.formatTemplate(args);
    if (!parsedFormat)
        return parsedFormat.error();
    const std::optional<GoTemplate> &format = *parsedFormat;
    auto server = context.getJson(QStringLiteral("/version"));
    auto client = context.client();
    const QString api = client ? (*client)->apiVersion() : QString();
    const QJsonObject clientJson = clientVersionJson(api);

    if (format) {
        const QJsonObject data{{QStringLiteral("Client"), clientJson},
                               {QStringLiteral("Server"), server ? QJsonValue(*server) : QJsonValue(QJsonValue::Null)}};
        if (!server)
            return context.reportError(server.error());
        auto text = format->execute(data);
        if (!text) {
            context.err() << QString::fromStdString(text.error().message()) << Qt::endl;
            return 1;
        }
        context.out() << *text << Qt::endl;
        return 0;
    }
    context.out() << versionText(clientJson, server ? *server : QJsonObject()) << Qt::flush;
    if (!server)
        return context.reportError(server.error());
    return 0;
}

void registerVersionCommand(CommandRegistry &registry)
{
    Command c;
    c.path = QStringLiteral("version");
    c.section = Command::Section::Common;
    c.shortHelp = QStringLiteral("Show the Berth version information");
    c.usage = QStringLiteral("[OPTIONS]");
    c.options = {formatOption(true)};
    c.maxArgs = 0;
    c.run = runVersion;
    registry.add(std::move(c));
}

} // namespace Berth::Cli
