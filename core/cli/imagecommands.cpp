#include "imagecommands.h"

#include "commandregistry.h"
#include "context.h"
#include "imagerows.h"
#include "jsonoutput.h"
#include "tableformat.h"
#include "units.h"

#include <client/engineclient.h>
#include <common/imagedeleteresponse.h>
#include <common/reference.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

#include <cstdio>

namespace Berth::Cli {

namespace {

// Decodes every object of a JSON array reply into T (T::fromJson).
template<typename T>
Result<QList<T>> decodeEach(const QJsonArray &array)
{
    QList<T> out;
    out.reserve(array.size());
    for (const QJsonValue &v : array) {
        auto item = T::fromJson(v.toObject());
        if (!item)
            return fail(item.error());
        out.append(*item);
    }
    return out;
}

// docker's map form of --filter values: {"dangling":{"true":true}}.
Result<QJsonObject> parseFilters(const QStringList &values, QJsonObject filters = {})
{
    for (const QString &filter : values) {
        const qsizetype eq = filter.indexOf(QLatin1Char('='));
        if (eq < 0) {
            return fail(ErrorCode::InvalidArgument, "invalid argument \"" + filter.toStdString()
                                                        + "\" for \"-f, --filter\" flag: bad format of filter (expected name=value)");
        }
        const QString key = filter.left(eq).trimmed().toLower();
        QJsonObject set = filters.value(key).toObject();
        set.insert(filter.mid(eq + 1).trimmed(), true);
        filters.insert(key, set);
    }
    return filters;
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

Result<Client::Response> sendRequest(Context &context, const Client::Request &request)
{
    auto client = context.client();
    if (!client)
        return fail(client.error());
    return Client::await((*client)->send(request));
}

Result<QJsonArray> getArray(Context &context, const Client::Request &request)
{
    auto reply = sendRequest(context, request);
    if (!reply)
        return fail(reply.error());
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(reply->body, &pe);
    if (pe.error != QJsonParseError::NoError || !(doc.isArray() || doc.isNull()))
        return fail(ErrorCode::Protocol, request.path.toStdString() + ": the reply is not a JSON array");
    return doc.array();
}

// A usage error of an option value, as docker words it.
int usageError(Context &context, const QString &path, const Error &error)
{
    return context.reportUsageError(*context.registry().find(path), QString::fromStdString(error.message()));
}

int printRows(Context &context, const QString &format, const QString &defaultFormat,
              const QList<QJsonObject> &rows, const QJsonObject &headers)
{
    auto f = TableFormat::parse(format, defaultFormat);
    if (!f) {
        context.err() << QString::fromStdString(f.error().message()) << Qt::endl;
        return 1;
    }
    auto text = f->render(rows, headers);
    if (!text) {
        context.err() << QString::fromStdString(text.error().message()) << Qt::endl;
        return 1;
    }
    context.out() << *text << Qt::flush;
    return 0;
}

// --- image ls -----------------------------------------------------------

int runImageList(Context &context, const ParsedArgs &args)
{
    const bool quiet = args.flag(QStringLiteral("quiet"));
    const bool digests = args.flag(QStringLiteral("digests"));
    auto filters = parseFilters(args.values(QStringLiteral("filter")));
    if (!filters)
        return usageError(context, QStringLiteral("image ls"), filters.error());
    if (!args.positionals().isEmpty()) {
        QJsonObject ref = filters->value(QStringLiteral("reference")).toObject();
        ref.insert(args.positionals().first(), true);
        filters->insert(QStringLiteral("reference"), ref);
    }
    Client::Request request;
    request.path = QStringLiteral("/images/json");
    if (args.flag(QStringLiteral("all")))
        request.query.addQueryItem(QStringLiteral("all"), QStringLiteral("1"));
    if (!filters->isEmpty())
        request.query.addQueryItem(QStringLiteral("filters"), compact(*filters));
    auto array = getArray(context, request);
    if (!array)
        return context.reportError(array.error());

    auto summaries = decodeEach<Common::ImageSummary>(*array);
    if (!summaries)
        return context.reportError(summaries.error());
    ImageRows::ListOptions options;
    options.digests = digests;
    options.truncate = !args.flag(QStringLiteral("no-trunc"));
    options.nowSeconds = QDateTime::currentSecsSinceEpoch();
    QString format = args.value(QStringLiteral("format"));
    if (format.isEmpty() || format == QLatin1String("table"))
        format = quiet ? QStringLiteral("{{.ID}}") : ImageRows::imageTableFormat(digests);
    else if (format.startsWith(QLatin1String("table")) && digests && !format.contains(QLatin1String("{{.Digest}}")))
        format += QStringLiteral("\t{{.Digest}}");
    return printRows(context, format, format, ImageRows::images(*summaries, options), ImageRows::imageHeaders());
}

// --- image history --------------------------------------------------------

int runHistory(Context &context, const ParsedArgs &args)
{
    Client::Request request;
    request.path = QStringLiteral("/images/%1/history").arg(args.positionals().first());
    auto array = getArray(context, request);
    if (!array)
        return context.reportError(array.error());
    auto items = decodeEach<Common::ImageHistoryItem>(*array);
    if (!items)
        return context.reportError(items.error());
    ImageRows::HistoryOptions options;
    options.human = !args.isSet(QStringLiteral("human")) || args.flag(QStringLiteral("human"));
    options.truncate = !args.flag(QStringLiteral("no-trunc"));
    options.nowSeconds = QDateTime::currentSecsSinceEpoch();
    QString format = args.value(QStringLiteral("format"));
    if (format.isEmpty() || format == QLatin1String("table")) {
        format = args.flag(QStringLiteral("quiet")) ? QStringLiteral("{{.ID}}")
                                                     : ImageRows::historyTableFormat(options.human);
    }
    return printRows(context, format, format, ImageRows::history(*items, options), ImageRows::historyHeaders());
}

// --- image tag ------------------------------------------------------------

int printFailure(Context &context, const QString &message)
{
    context.out().flush();
    context.err() << message << Qt::endl;
    return 1;
}

int runTag(Context &context, const ParsedArgs &args)
{
    const QString source = args.positionals().at(0);
    const QString target = args.positionals().at(1);
    if (auto s = Common::Reference::parseAny(source, Common::Reference::Dialect::DockerCli); !s) {
        return printFailure(context, QStringLiteral("Error parsing reference: \"%1\" is not a valid repository/tag: %2")
                                         .arg(source, QString::fromStdString(s.error().message())));
    }
    auto ref = Common::Reference::parseNormalized(target, Common::Reference::Dialect::DockerCli);
    if (!ref) {
        return printFailure(context, QStringLiteral("Error parsing reference: \"%1\" is not a valid repository/tag: %2")
                                         .arg(target, QString::fromStdString(ref.error().message())));
    }
    if (!ref->digest().isEmpty())
        return printFailure(context, QStringLiteral("refusing to create a tag with a digest reference"));
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/%1/tag").arg(source);
    request.query.addQueryItem(QStringLiteral("repo"), ref->name());
    request.query.addQueryItem(QStringLiteral("tag"), ref->tag().isEmpty() ? QStringLiteral("latest") : ref->tag());
    auto reply = sendRequest(context, request);
    if (!reply)
        return context.reportError(reply.error());
    return 0;
}

// --- image rm -------------------------------------------------------------

int runRemove(Context &context, const ParsedArgs &args)
{
    QStringList errors;
    for (const QString &name : args.positionals()) {
        Client::Request request;
        request.method = "DELETE";
        request.path = QStringLiteral("/images/%1").arg(name);
        if (args.flag(QStringLiteral("force")))
            request.query.addQueryItem(QStringLiteral("force"), QStringLiteral("1"));
        if (args.flag(QStringLiteral("no-prune")))
            request.query.addQueryItem(QStringLiteral("noprune"), QStringLiteral("1"));
        auto array = getArray(context, request);
        if (!array) {
            if (Client::isHelperUnreachable(array.error()) || array.error().code() == ErrorCode::Protocol
                || array.error().code() == ErrorCode::Io || array.error().code() == ErrorCode::Timeout) {
                return context.reportError(array.error());
            }
            errors << QStringLiteral("Error response from daemon: ") + QString::fromStdString(array.error().message());
            continue;
        }
        for (const QJsonValue &v : std::as_const(*array)) {
            auto item = Common::ImageDeleteItem::fromJson(v.toObject());
            if (!item)
                continue;
            if (!item->deleted.isEmpty())
                context.out() << "Deleted: " << item->deleted << '\n';
            else
                context.out() << "Untagged: " << item->untagged << '\n';
        }
        context.out().flush();
    }
    if (!errors.isEmpty())
        return printFailure(context, errors.join(QLatin1Char('\n')));
    return 0;
}

// --- image prune ----------------------------------------------------------

// prompt.Confirm: the question on stdout, one line from stdin, "y" or "Y" agrees.
bool confirm(Context &context, const QString &question)
{
    context.out() << question << " [y/N] " << Qt::flush;
    QTextStream in(stdin);
    const QString answer = in.readLine().trimmed();
    return answer.compare(QLatin1String("y"), Qt::CaseInsensitive) == 0;
}

int runPrune(Context &context, const ParsedArgs &args)
{
    const bool all = args.flag(QStringLiteral("all"));
    QJsonObject base;
    base.insert(QStringLiteral("dangling"), QJsonObject{{all ? QStringLiteral("false") : QStringLiteral("true"), true}});
    auto filters = parseFilters(args.values(QStringLiteral("filter")), base);
    if (!filters)
        return usageError(context, QStringLiteral("image prune"), filters.error());
    if (!args.flag(QStringLiteral("force"))) {
        const QString warning = all ? QStringLiteral("WARNING! This will remove all images without at least one container associated to them.\n"
                                                     "Are you sure you want to continue?")
                                    : QStringLiteral("WARNING! This will remove all dangling images.\n"
                                                     "Are you sure you want to continue?");
        if (!confirm(context, warning))
            return 0;
    }
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/prune");
    request.query.addQueryItem(QStringLiteral("filters"), compact(*filters));
    auto reply = sendRequest(context, request);
    if (!reply)
        return context.reportError(reply.error());
    const QJsonObject o = QJsonDocument::fromJson(reply->body).object();
    auto report = Common::ImagePruneReport::fromJson(o);
    if (!report)
        return context.reportError(report.error());
    if (!report->imagesDeleted.isEmpty()) {
        context.out() << "Deleted Images:\n";
        for (const Common::ImageDeleteItem &item : std::as_const(report->imagesDeleted)) {
            if (!item.untagged.isEmpty())
                context.out() << "untagged: " << item.untagged << '\n';
            else
                context.out() << "deleted: " << item.deleted << '\n';
        }
        context.out() << '\n';
    }
    context.out() << "Total reclaimed space: " << Units::humanSize(double(report->spaceReclaimed)) << Qt::endl;
    return 0;
}

// --- inspect --------------------------------------------------------------

// What one name resolved to: the raw JSON, or the error text docker prints.
struct Inspected
{
    QByteArray raw;
    QString error;
    bool fatal = false; // the engine could not be reached: stop
    Error fatalError = Error(ErrorCode::Internal, "");
};

bool skipsToNextType(const Error &e)
{
    const std::string &m = e.message();
    return e.code() == ErrorCode::NotFound || m.find("not supported") != std::string::npos
           || m.find("invalid reference format") != std::string::npos;
}

Inspected fetch(Context &context, const QString &path, const QUrlQuery &query = {})
{
    Client::Request request;
    request.path = path;
    request.query = query;
    auto reply = sendRequest(context, request);
    Inspected r;
    if (reply) {
        r.raw = reply->body.trimmed();
        return r;
    }
    if (Client::isHelperUnreachable(reply.error()) || reply.error().code() == ErrorCode::Protocol
        || reply.error().code() == ErrorCode::Io || reply.error().code() == ErrorCode::Timeout) {
        r.fatal = true;
        r.fatalError = reply.error();
    }
    r.error = QStringLiteral("Error response from daemon: ") + QString::fromStdString(reply.error().message());
    r.fatalError = reply.error();
    return r;
}

// The engine's JSON holds null where docker's Go structs hold nil slices and
// maps, which its templates print as "[]" and "map[]": give templates the same.
QJsonValue goTypedNulls(const QJsonValue &value, const QString &key = QString())
{
    static const QStringList slices = {QStringLiteral("Env"), QStringLiteral("Cmd"), QStringLiteral("Entrypoint"),
                                       QStringLiteral("OnBuild"), QStringLiteral("RepoTags"), QStringLiteral("RepoDigests"),
                                       QStringLiteral("Layers"), QStringLiteral("Shell")};
    static const QStringList maps = {QStringLiteral("Labels"), QStringLiteral("Volumes"), QStringLiteral("ExposedPorts")};
    if (value.isNull()) {
        if (slices.contains(key))
            return QJsonArray();
        if (maps.contains(key))
            return QJsonObject();
        return value;
    }
    if (value.isObject()) {
        QJsonObject o = value.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            it.value() = goTypedNulls(it.value(), it.key());
        return o;
    }
    if (value.isArray()) {
        QJsonArray a = value.toArray();
        for (qsizetype i = 0; i < a.size(); ++i)
            a[i] = goTypedNulls(a.at(i));
        return a;
    }
    return value;
}

int printInspected(Context &context, const QList<QByteArray> &raws, const QStringList &errors, const QString &format)
{
    if (!format.isEmpty()) {
        auto t = context.parseTemplate(format, 1);
        if (!t)
            return t.error();
        for (const QByteArray &raw : raws) {
            auto text = t->execute(goTypedNulls(QJsonDocument::fromJson(raw).object()));
            if (!text) {
                context.err() << "template parsing error: " << QString::fromStdString(text.error().message()) << Qt::endl;
                return 1;
            }
            context.out() << *text << '\n';
        }
        context.out().flush();
    } else if (raws.isEmpty()) {
        context.out() << "[]\n" << Qt::flush;
    } else {
        QByteArray all = "[";
        for (qsizetype i = 0; i < raws.size(); ++i) {
            if (i > 0)
                all += ',';
            all += raws.at(i);
        }
        all += ']';
        context.out() << QString::fromUtf8(indentJson(all)) << '\n' << Qt::flush;
    }
    if (!errors.isEmpty())
        return printFailure(context, errors.join(QLatin1Char('\n')));
    return 0;
}

int runImageInspect(Context &context, const ParsedArgs &args)
{
    QList<QByteArray> raws;
    QStringList errors;
    for (const QString &name : args.positionals()) {
        const Inspected r = fetch(context, QStringLiteral("/images/%1/json").arg(name));
        if (r.fatal)
            return context.reportError(r.fatalError);
        if (!r.error.isEmpty())
            errors << r.error;
        else
            raws << r.raw;
    }
    return printInspected(context, raws, errors, args.value(QStringLiteral("format")));
}

int runInspect(Context &context, const ParsedArgs &args)
{
    const QString type = args.value(QStringLiteral("type"));
    static const QStringList types = {QStringLiteral("container"), QStringLiteral("image"), QStringLiteral("network"),
                                      QStringLiteral("volume"), QStringLiteral("plugin")};
    if (!type.isEmpty() && !types.contains(type))
        return printFailure(context, QStringLiteral("\"%1\" is not a valid value for --type").arg(type));
    QList<QByteArray> raws;
    QStringList errors;
    for (const QString &name : args.positionals()) {
        struct Kind { const char *type; QString path; };
        QUrlQuery containerQuery;
        if (args.flag(QStringLiteral("size")))
            containerQuery.addQueryItem(QStringLiteral("size"), QStringLiteral("1"));
        const QList<Kind> kinds = {
            {"container", QStringLiteral("/containers/%1/json").arg(name)},
            {"image", QStringLiteral("/images/%1/json").arg(name)},
            {"network", QStringLiteral("/networks/%1").arg(name)},
            {"volume", QStringLiteral("/volumes/%1").arg(name)},
            {"plugin", QStringLiteral("/plugins/%1/json").arg(name)},
        };
        bool found = false;
        QString stop;
        for (const Kind &kind : kinds) {
            if (!type.isEmpty() && type != QLatin1String(kind.type))
                continue;
            const Inspected r = fetch(context, kind.path,
                                      qstrcmp(kind.type, "container") == 0 ? containerQuery : QUrlQuery());
            if (r.fatal)
                return context.reportError(r.fatalError);
            if (r.error.isEmpty()) {
                raws << r.raw;
                found = true;
                break;
            }
            if (!skipsToNextType(r.fatalError)) {
                stop = r.error;
                break;
            }
        }
        if (found)
            continue;
        if (!stop.isEmpty())
            errors << stop;
        else if (!type.isEmpty())
            errors << QStringLiteral("Error: No such %1: %2").arg(type, name);
        else
            errors << QStringLiteral("Error: No such object: %1").arg(name);
    }
    return printInspected(context, raws, errors, args.value(QStringLiteral("format")));
}

} // namespace

void registerImageCommands(CommandRegistry &registry)
{
    Command group;
    group.path = QStringLiteral("image");
    group.section = Command::Section::Management;
    group.shortHelp = QStringLiteral("Manage images");
    registry.add(std::move(group));

    const OptionSpec filter = valueOption("filter", 'f', "filter", "Filter output based on conditions provided",
                                          OptionSpec::Kind::List);
    const OptionSpec noTrunc = boolOption("no-trunc", 0, "Don't truncate output");

    Command ls;
    ls.path = QStringLiteral("image ls");
    ls.aliases = {QStringLiteral("image list"), QStringLiteral("images")};
    ls.section = Command::Section::Common;
    ls.shortHelp = QStringLiteral("List images");
    ls.usage = QStringLiteral("[OPTIONS] [REPOSITORY[:TAG]]");
    ls.options = {boolOption("all", 'a', "Show all images (default hides intermediate images)"),
                  boolOption("digests", 0, "Show digests"), filter, formatOption(false), noTrunc,
                  boolOption("quiet", 'q', "Only show image IDs")};
    ls.maxArgs = 1;
    ls.run = runImageList;
    registry.add(std::move(ls));

    Command inspect;
    inspect.path = QStringLiteral("image inspect");
    inspect.shortHelp = QStringLiteral("Display detailed information on one or more images");
    inspect.usage = QStringLiteral("[OPTIONS] IMAGE [IMAGE...]");
    inspect.options = {formatOption(true)};
    inspect.minArgs = 1;
    inspect.run = runImageInspect;
    registry.add(std::move(inspect));

    Command history;
    history.path = QStringLiteral("image history");
    history.aliases = {QStringLiteral("history")};
    history.shortHelp = QStringLiteral("Show the history of an image");
    history.usage = QStringLiteral("[OPTIONS] IMAGE");
    OptionSpec human = boolOption("human", 'H', "Print sizes and dates in human readable format");
    human.defaultValue = QStringLiteral("true");
    history.options = {formatOption(false), human, noTrunc, boolOption("quiet", 'q', "Only show image IDs")};
    history.minArgs = 1;
    history.maxArgs = 1;
    history.run = runHistory;
    registry.add(std::move(history));

    Command tag;
    tag.path = QStringLiteral("image tag");
    tag.aliases = {QStringLiteral("tag")};
    tag.shortHelp = QStringLiteral("Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE");
    tag.usage = QStringLiteral("SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]");
    tag.minArgs = 2;
    tag.maxArgs = 2;
    tag.run = runTag;
    registry.add(std::move(tag));

    Command rm;
    rm.path = QStringLiteral("image rm");
    rm.aliases = {QStringLiteral("image remove"), QStringLiteral("rmi")};
    rm.shortHelp = QStringLiteral("Remove one or more images");
    rm.usage = QStringLiteral("[OPTIONS] IMAGE [IMAGE...]");
    rm.options = {boolOption("force", 'f', "Force removal of the image"),
                  boolOption("no-prune", 0, "Do not delete untagged parents")};
    rm.minArgs = 1;
    rm.run = runRemove;
    registry.add(std::move(rm));

    Command prune;
    prune.path = QStringLiteral("image prune");
    prune.shortHelp = QStringLiteral("Remove unused images");
    prune.usage = QStringLiteral("[OPTIONS]");
    prune.options = {boolOption("all", 'a', "Remove all unused images, not just dangling ones"),
                     valueOption("filter", 0, "filter", "Provide filter values (e.g. \"until=<timestamp>\")",
                                 OptionSpec::Kind::List),
                     boolOption("force", 'f', "Do not prompt for confirmation")};
    prune.maxArgs = 0;
    prune.run = runPrune;
    registry.add(std::move(prune));

    Command generic;
    generic.path = QStringLiteral("inspect");
    generic.shortHelp = QStringLiteral("Return low-level information on Berth objects");
    generic.usage = QStringLiteral("[OPTIONS] NAME|ID [NAME|ID...]");
    generic.options = {formatOption(true), boolOption("size", 's', "Display total file sizes if the type is container"),
                       valueOption("type", 0, "string", "Only inspect objects of the given type")};
    generic.minArgs = 1;
    generic.run = runInspect;
    registry.add(std::move(generic));
}

} // namespace Berth::Cli
