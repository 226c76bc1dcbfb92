#include "eventscommand.h"

#include "commandregistry.h"
#include "context.h"
#include "gotemplate.h"
#include "units.h"

#include <client/engineclient.h>

#include <QDateTime>
#include <QEventLoop>
#include <QJsonObject>

namespace Berth::Cli {

QString eventLine(const Common::Event &event)
{
    QString line;
    if (event.timeNano != 0)
        line = Units::rfc3339NanoFixed(event.timeNano) + QLatin1Char(' ');
    line += event.type + QLatin1Char(' ') + event.action + QLatin1Char(' ') + event.actorId;
    if (!event.attributes.isEmpty()) {
        QStringList attrs;
        for (auto it = event.attributes.cbegin(); it != event.attributes.cend(); ++it) // QMap: sorted as docker does
            attrs << it.key() + QLatin1Char('=') + it.value();
        line += QStringLiteral(" (") + attrs.join(QStringLiteral(", ")) + QLatin1Char(')');
    }
    return line;
}

static int runEvents(Context &context, const ParsedArgs &args)
{
    const auto &self = *context.registry().find(QStringLiteral("system events"));
    const auto parsedFormat = context.formatTemplate(args);
    if (!parsedFormat)
        return parsedFormat.error();
    const std::optional<GoTemplate> &format = *parsedFormat;

    Client::EventsQuery query;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    for (const char *name : {"since", "until"}) {
        const QString value = args.value(QLatin1String(name));
        if (value.isEmpty())
            continue;
        const auto ts = Units::timestampOption(value, now);
        if (!ts) {
            return context.reportUsageError(
                self, QStringLiteral("invalid argument \"%1\" for \"--%2\" flag: not a timestamp, date or duration")
                          .arg(value, QLatin1String(name)));
        }
        (QLatin1String(name) == QLatin1String("since") ? query.since : query.until) = *ts;
    }
    for (const QString &filter : args.values(QStringLiteral("filter"))) {
        const qsizetype eq = filter.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            return context.reportUsageError(
                self, QStringLiteral("invalid argument \"%1\" for \"-f, --filter\" flag: bad format of filter (expected name=value)")
                          .arg(filter));
        }
        // docker's map form: {"type":{"container":true}}
        const QString key = filter.left(eq).trimmed().toLower();
        QJsonObject values = query.filters.value(key).toObject();
        values.insert(filter.mid(eq + 1), true);
        query.filters.insert(key, values);
    }

    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    (*client)->setTimeout(0); // no reply body comes until an event happens

    QEventLoop loop;
    int exitCode = 0;
    std::unique_ptr<Client::EventStream> stream((*client)->events(query));
    QObject::connect(stream.get(), &Client::EventStream::event, &loop, [&](const Common::Event &event) {
        if (format) {
            auto text = format->execute(event.toJson());
            if (!text) {
                context.err() << QString::fromStdString(text.error().message()) << Qt::endl;
                exitCode = 1;
                loop.quit();
                return;
            }
            context.out() << *text << Qt::endl;
        } else {
            context.out() << eventLine(event) << Qt::endl;
        }
    });
    QObject::connect(stream.get(), &Client::EventStream::finished, &loop, [&](const Status &result) {
        if (!result)
            exitCode = context.reportError(result.error());
        loop.quit();
    });
    loop.exec();
    return exitCode;
}

void registerEventsCommand(CommandRegistry &registry)
{
    Command c;
    c.path = QStringLiteral("system events");
    c.aliases = {QStringLiteral("events")};
    c.section = Command::Section::Other;
    c.shortHelp = QStringLiteral("Get real time events from the server");
    c.usage = QStringLiteral("[OPTIONS]");
    OptionSpec filter;
    filter.name = QStringLiteral("filter");
    filter.shorthand = QLatin1Char('f');
    filter.kind = OptionSpec::Kind::List;
    filter.valueType = QStringLiteral("filter");
    filter.help = QStringLiteral("Filter output based on conditions provided");
    OptionSpec since;
    since.name = QStringLiteral("since");
    since.kind = OptionSpec::Kind::Value;
    since.help = QStringLiteral("Show all events created since timestamp");
    OptionSpec until;
    until.name = QStringLiteral("until");
    until.kind = OptionSpec::Kind::Value;
    until.help = QStringLiteral("Stream events until this timestamp");
    c.options = {filter, formatOption(false), since, until};
    c.maxArgs = 0;
    c.run = runEvents;
    registry.add(std::move(c));
}

} // namespace Berth::Cli
