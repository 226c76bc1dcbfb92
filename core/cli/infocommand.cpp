#include "infocommand.h"

#include "commandregistry.h"
#include "context.h"
#include "gotemplate.h"
#include "units.h"

#include <QJsonArray>

namespace Berth::Cli {

static QString text(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        return QString();
    return v.isString() ? v.toString() : GoTemplate::toText(v);
}

static QStringList strings(const QJsonValue &v)
{
    QStringList out;
    const QJsonArray a = v.toArray();
    for (const QJsonValue &x : a)
        out << GoTemplate::toText(x);
    return out;
}

QString serverInfoText(const QJsonObject &info)
{
    QString t;
    auto line = [&t](const QString &label, const QString &value) { t += label + value + QLatin1Char('\n'); };
    auto nonEmpty = [&t](const QString &label, const QString &value) {
        if (!value.isEmpty())
            t += label + value + QLatin1Char('\n');
    };

    t += QStringLiteral("Server:\n");
    line(QStringLiteral(" Containers: "), text(info, "Containers"));
    line(QStringLiteral("  Running: "), text(info, "ContainersRunning"));
    line(QStringLiteral("  Paused: "), text(info, "ContainersPaused"));
    line(QStringLiteral("  Stopped: "), text(info, "ContainersStopped"));
    line(QStringLiteral(" Images: "), text(info, "Images"));
    nonEmpty(QStringLiteral(" Server Version: "), text(info, "ServerVersion"));
    nonEmpty(QStringLiteral(" Storage Driver: "), text(info, "Driver"));
    const QJsonArray driverStatus = info.value(QStringLiteral("DriverStatus")).toArray();
    for (const QJsonValue &pair : driverStatus) {
        const QStringList kv = strings(pair);
        if (kv.size() == 2)
            line(QStringLiteral("  ") + kv.at(0) + QStringLiteral(": "), kv.at(1));
    }
    nonEmpty(QStringLiteral(" Logging Driver: "), text(info, "LoggingDriver"));
    nonEmpty(QStringLiteral(" Cgroup Driver: "), text(info, "CgroupDriver"));
    nonEmpty(QStringLiteral(" Cgroup Version: "), text(info, "CgroupVersion"));
    const QJsonObject plugins = info.value(QStringLiteral("Plugins")).toObject();
    if (!plugins.isEmpty()) {
        t += QStringLiteral(" Plugins:\n");
        for (const char *kind : {"Volume", "Network", "Authorization", "Log"}) {
            const QStringList names = strings(plugins.value(QLatin1String(kind)));
            if (!names.isEmpty())
                line(QStringLiteral("  ") + QLatin1String(kind) + QStringLiteral(": "), names.join(QLatin1Char(' ')));
        }
    }
    const QString swarm = info.value(QStringLiteral("Swarm")).toObject().value(QStringLiteral("LocalNodeState")).toString();
    line(QStringLiteral(" Swarm: "), swarm.isEmpty() ? QStringLiteral("inactive") : swarm);
    const QJsonObject runtimes = info.value(QStringLiteral("Runtimes")).toObject();
    if (!runtimes.isEmpty())
        line(QStringLiteral(" Runtimes: "), runtimes.keys().join(QLatin1Char(' ')));
    nonEmpty(QStringLiteral(" Default Runtime: "), text(info, "DefaultRuntime"));
    nonEmpty(QStringLiteral(" Init Binary: "), text(info, "InitBinary"));
    for (const auto &[key, label] : {std::pair{"ContainerdCommit", " containerd version: "},
                                     std::pair{"RuncCommit", " runc version: "},
                                     std::pair{"InitCommit", " init version: "}}) {
        if (info.contains(QLatin1String(key)))
            line(QLatin1String(label), info.value(QLatin1String(key)).toObject().value(QStringLiteral("ID")).toString());
    }
    const QStringList security = strings(info.value(QStringLiteral("SecurityOptions")));
    if (!security.isEmpty()) {
        t += QStringLiteral(" Security Options:\n");
        for (const QString &option : security) {
            // "name=seccomp,profile=default" -> "  seccomp\n   Profile: default"
            const QStringList fields = option.split(QLatin1Char(','));
            for (const QString &field : fields) {
                const QString key = field.section(QLatin1Char('='), 0, 0);
                const QString value = field.section(QLatin1Char('='), 1);
                if (key == QLatin1String("name")) {
                    t += QStringLiteral("  ") + value + QLatin1Char('\n');
                } else if (!key.isEmpty()) {
                    QString label = key;
                    label[0] = label[0].toUpper();
                    t += QStringLiteral("   ") + label + QStringLiteral(": ") + value + QLatin1Char('\n');
                }
            }
        }
    }
    nonEmpty(QStringLiteral(" Kernel Version: "), text(info, "KernelVersion"));
    nonEmpty(QStringLiteral(" Operating System: "), text(info, "OperatingSystem"));
    nonEmpty(QStringLiteral(" OSType: "), text(info, "OSType"));
    nonEmpty(QStringLiteral(" Architecture: "), text(info, "Architecture"));
    line(QStringLiteral(" CPUs: "), text(info, "NCPU"));
    line(QStringLiteral(" Total Memory: "), Units::bytesSize(info.value(QStringLiteral("MemTotal")).toDouble()));
    nonEmpty(QStringLiteral(" Name: "), text(info, "Name"));
    nonEmpty(QStringLiteral(" ID: "), text(info, "ID"));
    nonEmpty(QStringLiteral(" Berth Root Dir: "), text(info, "DockerRootDir"));
    const bool debug = info.value(QStringLiteral("Debug")).toBool();
    line(QStringLiteral(" Debug Mode: "), debug ? QStringLiteral("true") : QStringLiteral("false"));
    if (debug) {
        line(QStringLiteral("  File Descriptors: "), text(info, "NFd"));
        line(QStringLiteral("  Goroutines: "), text(info, "NGoroutines"));
        line(QStringLiteral("  System Time: "), text(info, "SystemTime"));
        line(QStringLiteral("  EventsListeners: "), text(info, "NEventsListener"));
    }
    nonEmpty(QStringLiteral(" HTTP Proxy: "), text(info, "HttpProxy"));
    nonEmpty(QStringLiteral(" HTTPS Proxy: "), text(info, "HttpsProxy"));
    nonEmpty(QStringLiteral(" No Proxy: "), text(info, "NoProxy"));
    const QStringList labels = strings(info.value(QStringLiteral("Labels")));
    if (!labels.isEmpty()) {
        t += QStringLiteral(" Labels:\n");
        for (const QString &l : labels)
            t += QStringLiteral("  ") + l + QLatin1Char('\n');
    }
    line(QStringLiteral(" Experimental: "), info.value(QStringLiteral("ExperimentalBuild")).toBool() ? QStringLiteral("true") : QStringLiteral("false"));
    const QJsonObject registry = info.value(QStringLiteral("RegistryConfig")).toObject();
    const QStringList insecure = strings(registry.value(QStringLiteral("InsecureRegistryCIDRs")));
    if (!insecure.isEmpty()) {
        t += QStringLiteral(" Insecure Registries:\n");
        for (const QString &r : insecure)
            t += QStringLiteral("  ") + r + QLatin1Char('\n');
    }
    const QStringList mirrors = strings(registry.value(QStringLiteral("Mirrors")));
    if (!mirrors.isEmpty()) {
        t += QStringLiteral(" Registry Mirrors:\n");
        for (const QString &m : mirrors)
            t += QStringLiteral("  ") + m + QLatin1Char('\n');
    }
    line(QStringLiteral(" Live Restore Enabled: "),
         info.value(QStringLiteral("LiveRestoreEnabled")).toBool() ? QStringLiteral("true") : QStringLiteral("false"));
    return t;
}

static QJsonObject clientInfoJson(const Context &context)
{
    return QJsonObject{
        {QStringLiteral("Debug"), context.globalOptions().debug},
        {QStringLiteral("Version"), QStringLiteral(BERTH_VERSION)},
        {QStringLiteral("Context"), QStringLiteral("default")},
        {QStringLiteral("Plugins"), QJsonArray()},
        {QStringLiteral("Warnings"), QJsonValue::Null},
    };
}

static int runInfo(Context &context, const ParsedArgs &args)
{
    const auto parsedFormat = context.formatTemplate(args);
    if (!parsedFormat)
        return parsedFormat.error();
    const std::optional<GoTemplate> &format = *parsedFormat;
    auto info = context.getJson(QStringLiteral("/info"));
    if (format) {
        if (!info)
            return context.reportError(info.error());
        QJsonObject data = *info;
        data.insert(QStringLiteral("ClientInfo"), clientInfoJson(context));
        auto text = format->execute(data);
        if (!text) {
            context.err() << QString::fromStdString(text.error().message()) << Qt::endl;
            return 1;
        }
        context.out() << *text << Qt::endl;
        return 0;
    }

    context.out() << "Client:\n"
                  << " Version:    " << BERTH_VERSION << '\n'
                  << " Context:    default\n"
                  << " Debug Mode: " << (context.globalOptions().debug ? "true" : "false") << "\n\n";
    if (!info) {
        context.out() << "Server:" << Qt::endl;
        return context.reportError(info.error());
    }
    context.out() << serverInfoText(*info) << Qt::flush;
    const QStringList warnings = info->value(QStringLiteral("Warnings")).toVariant().toStringList();
    for (const QString &w : warnings)
        context.err() << w << '\n';
    context.err() << Qt::flush;
    return 0;
}

void registerInfoCommand(CommandRegistry &registry)
{
    Command c;
    c.path = QStringLiteral("system info");
    c.aliases = {QStringLiteral("info")};
    c.section = Command::Section::Common;
    c.shortHelp = QStringLiteral("Display system-wide information");
    c.usage = QStringLiteral("[OPTIONS]");
    c.options = {formatOption(true)};
    c.maxArgs = 0;
    c.run = runInfo;
    registry.add(std::move(c));
}

} // namespace Berth::Cli
