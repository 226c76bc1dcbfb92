#include "networkcommands.h"

#include "commandregistry.h"
#include "containerrequests.h"
#include "context.h"
#include "jsonoutput.h"
#include "tableformat.h"

#include <client/engineclient.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTextStream>

#include <algorithm>

namespace Berth::Cli {

namespace NetworkRows {

QString goTimeString(const QString &rfc3339)
{
    static const QRegularExpression re(
        QStringLiteral("^(\\d{4}-\\d{2}-\\d{2})T(\\d{2}:\\d{2}:\\d{2})(?:\\.(\\d+))?(Z|[+-]\\d{2}:\\d{2})$"));
    const QRegularExpressionMatch m = re.match(rfc3339);
    if (!m.hasMatch())
        return {};
    QString fraction = m.captured(3);
    while (fraction.endsWith(QLatin1Char('0')))
        fraction.chop(1);
    QString zone = m.captured(4);
    // Go prints the offset as -0700 and the zone name; an offset without a
    // name prints as the offset again.
    QString offset;
    QString name;
    if (zone == QLatin1String("Z")) {
        offset = QStringLiteral("+0000");
        name = QStringLiteral("UTC");
    } else {
        offset = zone.remove(QLatin1Char(':'));
        name = offset;
    }
    return m.captured(1) + QLatin1Char(' ') + m.captured(2)
        + (fraction.isEmpty() ? QString() : QString(QLatin1Char('.') + fraction)) + QLatin1Char(' ') + offset
        + QLatin1Char(' ') + name;
}

QJsonObject row(const QJsonObject &network, bool noTrunc)
{
    const QString id = network.value(QStringLiteral("Id")).toString();
    QStringList labels;
    const QJsonObject l = network.value(QStringLiteral("Labels")).toObject();
    for (auto it = l.begin(); it != l.end(); ++it)
        labels << it.key() + QLatin1Char('=') + it.value().toString();
    const auto boolText = [](bool b) { return b ? QStringLiteral("true") : QStringLiteral("false"); };
    // EnableIPv4 arrived with API 1.47; older engines always had IPv4.
    const QJsonValue ipv4 = network.value(QStringLiteral("EnableIPv4"));
    return QJsonObject{{QStringLiteral("ID"), noTrunc ? id : id.left(12)},
                       {QStringLiteral("Name"), network.value(QStringLiteral("Name")).toString()},
                       {QStringLiteral("Driver"), network.value(QStringLiteral("Driver")).toString()},
                       {QStringLiteral("Scope"), network.value(QStringLiteral("Scope")).toString()},
                       {QStringLiteral("IPv4"), boolText(ipv4.isBool() ? ipv4.toBool() : false)},
                       {QStringLiteral("IPv6"), boolText(network.value(QStringLiteral("EnableIPv6")).toBool())},
                       {QStringLiteral("Internal"), boolText(network.value(QStringLiteral("Internal")).toBool())},
                       {QStringLiteral("Labels"), labels.join(QLatin1Char(','))},
                       {QStringLiteral("CreatedAt"), goTimeString(network.value(QStringLiteral("Created")).toString())}};
}

} // namespace NetworkRows

namespace {

using namespace ContainerRequests;

int runNetworkList(Context &context, const ParsedArgs &args)
{
    auto filters = filtersOf(context, QStringLiteral("network ls"), args.values(QStringLiteral("filter")));
    if (!filters)
        return filters.error();
    Client::Request request;
    request.path = QStringLiteral("/networks");
    if (!filters->isEmpty())
        request.query.addQueryItem(QStringLiteral("filters"), compactJson(*filters));
    auto reply = send(context, request);
    if (!reply)
        return context.reportError(reply.error());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(reply->body, &error);
    if (!doc.isArray())
        return context.reportError(Error(ErrorCode::Protocol, "GET /networks: the reply is not a JSON array: "
                                                                  + error.errorString().toStdString()));
    QList<QJsonObject> networks;
    for (const QJsonValue &v : doc.array())
        networks << v.toObject();
    // docker's CLI sorts by name.
    std::sort(networks.begin(), networks.end(), [](const QJsonObject &a, const QJsonObject &b) {
        return a.value(QStringLiteral("Name")).toString() < b.value(QStringLiteral("Name")).toString();
    });
    const bool noTrunc = args.flag(QStringLiteral("no-trunc"));
    QList<QJsonObject> rows;
    for (const QJsonObject &n : std::as_const(networks))
        rows << NetworkRows::row(n, noTrunc);
    QString format = args.value(QStringLiteral("format"));
    if (args.flag(QStringLiteral("quiet")) && (format.isEmpty() || format == QLatin1String("table")))
        format = QStringLiteral("{{.ID}}");
    if (format.isEmpty() || format == QLatin1String("table"))
        format = QStringLiteral("table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}");
    auto f = TableFormat::parse(format, format);
    if (!f) {
        context.err() << QString::fromStdString(f.error().message()) << Qt::endl;
        return 1;
    }
    const QJsonObject headers{{QStringLiteral("ID"), QStringLiteral("NETWORK ID")},
                              {QStringLiteral("Name"), QStringLiteral("NAME")},
                              {QStringLiteral("Driver"), QStringLiteral("DRIVER")},
                              {QStringLiteral("Scope"), QStringLiteral("SCOPE")},
                              {QStringLiteral("IPv4"), QStringLiteral("IPV4")},
                              {QStringLiteral("IPv6"), QStringLiteral("IPV6")},
                              {QStringLiteral("Internal"), QStringLiteral("INTERNAL")},
                              {QStringLiteral("Labels"), QStringLiteral("LABELS")},
                              {QStringLiteral("CreatedAt"), QStringLiteral("CREATED AT")}};
    auto text = f->render(rows, headers);
    if (!text) {
        context.err() << QString::fromStdString(text.error().message()) << Qt::endl;
        return 1;
    }
    context.out() << *text << Qt::flush;
    return 0;
}

int runNetworkInspect(Context &context, const ParsedArgs &args)
{
    QList<QByteArray> raws;
    QStringList errors;
    for (const QString &name : args.positionals()) {
        Client::Request request;
        request.path = QStringLiteral("/networks/%1").arg(name);
        if (args.flag(QStringLiteral("verbose")))
            request.query.addQueryItem(QStringLiteral("verbose"), QStringLiteral("true"));
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

int runNetworkRemove(Context &context, const ParsedArgs &args)
{
    bool failed = false;
    for (const QString &name : args.positionals()) {
        Client::Request request;
        request.method = "DELETE";
        request.path = QStringLiteral("/networks/%1").arg(name);
        auto reply = send(context, request);
        if (!reply) {
            if (isFatal(reply.error()))
                return context.reportError(reply.error());
            if (args.flag(QStringLiteral("force")) && reply.error().code() == ErrorCode::NotFound)
                continue; // docker 28: -f ignores networks that do not exist
            context.out().flush();
            context.err() << "Error response from daemon: " << QString::fromStdString(reply.error().message()) << Qt::endl;
            failed = true;
            continue;
        }
        context.out() << name << Qt::endl;
    }
    if (failed) {
        // docker 28's network rm ends its error lines with the status error's text.
        context.err() << "exit status 1" << Qt::endl;
        return 1;
    }
    return 0;
}

int runNetworkCreate(Context &context, const ParsedArgs &args)
{
    const QString name = args.positionals().first();
    QJsonObject labels;
    for (const QString &l : args.values(QStringLiteral("label"))) {
        const qsizetype eq = l.indexOf(QLatin1Char('='));
        labels.insert(eq < 0 ? l : l.left(eq), eq < 0 ? QString() : l.mid(eq + 1));
    }
    const QJsonObject body{{QStringLiteral("Name"), name},
                           {QStringLiteral("Driver"), args.value(QStringLiteral("driver"), QStringLiteral("bridge"))},
                           {QStringLiteral("Internal"), args.flag(QStringLiteral("internal"))},
                           {QStringLiteral("Labels"), labels}};
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/networks/create");
    request.contentType = "application/json";
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    auto reply = send(context, request);
    if (!reply)
        return context.reportError(reply.error());
    auto o = objectOf(*reply, QStringLiteral("POST /networks/create"));
    if (!o)
        return context.reportError(o.error());
    context.out() << o->value(QStringLiteral("Id")).toString() << Qt::endl;
    return 0;
}

int runNetworkPrune(Context &context, const ParsedArgs &args)
{
    auto filters = filtersOf(context, QStringLiteral("network prune"), args.values(QStringLiteral("filter")));
    if (!filters)
        return filters.error();
    if (!args.flag(QStringLiteral("force"))) {
        context.out() << "WARNING! This will remove all custom networks not used by at least one container.\n"
                         "Are you sure you want to continue? [y/N] "
                      << Qt::flush;
        QTextStream in(stdin);
        if (in.readLine().trimmed().compare(QLatin1String("y"), Qt::CaseInsensitive) != 0)
            return 0;
    }
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/networks/prune");
    if (!filters->isEmpty())
        request.query.addQueryItem(QStringLiteral("filters"), compactJson(*filters));
    auto reply = send(context, request);
    if (!reply)
        return context.reportError(reply.error());
    auto o = objectOf(*reply, QStringLiteral("POST /networks/prune"));
    if (!o)
        return context.reportError(o.error());
    const QJsonArray deleted = o->value(QStringLiteral("NetworksDeleted")).toArray();
    if (!deleted.isEmpty()) {
        context.out() << "Deleted Networks:\n";
        for (const QJsonValue &d : deleted)
            context.out() << d.toString() << '\n';
        context.out() << Qt::flush;
    }
    return 0;
}

} // namespace

void registerNetworkCommands(CommandRegistry &registry)
{
    Command group;
    group.path = QStringLiteral("network");
    group.section = Command::Section::Management;
    group.shortHelp = QStringLiteral("Manage networks");
    registry.add(std::move(group));

    Command ls;
    ls.path = QStringLiteral("network ls");
    ls.aliases = {QStringLiteral("network list")};
    ls.shortHelp = QStringLiteral("List networks");
    ls.usage = QStringLiteral("[OPTIONS]");
    ls.options = {valueOption("filter", 'f', "filter", "Provide filter values (e.g. \"driver=bridge\")", OptionSpec::Kind::List),
                  formatOption(false), boolOption("no-trunc", 0, "Do not truncate the output"),
                  boolOption("quiet", 'q', "Only display network IDs")};
    ls.maxArgs = 0;
    ls.run = runNetworkList;
    registry.add(std::move(ls));

    Command inspect;
    inspect.path = QStringLiteral("network inspect");
    inspect.shortHelp = QStringLiteral("Display detailed information on one or more networks");
    inspect.usage = QStringLiteral("[OPTIONS] NETWORK [NETWORK...]");
    inspect.options = {formatOption(true), boolOption("verbose", 'v', "Verbose output for diagnostics")};
    inspect.minArgs = 1;
    inspect.run = runNetworkInspect;
    registry.add(std::move(inspect));

    Command rm;
    rm.path = QStringLiteral("network rm");
    rm.aliases = {QStringLiteral("network remove")};
    rm.shortHelp = QStringLiteral("Remove one or more networks");
    rm.usage = QStringLiteral("NETWORK [NETWORK...]");
    rm.options = {boolOption("force", 'f', "Do not error if the network does not exist")};
    rm.minArgs = 1;
    rm.run = runNetworkRemove;
    registry.add(std::move(rm));

    Command create;
    create.path = QStringLiteral("network create");
    create.shortHelp = QStringLiteral("Create a network");
    create.usage = QStringLiteral("[OPTIONS] NETWORK");
    OptionSpec driver = valueOption("driver", 'd', "string", "Driver to manage the Network");
    driver.defaultValue = QStringLiteral("\"bridge\"");
    create.options = {driver, boolOption("internal", 0, "Restrict external access to the network"),
                      valueOption("label", 0, "list", "Set metadata on a network", OptionSpec::Kind::List)};
    create.minArgs = 1;
    create.maxArgs = 1;
    create.run = runNetworkCreate;
    registry.add(std::move(create));

    Command prune;
    prune.path = QStringLiteral("network prune");
    prune.shortHelp = QStringLiteral("Remove all unused networks");
    prune.usage = QStringLiteral("[OPTIONS]");
    prune.options = {valueOption("filter", 0, "filter", "Provide filter values (e.g. \"until=<timestamp>\")", OptionSpec::Kind::List),
                     boolOption("force", 'f', "Do not prompt for confirmation")};
    prune.maxArgs = 0;
    prune.run = runNetworkPrune;
    registry.add(std::move(prune));
}

} // namespace Berth::Cli
