#include "containercommands.h"

#include "attachsession.h"
#include "commandregistry.h"
#include "containeroptions.h"
#include "containerrequests.h"
#include "context.h"
#include "detachkeys.h"
#include "envfile.h"
#include "jsonmessages.h"
#include "jsonoutput.h"
#include "tableformat.h"
#include "terminal.h"
#include "units.h"

#include <client/engineclient.h>
#include <client/hijackedstream.h>
#include <client/multiplexeddecoder.h>
#include <client/responsestream.h>
#include <common/reference.h>

#include <QDateTime>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>
#include <QTimer>

#include <csignal>

#include <unistd.h>

namespace Berth::Cli {

namespace {

using namespace ContainerRequests;

QString daemonMessage(const Error &error)
{
    return QStringLiteral("Error response from daemon: ") + QString::fromStdString(error.message());
}

// docker run/create's own error form: "docker: <text>" and a help hint.
int runError(Context &context, const QString &command, const QString &message, int exitCode = 125)
{
    context.out().flush();
    context.err() << "berth: " << message << "\n\nRun 'berth " << command << " --help' for more information" << Qt::endl;
    return exitCode;
}

int runDaemonError(Context &context, const QString &command, const Error &error, int exitCode = 125)
{
    if (isFatal(error))
        return context.reportError(error, exitCode);
    return runError(context, command, daemonMessage(error), exitCode);
}

// Per-object errors of commands taking several containers (stop, kill,
// rm, ...): each error on stderr as it happens, the names that worked on
// stdout, exit 1 when any failed.
struct MultiResult
{
    QStringList failed;
    int exitCode() const { return failed.isEmpty() ? 0 : 1; }
};

int forEachContainer(Context &context, const QStringList &refs, const std::function<Status(const QString &)> &action,
                     const QString &summary = QString())
{
    MultiResult result;
    for (const QString &ref : refs) {
        const Status s = action(ref);
        if (!s) {
            if (isFatal(s.error()))
                return context.reportError(s.error());
            context.out().flush();
            context.err() << daemonMessage(s.error()) << Qt::endl;
            result.failed << ref;
            continue;
        }
        context.out() << ref << Qt::endl;
    }
    if (!result.failed.isEmpty() && !summary.isEmpty())
        context.err() << "Error: " << summary << ": " << result.failed.join(QStringLiteral(", ")) << Qt::endl;
    return result.exitCode();
}

// --- pulling a missing image (run/create --pull missing|always) ----------------

Status pullImage(Context &context, const QString &image, const QString &platform, bool quiet)
{
    auto ref = Common::Reference::parseNormalizedWithDefaultTag(image, Common::Reference::Dialect::DockerCli);
    if (!ref)
        return fail(ErrorCode::InvalidArgument, "invalid reference format: " + image.toStdString());
    auto client = context.client();
    if (!client)
        return fail(client.error());
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/create");
    request.query.addQueryItem(QStringLiteral("fromImage"), ref->name());
    if (!ref->digest().isEmpty())
        request.query.addQueryItem(QStringLiteral("tag"), ref->digest());
    else
        request.query.addQueryItem(QStringLiteral("tag"), ref->tag());
    if (!platform.isEmpty())
        request.query.addQueryItem(QStringLiteral("platform"), platform);
    std::unique_ptr<Client::ResponseStream> stream((*client)->openStream(request));
    QByteArray body;
    Status result;
    bool finished = false;
    QEventLoop loop;
    QObject::connect(stream.get(), &Client::ResponseStream::data, &loop, [&](const QByteArray &b) { body += b; });
    QObject::connect(stream.get(), &Client::ResponseStream::finished, &loop, [&](const Status &s) {
        result = s;
        finished = true;
        loop.quit();
    });
    if (!finished)
        loop.exec();
    if (!result)
        return result;
    const JsonMessagesOutput shown = displayJsonMessages(body);
    if (!quiet)
        context.err() << shown.text << Qt::flush;
    if (shown.error)
        return fail(ErrorCode::Internal, shown.error->toStdString());
    return {};
}

// POST /containers/create, pulling on 404 as docker does.
Result<QString> createContainer(Context &context, const CreateSpec &spec)
{
    if (spec.pull == CreateSpec::Pull::Always) {
        if (auto s = pullImage(context, spec.image, spec.platform, spec.quiet); !s)
            return fail(s.error());
    }
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/containers/create");
    if (!spec.name.isEmpty())
        request.query.addQueryItem(QStringLiteral("name"), spec.name);
    if (!spec.platform.isEmpty())
        request.query.addQueryItem(QStringLiteral("platform"), spec.platform);
    request.contentType = "application/json";
    request.body = QJsonDocument(spec.body).toJson(QJsonDocument::Compact);
    auto reply = send(context, request);
    if (!reply && reply.error().code() == ErrorCode::NotFound && spec.pull == CreateSpec::Pull::Missing
        && QString::fromStdString(reply.error().message()).startsWith(QLatin1String("No such image"))) {
        context.out().flush();
        context.err() << "Unable to find image '" << spec.image << "' locally" << Qt::endl;
        if (auto s = pullImage(context, spec.image, spec.platform, spec.quiet); !s)
            return fail(s.error());
        reply = send(context, request);
    }
    if (!reply)
        return fail(reply.error());
    auto o = objectOf(*reply, QStringLiteral("POST /containers/create"));
    if (!o)
        return fail(o.error());
    for (const QJsonValue &w : o->value(QStringLiteral("Warnings")).toArray())
        context.err() << "WARNING: " << w.toString() << Qt::endl;
    return o->value(QStringLiteral("Id")).toString();
}

std::optional<std::pair<int, int>> localConsoleSize()
{
    if (RawTerminal::isTerminal(1))
        return RawTerminal::size(1);
    if (RawTerminal::isTerminal(0))
        return RawTerminal::size(0);
    return std::nullopt;
}

void sendResize(Context &context, const QString &path)
{
    const auto size = localConsoleSize();
    if (!size || size->first == 0 || size->second == 0)
        return;
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("h"), QString::number(size->first));
    q.addQueryItem(QStringLiteral("w"), QString::number(size->second));
    (void)post(context, path, q);
}

// Opens the hijacked attach stream and waits for the 101.
Result<Client::HijackedStream *> openAttach(Context &context, const QString &id, bool in, bool out, bool err,
                                             const QString &detachKeys, QObject *parent)
{
    auto client = context.client();
    if (!client)
        return fail(client.error());
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/containers/%1/attach").arg(id);
    if (!detachKeys.isEmpty())
        request.query.addQueryItem(QStringLiteral("detachKeys"), detachKeys);
    if (err)
        request.query.addQueryItem(QStringLiteral("stderr"), QStringLiteral("1"));
    if (in)
        request.query.addQueryItem(QStringLiteral("stdin"), QStringLiteral("1"));
    if (out)
        request.query.addQueryItem(QStringLiteral("stdout"), QStringLiteral("1"));
    request.query.addQueryItem(QStringLiteral("stream"), QStringLiteral("1"));
    Client::HijackedStream *stream = (*client)->hijack(request, parent);
    Status refused;
    if (!stream->isEstablished() && !stream->isFinished()) {
        QEventLoop loop;
        QObject::connect(stream, &Client::HijackedStream::established, &loop, &QEventLoop::quit);
        QObject::connect(stream, &Client::HijackedStream::finished, &loop, [&](const Status &s) {
            refused = s;
            loop.quit();
        });
        loop.exec();
    }
    if (!stream->isEstablished()) {
        delete stream;
        if (!refused)
            return fail(refused.error());
        return fail(ErrorCode::Protocol, "attach: the engine closed the connection before the upgrade");
    }
    return stream;
}

// The part of run, start -a and attach after the streams are open: wait
// for the session (and the exit code), with the terminal raw for a TTY,
// resizes on SIGWINCH and signals forwarded without a TTY.
struct InteractiveResult
{
    bool detached = false;
    Status stream;
};

InteractiveResult runSession(Context &context, Client::HijackedStream *stream, const QString &id, bool tty, bool input,
                             const QString &detachKeys, bool sigProxy, ContainerWait *wait,
                             const std::function<Status()> &afterAttach = {}, int *startFailure = nullptr)
{
    InteractiveResult result;
    QByteArray keys;
    if (!detachKeys.isEmpty()) {
        if (auto k = parseDetachKeys(detachKeys))
            keys = *k;
    }
    AttachSession::Options options;
    options.tty = tty;
    options.input = input;
    options.detachKeys = keys;
    context.out().flush();
    context.err().flush();
    AttachSession session(stream, options);

    RawTerminal raw;
    if (tty && input && RawTerminal::isTerminal(0))
        (void)raw.makeRaw(0);

    if (afterAttach) {
        if (auto s = afterAttach(); !s) {
            raw.restore();
            result.stream = s;
            if (startFailure)
                *startFailure = 1;
            return result;
        }
    }
    session.start();

    std::unique_ptr<SignalNotifier> winch;
    std::unique_ptr<SignalNotifier> proxy;
    if (tty) {
        sendResize(context, QStringLiteral("/containers/%1/resize").arg(id));
        winch = std::make_unique<SignalNotifier>(QList<int>{SIGWINCH});
        QObject::connect(winch.get(), &SignalNotifier::received, winch.get(), [&context, id](int) {
            sendResize(context, QStringLiteral("/containers/%1/resize").arg(id));
        });
    } else if (sigProxy) {
        proxy = std::make_unique<SignalNotifier>(QList<int>{SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2});
        QObject::connect(proxy.get(), &SignalNotifier::received, proxy.get(), [&context, id](int signal) {
            QUrlQuery q;
            q.addQueryItem(QStringLiteral("signal"), SignalNotifier::signalName(signal));
            (void)post(context, QStringLiteral("/containers/%1/kill").arg(id), q);
        });
    }

    if (!session.isDone()) {
        QEventLoop loop;
        QObject::connect(&session, &AttachSession::done, &loop, &QEventLoop::quit);
        loop.exec();
    }
    raw.restore();
    result.detached = session.detached();
    result.stream = session.result();
    Q_UNUSED(wait);
    return result;
}

// --- create / run ----------------------------------------------------------------------

std::expected<CreateSpec, int> specFromArgs(Context &context, const ParsedArgs &args, bool forRun)
{
    const QString command = forRun ? QStringLiteral("run") : QStringLiteral("create");
    auto spec = buildCreateSpec(args, forRun, processEnvironment(), localConsoleSize());
    if (!spec) {
        if (spec.error().usage)
            return std::unexpected(context.reportUsageError(ContainerRequests::invokedCommand(context, QStringLiteral("container ") + command),
                                                            spec.error().message));
        return std::unexpected(runError(context, command, spec.error().message));
    }
    return *spec;
}

int runCreate(Context &context, const ParsedArgs &args)
{
    auto spec = specFromArgs(context, args, false);
    if (!spec)
        return spec.error();
    auto id = createContainer(context, *spec);
    if (!id)
        return context.reportError(id.error(), 1);
    context.out() << *id << Qt::endl;
    return 0;
}

int runRun(Context &context, const ParsedArgs &args)
{
    auto spec = specFromArgs(context, args, true);
    if (!spec)
        return spec.error();
    if (spec->tty && spec->attachStdin && !RawTerminal::isTerminal(0)) {
        context.err() << "the input device is not a TTY" << Qt::endl;
        return 1;
    }
    if (spec->detach && spec->autoRemove == false && args.isSet(QStringLiteral("attach")))
        return runError(context, QStringLiteral("run"), QStringLiteral("conflicting options: cannot specify both --attach and --detach"));

    auto id = createContainer(context, *spec);
    if (!id)
        return runDaemonError(context, QStringLiteral("run"), id.error());
    auto client = context.client();
    if (!client)
        return context.reportError(client.error(), 125);

    const bool attach = !spec->detach && (spec->attachStdin || spec->attachStdout || spec->attachStderr);
    QObject owner;
    Client::HijackedStream *stream = nullptr;
    if (attach) {
        auto s = openAttach(context, *id, spec->attachStdin, spec->attachStdout, spec->attachStderr, spec->detachKeys, &owner);
        if (!s)
            return runDaemonError(context, QStringLiteral("run"), s.error());
        stream = *s;
    }
    ContainerWait wait(*client, *id, spec->autoRemove ? QStringLiteral("removed") : QStringLiteral("next-exit"));
    if (auto s = wait.awaitHead(); !s)
        return runDaemonError(context, QStringLiteral("run"), s.error());

    const auto start = [&]() -> Status {
        auto r = post(context, QStringLiteral("/containers/%1/start").arg(*id));
        if (!r)
            return fail(r.error());
        return {};
    };

    if (!attach) {
        if (auto s = start(); !s) {
            if (spec->autoRemove)
                (void)wait.awaitExit();
            return runDaemonError(context, QStringLiteral("run"), s.error(), startErrorExitCode(s.error()));
        }
        context.out() << *id << Qt::endl;
        return 0;
    }

    int startFailed = 0;
    const InteractiveResult r = runSession(context, stream, *id, spec->tty, spec->attachStdin, spec->detachKeys,
                                           spec->sigProxy, &wait, start, &startFailed);
    if (startFailed) {
        if (spec->autoRemove)
            (void)wait.awaitExit();
        return runDaemonError(context, QStringLiteral("run"), r.stream.error(), startErrorExitCode(r.stream.error()));
    }
    if (r.detached)
        return 0;
    if (!r.stream && isFatal(r.stream.error()))
        return context.reportError(r.stream.error(), 125);
    auto code = wait.awaitExit();
    if (!code)
        return runDaemonError(context, QStringLiteral("run"), code.error());
    return *code;
}

// --- start / attach --------------------------------------------------------------------

int attachToRunning(Context &context, const QString &ref, const QJsonObject &inspected, bool noStdin, bool sigProxy,
                    const QString &detachKeys, bool checkRunning, const std::function<Status()> &start, bool isStart)
{
    const QJsonObject config = inspected.value(QStringLiteral("Config")).toObject();
    const QJsonObject state = inspected.value(QStringLiteral("State")).toObject();
    const QString id = inspected.value(QStringLiteral("Id")).toString();
    const bool tty = config.value(QStringLiteral("Tty")).toBool();
    const bool openStdin = config.value(QStringLiteral("OpenStdin")).toBool();
    if (checkRunning) {
        if (!state.value(QStringLiteral("Running")).toBool()) {
            context.err() << "You cannot attach to a stopped container, start it first" << Qt::endl;
            return 1;
        }
        if (state.value(QStringLiteral("Paused")).toBool()) {
            context.err() << "You cannot attach to a paused container, unpause it first" << Qt::endl;
            return 1;
        }
        if (state.value(QStringLiteral("Restarting")).toBool()) {
            context.err() << "You cannot attach to a restarting container, wait until it is running" << Qt::endl;
            return 1;
        }
    }
    const bool input = openStdin && !noStdin;
    if (tty && input && !RawTerminal::isTerminal(0)) {
        context.err() << "the input device is not a TTY" << Qt::endl;
        return 1;
    }
    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    std::unique_ptr<ContainerWait> wait;
    const bool autoRemove = inspected.value(QStringLiteral("HostConfig")).toObject().value(QStringLiteral("AutoRemove")).toBool();
    if (!isStart) {
        wait = std::make_unique<ContainerWait>(*client, id, QString());
        if (auto s = wait->awaitHead(); !s)
            return context.reportError(s.error());
    }
    QObject owner;
    auto stream = openAttach(context, isStart ? id : ref, input, true, true, detachKeys, &owner);
    if (!stream)
        return context.reportError(stream.error());
    if (isStart) {
        wait = std::make_unique<ContainerWait>(*client, id, autoRemove ? QStringLiteral("removed") : QStringLiteral("next-exit"));
        if (auto s = wait->awaitHead(); !s)
            return context.reportError(s.error());
    }
    int startFailed = 0;
    const InteractiveResult r = runSession(context, *stream, id, tty, input, detachKeys, sigProxy && !tty, wait.get(),
                                           start, &startFailed);
    if (startFailed) {
        context.err() << daemonMessage(r.stream.error()) << Qt::endl;
        return isStart ? startErrorExitCode(r.stream.error()) == 125 ? 1 : startErrorExitCode(r.stream.error()) : 1;
    }
    if (r.detached) {
        if (isStart)
            return 0;
        context.err() << "read escape sequence" << Qt::endl;
        return 1;
    }
    if (!r.stream && isFatal(r.stream.error()))
        return context.reportError(r.stream.error());
    auto code = wait->awaitExit();
    if (!code)
        return context.reportError(code.error());
    return *code;
}

int runStart(Context &context, const ParsedArgs &args)
{
    const bool attach = args.flag(QStringLiteral("attach"));
    const bool interactive = args.flag(QStringLiteral("interactive"));
    const QStringList refs = args.positionals();
    if (attach || interactive) {
        if (refs.size() > 1) {
            context.err() << "you cannot start and attach multiple containers at once" << Qt::endl;
            return 1;
        }
        auto inspected = inspect(context, refs.first());
        if (!inspected)
            return context.reportError(inspected.error());
        const QString id = inspected->value(QStringLiteral("Id")).toString();
        const auto start = [&context, id]() -> Status {
            auto r = post(context, QStringLiteral("/containers/%1/start").arg(id));
            if (!r)
                return fail(r.error());
            return {};
        };
        return attachToRunning(context, refs.first(), *inspected, !interactive, true,
                               args.value(QStringLiteral("detach-keys")), false, start, true);
    }
    return forEachContainer(
        context, refs,
        [&context](const QString &ref) -> Status {
            auto r = post(context, QStringLiteral("/containers/%1/start").arg(ref));
            if (!r)
                return fail(r.error());
            return {};
        },
        QStringLiteral("failed to start containers"));
}

int runAttach(Context &context, const ParsedArgs &args)
{
    const QString ref = args.positionals().first();
    auto inspected = inspect(context, ref);
    if (!inspected)
        return context.reportError(inspected.error());
    const bool sigProxy = !args.isSet(QStringLiteral("sig-proxy")) || args.flag(QStringLiteral("sig-proxy"));
    const QString keys = args.value(QStringLiteral("detach-keys"));
    if (!keys.isEmpty() && !parseDetachKeys(keys)) {
        context.err() << "Invalid detach keys (" << keys << ") provided" << Qt::endl;
        return 1;
    }
    return attachToRunning(context, ref, *inspected, args.flag(QStringLiteral("no-stdin")), sigProxy, keys, true, {}, false);
}

// --- stop / restart / kill / wait / rm / rename ------------------------------------------

int runStop(Context &context, const ParsedArgs &args, const QString &verb)
{
    QUrlQuery query;
    if (args.isSet(QStringLiteral("time"))) {
        bool ok = false;
        const int t = args.value(QStringLiteral("time")).toInt(&ok);
        if (!ok)
            return context.reportUsageError(ContainerRequests::invokedCommand(context, QStringLiteral("container ") + verb),
                                            QStringLiteral("invalid argument \"%1\" for \"-t, --time\" flag: strconv.ParseInt: parsing \"%1\": invalid syntax")
                                                .arg(args.value(QStringLiteral("time"))));
        query.addQueryItem(QStringLiteral("t"), QString::number(t));
    }
    if (args.isSet(QStringLiteral("signal")))
        query.addQueryItem(QStringLiteral("signal"), args.value(QStringLiteral("signal")));
    return forEachContainer(context, args.positionals(), [&](const QString &ref) -> Status {
        auto r = post(context, QStringLiteral("/containers/%1/%2").arg(ref, verb), query);
        if (!r)
            return fail(r.error());
        return {};
    });
}

int runKill(Context &context, const ParsedArgs &args)
{
    QUrlQuery query;
    if (args.isSet(QStringLiteral("signal")))
        query.addQueryItem(QStringLiteral("signal"), args.value(QStringLiteral("signal")));
    return forEachContainer(context, args.positionals(), [&](const QString &ref) -> Status {
        auto r = post(context, QStringLiteral("/containers/%1/kill").arg(ref), query);
        if (!r)
            return fail(r.error());
        return {};
    });
}

// pause / unpause: POST /containers/{id}/pause|unpause for each one.
int runPause(Context &context, const ParsedArgs &args, const QString &verb)
{
    return forEachContainer(context, args.positionals(), [&](const QString &ref) -> Status {
        auto r = post(context, QStringLiteral("/containers/%1/%2").arg(ref, verb), QUrlQuery());
        if (!r)
            return fail(r.error());
        return {};
    });
}

int runWait(Context &context, const ParsedArgs &args)
{
    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    bool failed = false;
    for (const QString &ref : args.positionals()) {
        ContainerWait wait(*client, ref, QString());
        auto code = wait.awaitExit();
        if (!code) {
            if (isFatal(code.error()))
                return context.reportError(code.error());
            context.out().flush();
            context.err() << daemonMessage(code.error()) << Qt::endl;
            failed = true;
            continue;
        }
        context.out() << *code << Qt::endl;
    }
    return failed ? 1 : 0;
}

int runRemove(Context &context, const ParsedArgs &args)
{
    QUrlQuery query;
    if (args.flag(QStringLiteral("force")))
        query.addQueryItem(QStringLiteral("force"), QStringLiteral("1"));
    if (args.flag(QStringLiteral("volumes")))
        query.addQueryItem(QStringLiteral("v"), QStringLiteral("1"));
    if (args.flag(QStringLiteral("link")))
        query.addQueryItem(QStringLiteral("link"), QStringLiteral("1"));
    return forEachContainer(context, args.positionals(), [&](const QString &ref) -> Status {
        if (ref.trimmed().trimmed().remove(QLatin1Char('/')).isEmpty())
            return fail(ErrorCode::InvalidArgument, "Container name cannot be empty");
        Client::Request request;
        request.method = "DELETE";
        request.path = QStringLiteral("/containers/%1").arg(ref);
        request.query = query;
        auto r = send(context, request);
        if (!r)
            return fail(r.error());
        return {};
    });
}

int runRename(Context &context, const ParsedArgs &args)
{
    const QString oldName = args.positionals().at(0).trimmed();
    const QString newName = args.positionals().at(1).trimmed();
    if (oldName.isEmpty() || newName.isEmpty()) {
        context.err() << "Error: neither old nor new names may be empty" << Qt::endl;
        return 1;
    }
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("name"), newName);
    auto r = post(context, QStringLiteral("/containers/%1/rename").arg(oldName), q);
    if (!r) {
        if (isFatal(r.error()))
            return context.reportError(r.error());
        context.err() << daemonMessage(r.error()) << "\nError: failed to rename container named " << oldName << Qt::endl;
        return 1;
    }
    return 0;
}

// --- port --------------------------------------------------------------------------------

int runPort(Context &context, const ParsedArgs &args)
{
    const QString ref = args.positionals().first();
    auto inspected = inspect(context, ref);
    if (!inspected)
        return context.reportError(inspected.error());
    const QJsonObject ports = inspected->value(QStringLiteral("NetworkSettings")).toObject().value(QStringLiteral("Ports")).toObject();
    const auto line = [](const QString &port, const QJsonObject &b) {
        QString ip = b.value(QStringLiteral("HostIp")).toString();
        if (ip.contains(QLatin1Char(':')))
            ip = QLatin1Char('[') + ip + QLatin1Char(']');
        return QStringLiteral("%1 -> %2:%3").arg(port, ip, b.value(QStringLiteral("HostPort")).toString());
    };
    if (args.positionals().size() > 1) {
        QString spec = args.positionals().at(1);
        QString proto = QStringLiteral("tcp");
        const qsizetype slash = spec.indexOf(QLatin1Char('/'));
        if (slash >= 0) {
            proto = spec.mid(slash + 1);
            spec = spec.left(slash);
        }
        bool ok = false;
        const int number = spec.toInt(&ok);
        if (!ok || number < 0 || number > 65535) {
            context.err() << "Error: invalid port (" << spec << "): strconv.ParseUint: parsing \"" << spec
                          << "\": invalid syntax" << Qt::endl;
            return 1;
        }
        const QString key = QStringLiteral("%1/%2").arg(number).arg(proto);
        const QJsonValue bindings = ports.value(key);
        if (bindings.isArray() && !bindings.toArray().isEmpty()) {
            for (const QJsonValue &b : bindings.toArray()) {
                QString ip = b.toObject().value(QStringLiteral("HostIp")).toString();
                if (ip.contains(QLatin1Char(':')))
                    ip = QLatin1Char('[') + ip + QLatin1Char(']');
                context.out() << ip << ':' << b.toObject().value(QStringLiteral("HostPort")).toString() << '\n';
            }
            context.out().flush();
            return 0;
        }
        context.err() << "Error: No public port '" << args.positionals().at(1) << "' published for " << ref << Qt::endl;
        return 1;
    }
    QStringList lines;
    QStringList keys = ports.keys();
    // docker sorts by port number, then protocol.
    std::sort(keys.begin(), keys.end(), [](const QString &a, const QString &b) {
        const int pa = a.section(QLatin1Char('/'), 0, 0).toInt();
        const int pb = b.section(QLatin1Char('/'), 0, 0).toInt();
        if (pa != pb)
            return pa < pb;
        return a.section(QLatin1Char('/'), 1) < b.section(QLatin1Char('/'), 1);
    });
    for (const QString &key : std::as_const(keys)) {
        for (const QJsonValue &b : ports.value(key).toArray())
            lines << line(key, b.toObject());
    }
    for (const QString &l : std::as_const(lines))
        context.out() << l << '\n';
    context.out().flush();
    return 0;
}

// --- logs --------------------------------------------------------------------------------

int runLogs(Context &context, const ParsedArgs &args)
{
    const QString ref = args.positionals().first();
    auto inspected = inspect(context, ref);
    if (!inspected)
        return context.reportError(inspected.error());
    const bool tty = inspected->value(QStringLiteral("Config")).toObject().value(QStringLiteral("Tty")).toBool();
    Client::Request request;
    request.path = QStringLiteral("/containers/%1/logs").arg(inspected->value(QStringLiteral("Id")).toString());
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    for (const char *name : {"since", "until"}) {
        const QString key = QLatin1String(name);
        if (!args.isSet(key))
            continue;
        const auto t = Units::timestampOption(args.value(key), now);
        if (!t) {
            context.err() << "invalid value for \"" << key << "\": failed to parse value as time or duration: \""
                          << args.value(key) << '"' << Qt::endl;
            return 1;
        }
        request.query.addQueryItem(key, *t);
    }
    request.query.addQueryItem(QStringLiteral("stderr"), QStringLiteral("1"));
    request.query.addQueryItem(QStringLiteral("stdout"), QStringLiteral("1"));
    request.query.addQueryItem(QStringLiteral("tail"), args.value(QStringLiteral("tail"), QStringLiteral("all")));
    if (args.flag(QStringLiteral("timestamps")))
        request.query.addQueryItem(QStringLiteral("timestamps"), QStringLiteral("1"));
    if (args.flag(QStringLiteral("follow")))
        request.query.addQueryItem(QStringLiteral("follow"), QStringLiteral("1"));
    if (args.flag(QStringLiteral("details")))
        request.query.addQueryItem(QStringLiteral("details"), QStringLiteral("1"));
    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    context.out().flush();
    std::unique_ptr<Client::ResponseStream> stream((*client)->openStream(request));
    const auto writeAll = [](int fd, const QByteArray &bytes) {
        const char *p = bytes.constData();
        qsizetype left = bytes.size();
        while (left > 0) {
            const ssize_t n = ::write(fd, p, size_t(left));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return;
            p += n;
            left -= n;
        }
    };
    Status decodeError;
    Client::MultiplexedDecoder decoder([&](Client::MultiplexedDecoder::Stream s, const QByteArray &payload) {
        if (s == Client::MultiplexedDecoder::Stream::Stderr)
            writeAll(2, payload);
        else if (s == Client::MultiplexedDecoder::Stream::System)
            decodeError = fail(ErrorCode::Internal, payload.toStdString());
        else
            writeAll(1, payload);
    });
    Status result;
    bool finished = false;
    QEventLoop loop;
    QObject::connect(stream.get(), &Client::ResponseStream::data, &loop, [&](const QByteArray &bytes) {
        if (tty) {
            writeAll(1, bytes);
            return;
        }
        if (auto s = decoder.feed(bytes); !s && decodeError)
            decodeError = s;
    });
    QObject::connect(stream.get(), &Client::ResponseStream::finished, &loop, [&](const Status &s) {
        result = s;
        finished = true;
        loop.quit();
    });
    std::unique_ptr<SignalNotifier> interrupt;
    if (args.flag(QStringLiteral("follow"))) {
        // Ctrl-C ends `logs -f` quietly, as docker does.
        interrupt = std::make_unique<SignalNotifier>(QList<int>{SIGINT, SIGTERM});
        QObject::connect(interrupt.get(), &SignalNotifier::received, &loop, [&] {
            stream->cancel();
            finished = true;
            loop.quit();
        });
    }
    if (!finished)
        loop.exec();
    if (!result)
        return context.reportError(result.error());
    if (!decodeError)
        return context.reportError(decodeError.error());
    return 0;
}

// --- exec --------------------------------------------------------------------------------

int runExec(Context &context, const ParsedArgs &args)
{
    const QString ref = args.positionals().first();
    const QStringList command = args.positionals().mid(1);
    const bool tty = args.flag(QStringLiteral("tty"));
    const bool interactive = args.flag(QStringLiteral("interactive"));
    const bool detach = args.flag(QStringLiteral("detach"));
    const QString keys = args.value(QStringLiteral("detach-keys"));
    QStringList env;
    for (const QString &file : args.values(QStringLiteral("env-file"))) {
        auto lines = readEnvFile(file, processEnvironment());
        if (!lines) {
            context.err() << QString::fromStdString(lines.error().message()) << Qt::endl;
            return 1;
        }
        env << *lines;
    }
    for (const QString &e : args.values(QStringLiteral("env"))) {
        auto v = resolveEnvValue(e, processEnvironment());
        if (!v)
            return context.reportUsageError(ContainerRequests::invokedCommand(context, QStringLiteral("container exec")),
                                            QStringLiteral("invalid argument \"%1\" for \"-e, --env\" flag: %2")
                                                .arg(e, QString::fromStdString(v.error().message())));
        env << *v;
    }
    if (tty && interactive && !detach && !RawTerminal::isTerminal(0)) {
        context.err() << "the input device is not a TTY" << Qt::endl;
        return 1;
    }
    auto inspected = inspect(context, ref);
    if (!inspected)
        return context.reportError(inspected.error());

    QJsonObject body{{QStringLiteral("User"), args.value(QStringLiteral("user"))},
                     {QStringLiteral("Privileged"), args.flag(QStringLiteral("privileged"))},
                     {QStringLiteral("Tty"), tty},
                     {QStringLiteral("AttachStdin"), interactive && !detach},
                     {QStringLiteral("AttachStderr"), !detach},
                     {QStringLiteral("AttachStdout"), !detach},
                     {QStringLiteral("Detach"), detach},
                     {QStringLiteral("DetachKeys"), keys},
                     {QStringLiteral("Env"), env.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(QJsonArray::fromStringList(env))},
                     {QStringLiteral("WorkingDir"), args.value(QStringLiteral("workdir"))},
                     {QStringLiteral("Cmd"), QJsonArray::fromStringList(command)}};
    Client::Request create;
    create.method = "POST";
    create.path = QStringLiteral("/containers/%1/exec").arg(ref);
    create.contentType = "application/json";
    create.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    auto created = send(context, create);
    if (!created)
        return context.reportError(created.error());
    auto createdObject = objectOf(*created, QStringLiteral("POST /containers/%1/exec").arg(ref));
    if (!createdObject)
        return context.reportError(createdObject.error());
    const QString execId = createdObject->value(QStringLiteral("Id")).toString();

    Client::Request start;
    start.method = "POST";
    start.path = QStringLiteral("/exec/%1/start").arg(execId);
    start.contentType = "application/json";
    start.body = QJsonDocument(QJsonObject{{QStringLiteral("Detach"), detach}, {QStringLiteral("Tty"), tty}})
                     .toJson(QJsonDocument::Compact);
    if (detach) {
        auto r = send(context, start);
        if (!r)
            return context.reportError(r.error());
        return 0;
    }
    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    QObject owner;
    Client::HijackedStream *stream = (*client)->hijack(start, &owner);
    Status streamError;
    if (!stream->isEstablished() && !stream->isFinished()) {
        QEventLoop loop;
        QObject::connect(stream, &Client::HijackedStream::established, &loop, &QEventLoop::quit);
        QObject::connect(stream, &Client::HijackedStream::finished, &loop, [&](const Status &s) {
            streamError = s;
            loop.quit();
        });
        loop.exec();
    }
    if (!stream->isEstablished())
        return context.reportError(streamError ? Error(ErrorCode::Protocol, "exec start: the stream closed before the upgrade")
                                               : streamError.error());

    AttachSession::Options options;
    options.tty = tty;
    options.input = interactive;
    if (!keys.isEmpty()) {
        auto parsed = parseDetachKeys(keys);
        if (!parsed) {
            context.err() << "Invalid detach keys (" << keys << ") provided" << Qt::endl;
            return 1;
        }
        options.detachKeys = *parsed;
    }
    context.out().flush();
    AttachSession session(stream, options);
    RawTerminal raw;
    if (tty && interactive && RawTerminal::isTerminal(0))
        (void)raw.makeRaw(0);
    session.start();
    std::unique_ptr<SignalNotifier> winch;
    if (tty) {
        sendResize(context, QStringLiteral("/exec/%1/resize").arg(execId));
        winch = std::make_unique<SignalNotifier>(QList<int>{SIGWINCH});
        QObject::connect(winch.get(), &SignalNotifier::received, winch.get(), [&context, execId](int) {
            sendResize(context, QStringLiteral("/exec/%1/resize").arg(execId));
        });
    }
    if (!session.isDone()) {
        QEventLoop loop;
        QObject::connect(&session, &AttachSession::done, &loop, &QEventLoop::quit);
        loop.exec();
    }
    raw.restore();
    if (session.detached()) {
        // As docker's exec (and attach): the escape message, exit 1.
        context.err() << "read escape sequence" << Qt::endl;
        return 1;
    }
    if (!session.result() && isFatal(session.result().error()))
        return context.reportError(session.result().error());
    Client::Request inspectExec;
    inspectExec.path = QStringLiteral("/exec/%1/json").arg(execId);
    auto info = send(context, inspectExec);
    if (!info)
        return context.reportError(info.error());
    auto o = objectOf(*info, inspectExec.path);
    if (!o)
        return context.reportError(o.error());
    return o->value(QStringLiteral("ExitCode")).toInt();
}

// --- top ---------------------------------------------------------------------------------

int runTop(Context &context, const ParsedArgs &args)
{
    Client::Request request;
    request.path = QStringLiteral("/containers/%1/top").arg(args.positionals().first());
    const QStringList psArgs = args.positionals().mid(1);
    if (!psArgs.isEmpty())
        request.query.addQueryItem(QStringLiteral("ps_args"), psArgs.join(QLatin1Char(' ')));
    auto reply = send(context, request);
    if (!reply)
        return context.reportError(reply.error());
    auto o = objectOf(*reply, request.path);
    if (!o)
        return context.reportError(o.error());
    // docker: a tabwriter with minwidth 20, padding 1, no header transform.
    QList<QStringList> rows;
    QStringList titles;
    for (const QJsonValue &t : o->value(QStringLiteral("Titles")).toArray())
        titles << t.toString();
    rows << titles;
    for (const QJsonValue &p : o->value(QStringLiteral("Processes")).toArray()) {
        QStringList row;
        for (const QJsonValue &c : p.toArray())
            row << c.toString();
        rows << row;
    }
    QList<qsizetype> widths;
    for (const QStringList &row : std::as_const(rows)) {
        for (qsizetype i = 0; i + 1 < row.size(); ++i) {
            if (widths.size() <= i)
                widths.append(0);
            widths[i] = qMax(widths[i], qMax<qsizetype>(row.at(i).size() + 1, 20));
        }
    }
    for (const QStringList &row : std::as_const(rows)) {
        QString line;
        for (qsizetype i = 0; i < row.size(); ++i)
            line += i + 1 < row.size() ? row.at(i).leftJustified(widths.at(i)) : row.at(i);
        context.out() << line << '\n';
    }
    context.out().flush();
    return 0;
}

// --- container prune ----------------------------------------------------------------------

bool confirm(Context &context, const QString &question)
{
    context.out() << question << " [y/N] " << Qt::flush;
    QTextStream in(stdin);
    const QString answer = in.readLine().trimmed();
    return answer.compare(QLatin1String("y"), Qt::CaseInsensitive) == 0;
}

int runPrune(Context &context, const ParsedArgs &args)
{
    QJsonObject filters;
    for (const QString &f : args.values(QStringLiteral("filter"))) {
        const qsizetype eq = f.indexOf(QLatin1Char('='));
        if (eq < 0)
            return context.reportUsageError(ContainerRequests::invokedCommand(context, QStringLiteral("container prune")),
                                            QStringLiteral("invalid argument \"%1\" for \"--filter\" flag: bad format of filter (expected name=value)").arg(f));
        QJsonObject set = filters.value(f.left(eq).trimmed().toLower()).toObject();
        set.insert(f.mid(eq + 1).trimmed(), true);
        filters.insert(f.left(eq).trimmed().toLower(), set);
    }
    if (!args.flag(QStringLiteral("force"))
        && !confirm(context, QStringLiteral("WARNING! This will remove all stopped containers.\nAre you sure you want to continue?")))
        return 0;
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("filters"), QString::fromUtf8(QJsonDocument(filters).toJson(QJsonDocument::Compact)));
    auto reply = post(context, QStringLiteral("/containers/prune"), q);
    if (!reply)
        return context.reportError(reply.error());
    auto o = objectOf(*reply, QStringLiteral("POST /containers/prune"));
    if (!o)
        return context.reportError(o.error());
    const QJsonArray deleted = o->value(QStringLiteral("ContainersDeleted")).toArray();
    if (!deleted.isEmpty()) {
        context.out() << "Deleted Containers:\n";
        for (const QJsonValue &d : deleted)
            context.out() << d.toString() << '\n';
        context.out() << '\n';
    }
    context.out() << "Total reclaimed space: " << Units::humanSize(o->value(QStringLiteral("SpaceReclaimed")).toDouble())
                  << Qt::endl;
    return 0;
}

// --- container inspect ---------------------------------------------------------------------

int runContainerInspect(Context &context, const ParsedArgs &args)
{
    QList<QByteArray> raws;
    QStringList errors;
    for (const QString &ref : args.positionals()) {
        Client::Request request;
        request.path = QStringLiteral("/containers/%1/json").arg(ref);
        if (args.flag(QStringLiteral("size")))
            request.query.addQueryItem(QStringLiteral("size"), QStringLiteral("1"));
        auto reply = send(context, request);
        if (!reply) {
            if (isFatal(reply.error()))
                return context.reportError(reply.error());
            errors << daemonMessage(reply.error());
            continue;
        }
        raws << reply->body.trimmed();
    }
    return printInspected(context, args, raws, errors);
}

} // namespace

int runPs(Context &context, const ParsedArgs &args);
QList<OptionSpec> psOptions();
int runStats(Context &context, const ParsedArgs &args);
QList<OptionSpec> statsOptions();
int runCopy(Context &context, const ParsedArgs &args);
QList<OptionSpec> copyOptions();

void registerContainerCommands(CommandRegistry &registry)
{
    Command group;
    group.path = QStringLiteral("container");
    group.section = Command::Section::Management;
    group.shortHelp = QStringLiteral("Manage containers");
    registry.add(std::move(group));

    const auto add = [&registry](const char *name, QStringList aliases, Command::Section section, const char *shortHelp,
                                 const char *usage, QList<OptionSpec> options, int minArgs, int maxArgs,
                                 std::function<int(Context &, const ParsedArgs &)> run, bool interspersed = true) {
        Command c;
        c.path = QStringLiteral("container ") + QLatin1String(name);
        c.aliases = std::move(aliases);
        c.section = section;
        c.shortHelp = QLatin1String(shortHelp);
        c.usage = QLatin1String(usage);
        c.options = std::move(options);
        c.minArgs = minArgs;
        c.maxArgs = maxArgs;
        c.run = std::move(run);
        c.interspersed = interspersed;
        registry.add(std::move(c));
    };
    using S = Command::Section;
    const OptionSpec detachKeys = valueOption("detach-keys", 0, "string", "Override the key sequence for detaching a container");

    add("create", {QStringLiteral("create")}, S::Common, "Create a new container", "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        containerCreateOptions(false), 1, -1, runCreate, false);
    add("run", {QStringLiteral("run")}, S::Common, "Create and run a new container from an image",
        "[OPTIONS] IMAGE [COMMAND] [ARG...]", containerCreateOptions(true), 1, -1, runRun, false);

    OptionSpec sigProxy = boolOption("sig-proxy", 0, "Proxy all received signals to the process");
    sigProxy.defaultValue = QStringLiteral("true");
    add("start", {QStringLiteral("start")}, S::Other, "Start one or more stopped containers", "[OPTIONS] CONTAINER [CONTAINER...]",
        {boolOption("attach", 'a', "Attach STDOUT/STDERR and forward signals"), detachKeys,
         boolOption("interactive", 'i', "Attach container's STDIN")},
        1, -1, runStart);
    add("attach", {QStringLiteral("attach")}, S::Other, "Attach local standard input, output, and error streams to a running container",
        "[OPTIONS] CONTAINER", {detachKeys, boolOption("no-stdin", 0, "Do not attach STDIN"), sigProxy}, 1, 1, runAttach);

    const OptionSpec stopSignal = valueOption("signal", 's', "string", "Signal to send to the container");
    const OptionSpec stopTime = valueOption("time", 't', "int", "Seconds to wait before killing the container");
    add("stop", {QStringLiteral("stop")}, S::Other, "Stop one or more running containers", "[OPTIONS] CONTAINER [CONTAINER...]",
        {stopSignal, stopTime}, 1, -1, [](Context &c, const ParsedArgs &a) { return runStop(c, a, QStringLiteral("stop")); });
    add("restart", {QStringLiteral("restart")}, S::Other, "Restart one or more containers", "[OPTIONS] CONTAINER [CONTAINER...]",
        {stopSignal, stopTime}, 1, -1, [](Context &c, const ParsedArgs &a) { return runStop(c, a, QStringLiteral("restart")); });
    add("kill", {QStringLiteral("kill")}, S::Other, "Kill one or more running containers", "[OPTIONS] CONTAINER [CONTAINER...]",
        {valueOption("signal", 's', "string", "Signal to send to the container")}, 1, -1, runKill);
    add("pause", {QStringLiteral("pause")}, S::Other, "Pause all processes within one or more containers",
        "CONTAINER [CONTAINER...]", {}, 1, -1, [](Context &c, const ParsedArgs &a) { return runPause(c, a, QStringLiteral("pause")); });
    add("unpause", {QStringLiteral("unpause")}, S::Other, "Unpause all processes within one or more containers",
        "CONTAINER [CONTAINER...]", {}, 1, -1, [](Context &c, const ParsedArgs &a) { return runPause(c, a, QStringLiteral("unpause")); });
    add("wait", {QStringLiteral("wait")}, S::Other, "Block until one or more containers stop, then print their exit codes",
        "CONTAINER [CONTAINER...]", {}, 1, -1, runWait);
    add("rm", {QStringLiteral("container remove"), QStringLiteral("rm")}, S::Other, "Remove one or more containers",
        "[OPTIONS] CONTAINER [CONTAINER...]",
        {boolOption("force", 'f', "Force the removal of a running container (uses SIGKILL)"),
         boolOption("link", 'l', "Remove the specified link"),
         boolOption("volumes", 'v', "Remove anonymous volumes associated with the container")},
        1, -1, runRemove);
    add("rename", {QStringLiteral("rename")}, S::Other, "Rename a container", "CONTAINER NEW_NAME", {}, 2, 2, runRename);
    add("port", {QStringLiteral("port")}, S::Other, "List port mappings or a specific mapping for the container",
        "CONTAINER [PRIVATE_PORT[/PROTO]]", {}, 1, 2, runPort);
    add("logs", {QStringLiteral("logs")}, S::Common, "Fetch the logs of a container", "[OPTIONS] CONTAINER",
        {boolOption("details", 0, "Show extra details provided to logs"), boolOption("follow", 'f', "Follow log output"),
         valueOption("since", 0, "string", "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"),
         valueOption("tail", 'n', "string", "Number of lines to show from the end of the logs"),
         boolOption("timestamps", 't', "Show timestamps"),
         valueOption("until", 0, "string", "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)")},
        1, 1, runLogs);
    add("exec", {QStringLiteral("exec")}, S::Common, "Execute a command in a running container",
        "[OPTIONS] CONTAINER COMMAND [ARG...]",
        {boolOption("detach", 'd', "Detached mode: run command in the background"), detachKeys,
         valueOption("env", 'e', "list", "Set environment variables", OptionSpec::Kind::List),
         valueOption("env-file", 0, "list", "Read in a file of environment variables", OptionSpec::Kind::List),
         boolOption("interactive", 'i', "Keep STDIN open even if not attached"),
         boolOption("privileged", 0, "Give extended privileges to the command"), boolOption("tty", 't', "Allocate a pseudo-TTY"),
         valueOption("user", 'u', "string", "Username or UID (format: \"<name|uid>[:<group|gid>]\")"),
         valueOption("workdir", 'w', "string", "Working directory inside the container")},
        2, -1, runExec, false);
    add("top", {QStringLiteral("top")}, S::Other, "Display the running processes of a container", "CONTAINER [ps OPTIONS]", {}, 1,
        -1, runTop, false);
    add("prune", {}, S::Other, "Remove all stopped containers", "[OPTIONS]",
        {valueOption("filter", 0, "filter", "Provide filter values (e.g. \"until=<timestamp>\")", OptionSpec::Kind::List),
         boolOption("force", 'f', "Do not prompt for confirmation")},
        0, 0, runPrune);
    add("inspect", {}, S::Other, "Display detailed information on one or more containers", "[OPTIONS] CONTAINER [CONTAINER...]",
        {formatOption(true), boolOption("size", 's', "Display total file sizes")}, 1, -1, runContainerInspect);
    add("ls", {QStringLiteral("container list"), QStringLiteral("container ps"), QStringLiteral("ps")}, S::Common,
        "List containers", "[OPTIONS]", psOptions(), 0, 0, runPs);
    add("stats", {QStringLiteral("stats")}, S::Other, "Display a live stream of container(s) resource usage statistics",
        "[OPTIONS] [CONTAINER...]", statsOptions(), 0, -1, runStats);
    add("cp", {QStringLiteral("cp")}, S::Other, "Copy files/folders between a container and the local filesystem",
        "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH", copyOptions(), 2, 2, runCopy);
}

} // namespace Berth::Cli
