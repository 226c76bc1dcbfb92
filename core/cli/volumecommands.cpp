#include "containercommands.h"

#include "commandregistry.h"
#include "containerrequests.h"
#include "context.h"
#include "jsonoutput.h"
#include "tableformat.h"
#include "units.h"

#include <client/engineclient.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

#include <algorithm>

namespace Berth::Cli {

namespace {

using namespace ContainerRequests;

QJsonObject volumeRow(const QJsonObject &v)
{
    QStringList labels;
    const QJsonObject l = v.value(QStringLiteral("Labels")).toObject();
    for (auto it = l.begin(); it != l.end(); ++it)
        labels << it.key() + QLatin1Char('=') + it.value().toString();
    const QJsonObject usage = v.value(QStringLiteral("UsageData")).toObject();
    return QJsonObject{{QStringLiteral("Name"), v.value(QStringLiteral("Name")).toString()},
                       {QStringLiteral("Driver"), v.value(QStringLiteral("Driver")).toString()},
                       {QStringLiteral("Scope"), v.value(QStringLiteral("Scope")).toString()},
                       {QStringLiteral("Mountpoint"), v.value(QStringLiteral("Mountpoint")).toString()},
                       {QStringLiteral("Labels"), labels.join(QLatin1Char(','))},
                       {QStringLiteral("Links"), usage.isEmpty() ? QStringLiteral("N/A")
                                                                 : QString::number(usage.value(QStringLiteral("RefCount")).toInteger())},
                       {QStringLiteral("Size"), usage.isEmpty() ? QStringLiteral("N/A")
                                                                : Units::humanSize(usage.value(QStringLiteral("Size")).toDouble())},
                       {QStringLiteral("Availability"), QStringLiteral("N/A")},
                       {QStringLiteral("Group"), QStringLiteral("N/A")}};
}

int runVolumeList(Context &context, const ParsedArgs &args)
{
    auto filters = filtersOf(context, QStringLiteral("volume ls"), args.values(QStringLiteral("filter")));
    if (!filters)
        return filters.error();
    Client::Request request;
    request.path = QStringLiteral("/volumes");
    if (!filters->isEmpty())
        request.query.addQueryItem(QStringLiteral("filters"), compactJson(*filters));
    auto reply = send(context, request);
    if (!reply)
        return context.reportError(reply.error());
    auto o = objectOf(*reply, QStringLiteral("GET /volumes"));
    if (!o)
        return context.reportError(o.error());
    QList<QJsonObject> volumes;
    for (const QJsonValue &v : o->value(QStringLiteral("Volumes")).toArray())
        volumes << v.toObject();
    std::sort(volumes.begin(), volumes.end(), [](const QJsonObject &a, const QJsonObject &b) {
        return a.value(QStringLiteral("Name")).toString() < b.value(QStringLiteral("Name")).toString();
    });
    QList<QJsonObject> rows;
    for (const QJsonObject &v : std::as_const(volumes))
        rows << volumeRow(v);
    QString format = args.value(QStringLiteral("format"));
    if (args.flag(QStringLiteral("quiet")) && (format.isEmpty() || format == QLatin1String("table")))
        format = QStringLiteral("{{.Name}}");
    if (format.isEmpty() || format == QLatin1String("table"))
        format = QStringLiteral("table {{.Driver}}\t{{.Name}}");
    auto f = TableFormat::parse(format, format);
    if (!f) {
        context.err() << QString::fromStdString(f.error().message()) << Qt::endl;
        return 1;
    }
    const QJsonObject headers{{QStringLiteral("Name"), QStringLiteral("VOLUME NAME")},
                              {QStringLiteral("Driver"), QStringLiteral("DRIVER")},
                              {QStringLiteral("Scope"), QStringLiteral("SCOPE")},
                              {QStringLiteral("Mountpoint"), QStringLiteral("MOUNTPOINT")},
                              {QStringLiteral("Labels"), QStringLiteral("LABELS")},
                              {QStringLiteral("Links"), QStringLiteral("LINKS")},
                              {QStringLiteral("Size"), QStringLiteral("SIZE")},
                              {QStringLiteral("Availability"), QStringLiteral("AVAILABILITY")},
                              {QStringLiteral("Group"), QStringLiteral("GROUP")}};
    auto text = f->render(rows, headers);
    if (!text) {
        context.err() << QString::fromStdString(text.error().message()) << Qt::endl;
        return 1;
    }
    context.out() << *text << Qt::flush;
    return 0;
}

int runVolumeCreate(Context &context, const ParsedArgs &args)
{
    QString name = args.value(QStringLiteral("name"));
    if (!args.positionals().isEmpty()) {
        if (!name.isEmpty() && name != args.positionals().first()) {
            context.err() << "conflicting options: cannot specify a volume-name through both --name and as a positional arg"
                          << Qt::endl;
            return 1;
        }
        name = args.positionals().first();
    }
    QJsonObject labels;
    for (const QString &l : args.values(QStringLiteral("label"))) {
        const qsizetype eq = l.indexOf(QLatin1Char('='));
        labels.insert(eq < 0 ? l : l.left(eq), eq < 0 ? QString() : l.mid(eq + 1));
    }
    QJsonObject options;
    for (const QString &o : args.values(QStringLiteral("opt"))) {
        const qsizetype eq = o.indexOf(QLatin1Char('='));
        if (eq < 0)
            return context.reportUsageError(*context.registry().find(QStringLiteral("volume create")),
                                            QStringLiteral("invalid argument \"%1\" for \"-o, --opt\" flag: invalid key value pair format in driver options").arg(o));
        options.insert(o.left(eq), o.mid(eq + 1));
    }
    const QJsonObject body{{QStringLiteral("Name"), name},
                           {QStringLiteral("Driver"), args.value(QStringLiteral("driver"), QStringLiteral("local"))},
                           {QStringLiteral("DriverOpts"), options},
                           {QStringLiteral("Labels"), labels}};
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/volumes/create");
    request.contentType = "application/json";
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    auto reply = send(context, request);
    if (!reply)
        return context.reportError(reply.error());
    auto o = objectOf(*reply, QStringLiteral("POST /volumes/create"));
    if (!o)
        return context.reportError(o.error());
    context.out() << o->value(QStringLiteral("Name")).toString() << Qt::endl;
    return 0;
}

int runVolumeInspect(Context &context, const ParsedArgs &args)
{
    QList<QByteArray> raws;
    QStringList errors;
    for (const QString &name : args.positionals()) {
        Client::Request request;
        request.path = QStringLiteral("/volumes/%1").arg(name);
        auto reply = send(context, request);
        if (!reply) {
            if (isFatal(reply.error()))
                return context.reportError(reply.error());
            errors << QStringLiteral("Error response from daemon: ") + QString::fromStdString(reply.error().message());
            continue;
        }
        raws << reply->body.trimmed();
    }
    return printInspected(context, args, raws, errors);
}

int runVolumeRemove(Context &context, const ParsedArgs &args)
{
    bool failed = false;
    for (const QString &name : args.positionals()) {
        Client::Request request;
        request.method = "DELETE";
        request.path = QStringLiteral("/volumes/%1").arg(name);
        if (args.flag(QStringLiteral("force")))
            request.query.addQueryItem(QStringLiteral("force"), QStringLiteral("1"));
        auto reply = send(context, request);
        if (!reply) {
            if (isFatal(reply.error()))
                return context.reportError(reply.error());
            context.out().flush();
            context.err() << "Error response from daemon: " << QString::fromStdString(reply.error().message()) << Qt::endl;
            failed = true;
            continue;
        }
        context.out() << name << Qt::endl;
    }
    return failed ? 1 : 0;
}

int runVolumePrune(Context &context, const ParsedArgs &args)
{
    auto filters = filtersOf(context, QStringLiteral("volume prune"), args.values(QStringLiteral("filter")));
    if (!filters)
        return filters.error();
    const bool all = args.flag(QStringLiteral("all"));
    // docker 28's default (anonymous volumes only) said explicitly: berthd
    // speaks API 1.41, where an absent filter means every unused volume.
    if (!filters->contains(QStringLiteral("all")))
        filters->insert(QStringLiteral("all"), QJsonObject{{all ? QStringLiteral("true") : QStringLiteral("false"), true}});
    if (!args.flag(QStringLiteral("force"))) {
        const QString warning = all ? QStringLiteral("WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?")
                                    : QStringLiteral("WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?");
        context.out() << warning << " [y/N] " << Qt::flush;
        QTextStream in(stdin);
        if (in.readLine().trimmed().compare(QLatin1String("y"), Qt::CaseInsensitive) != 0)
            return 0;
    }
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/volumes/prune");
    if (!filters->isEmpty())
        request.query.addQueryItem(QStringLiteral("filters"), compactJson(*filters));
    auto reply = send(context, request);
    if (!reply)
        return context.reportError(reply.error());
    auto o = objectOf(*reply, QStringLiteral("POST /volumes/prune"));
    if (!o)
        return context.reportError(o.error());
    const QJsonArray deleted = o->value(QStringLiteral("VolumesDeleted")).toArray();
    if (!deleted.isEmpty()) {
        context.out() << "Deleted Volumes:\n";
        for (const QJsonValue &d : deleted)
            context.out() << d.toString() << '\n';
        context.out() << '\n';
    }
    context.out() << "Total reclaimed space: " << Units::humanSize(o->value(QStringLiteral("SpaceReclaimed")).toDouble()) << Qt::endl;
    return 0;
}

} // namespace

void registerVolumeCommands(CommandRegistry &registry)
{
    Command group;
    group.path = QStringLiteral("volume");
    group.section = Command::Section::Management;
    group.shortHelp = QStringLiteral("Manage volumes");
    registry.add(std::move(group));

    Command ls;
    ls.path = QStringLiteral("volume ls");
    ls.aliases = {QStringLiteral("volume list")};
    ls.shortHelp = QStringLiteral("List volumes");
    ls.usage = QStringLiteral("[OPTIONS]");
    ls.options = {valueOption("filter", 'f', "filter", "Provide filter values (e.g. \"dangling=true\")", OptionSpec::Kind::List), formatOption(false),
                  boolOption("quiet", 'q', "Only display volume names")};
    ls.maxArgs = 0;
    ls.run = runVolumeList;
    registry.add(std::move(ls));

    Command create;
    create.path = QStringLiteral("volume create");
    create.shortHelp = QStringLiteral("Create a volume");
    create.usage = QStringLiteral("[OPTIONS] [VOLUME]");
    OptionSpec driver = valueOption("driver", 'd', "string", "Specify volume driver name");
    driver.defaultValue = QStringLiteral("\"local\"");
    OptionSpec name = valueOption("name", 0, "string", "Specify volume name");
    name.hidden = true;
    create.options = {driver, valueOption("label", 0, "list", "Set metadata for a volume", OptionSpec::Kind::List), name,
                      valueOption("opt", 'o', "map", "Set driver specific options", OptionSpec::Kind::List)};
    create.maxArgs = 1;
    create.run = runVolumeCreate;
    registry.add(std::move(create));

    Command inspect;
    inspect.path = QStringLiteral("volume inspect");
    inspect.shortHelp = QStringLiteral("Display detailed information on one or more volumes");
    inspect.usage = QStringLiteral("[OPTIONS] VOLUME [VOLUME...]");
    inspect.options = {formatOption(true)};
    inspect.minArgs = 1;
    inspect.run = runVolumeInspect;
    registry.add(std::move(inspect));

    Command rm;
    rm.path = QStringLiteral("volume rm");
    rm.aliases = {QStringLiteral("volume remove")};
    rm.shortHelp = QStringLiteral("Remove one or more volumes");
    rm.usage = QStringLiteral("[OPTIONS] VOLUME [VOLUME...]");
    rm.options = {boolOption("force", 'f', "Force the removal of one or more volumes")};
    rm.minArgs = 1;
    rm.run = runVolumeRemove;
    registry.add(std::move(rm));

    Command prune;
    prune.path = QStringLiteral("volume prune");
    prune.shortHelp = QStringLiteral("Remove unused local volumes");
    prune.usage = QStringLiteral("[OPTIONS]");
    prune.options = {boolOption("all", 'a', "Remove all unused volumes, not just anonymous ones"),
                     valueOption("filter", 0, "filter", "Provide filter values (e.g. \"label=<label>\")", OptionSpec::Kind::List),
                     boolOption("force", 'f', "Do not prompt for confirmation")};
    prune.maxArgs = 0;
    prune.run = runVolumePrune;
    registry.add(std::move(prune));
}

} // namespace Berth::Cli
