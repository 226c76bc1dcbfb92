#include "registrycommands.h"

#include "commandregistry.h"
#include "context.h"
#include "jsonmessages.h"

#include <client/credentialstore.h>
#include <client/engineclient.h>
#include <common/reference.h>

#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace Berth::Cli {

using Client::CredentialStore;

namespace {

int printFailure(Context &context, const QString &message)
{
    context.out().flush();
    context.err() << message << Qt::endl;
    return 1;
}

// Streams a JSON-message reply, printing each message as docker does on a
// non-terminal as it arrives. Returns the exit code.
int streamMessages(Context &context, const Client::Request &request, bool quiet)
{
    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    (*client)->setTimeout(0);
    std::unique_ptr<Client::ResponseStream> stream((*client)->openStream(request));
    QEventLoop loop;
    QByteArray pending;
    std::optional<QString> streamError;
    Status result;
    auto consume = [&](bool atEnd) {
        qsizetype nl;
        while ((nl = pending.indexOf('\n')) >= 0 || (atEnd && !pending.trimmed().isEmpty())) {
            const QByteArray line = nl >= 0 ? pending.left(nl + 1) : pending;
            pending.remove(0, nl >= 0 ? nl + 1 : pending.size());
            const JsonMessagesOutput shown = displayJsonMessages(line);
            if (!quiet)
                context.out() << shown.text << Qt::flush;
            if (shown.error && !streamError)
                streamError = shown.error;
            if (nl < 0)
                break;
        }
    };
    QObject::connect(stream.get(), &Client::ResponseStream::data, &loop, [&](const QByteArray &bytes) {
        pending += bytes;
        consume(false);
    });
    QObject::connect(stream.get(), &Client::ResponseStream::finished, &loop, [&](const Status &r) {
        result = r;
        loop.quit();
    });
    loop.exec();
    consume(true);
    if (!result)
        return context.reportError(result.error());
    if (streamError)
        return printFailure(context, *streamError);
    return 0;
}

// --- pull -------------------------------------------------------------------

int runPull(Context &context, const ParsedArgs &args)
{
    if (args.flag(QStringLiteral("all-tags")))
        return printFailure(context, QStringLiteral("pulling all tags of a repository is not supported by Berth"));
    const QString text = args.positionals().at(0);
    auto ref = Common::Reference::parseNormalized(text, Common::Reference::Dialect::DockerCli);
    if (!ref)
        return printFailure(context, QString::fromStdString(ref.error().message()));
    const bool quiet = args.flag(QStringLiteral("quiet"));
    Common::Reference reference = *ref;
    if (reference.isNameOnly()) {
        reference = reference.withTag(QStringLiteral("latest"));
        if (!quiet)
            context.out() << "Using default tag: latest" << Qt::endl;
    }
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/create");
    request.query.addQueryItem(QStringLiteral("fromImage"), reference.name());
    request.query.addQueryItem(QStringLiteral("tag"), reference.hasDigest() ? reference.digest() : reference.tag());
    if (const QString platform = args.value(QStringLiteral("platform")); !platform.isEmpty())
        request.query.addQueryItem(QStringLiteral("platform"), platform.toLower());
    request.headers.set("X-Registry-Auth", CredentialStore().registryAuthHeader(reference.domain()));
    if (const int code = streamMessages(context, request, quiet); code != 0)
        return code;
    context.out() << reference.toString() << Qt::endl;
    return 0;
}

// --- push -------------------------------------------------------------------

int runPush(Context &context, const ParsedArgs &args)
{
    const QString text = args.positionals().at(0);
    auto ref = Common::Reference::parseNormalized(text, Common::Reference::Dialect::DockerCli);
    if (!ref)
        return printFailure(context, QString::fromStdString(ref.error().message()));
    if (ref->hasDigest())
        return printFailure(context, QStringLiteral("cannot push a digest reference"));
    const bool quiet = args.flag(QStringLiteral("quiet"));
    Common::Reference reference = *ref;
    if (reference.isNameOnly() && !args.flag(QStringLiteral("all-tags"))) {
        reference = reference.withTag(QStringLiteral("latest"));
        if (!quiet)
            context.out() << "Using default tag: latest" << Qt::endl;
    }
    if (args.flag(QStringLiteral("all-tags")) && reference.hasTag())
        return printFailure(context, QStringLiteral("tag can't be used with --all-tags/-a"));
    if (args.flag(QStringLiteral("all-tags")))
        return printFailure(context, QStringLiteral("pushing all tags of a repository is not supported by Berth"));
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/%1/push").arg(reference.name());
    request.query.addQueryItem(QStringLiteral("tag"), reference.tag());
    request.headers.set("X-Registry-Auth", CredentialStore().registryAuthHeader(reference.domain()));
    const int code = streamMessages(context, request, quiet);
    if (code == 0 && quiet)
        context.out() << reference.familiarString() << Qt::endl;
    return code;
}

// --- login / logout ---------------------------------------------------------

QString readLine(bool echo)
{
    termios saved{};
    const bool tty = ::isatty(STDIN_FILENO);
    if (tty && !echo) {
        ::tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    QFile in;
    QString line;
    if (in.open(stdin, QIODevice::ReadOnly))
        line = QString::fromUtf8(in.readLine()).remove(u'\n').remove(u'\r');
    if (tty && !echo) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputc('\n', stderr);
    }
    return line;
}

int runLogin(Context &context, const ParsedArgs &args)
{
    const QString server = args.positionals().value(0);
    const QString key = CredentialStore::serverKey(server);
    QString username = args.value(QStringLiteral("username"));
    QString password = args.value(QStringLiteral("password"));
    const bool passwordStdin = args.flag(QStringLiteral("password-stdin"));
    if (!password.isEmpty()) {
        context.err() << "WARNING! Using --password via the CLI is insecure. Use --password-stdin." << Qt::endl;
        if (passwordStdin)
            return printFailure(context, QStringLiteral("--password and --password-stdin are mutually exclusive"));
    }
    if (passwordStdin) {
        if (username.isEmpty())
            return printFailure(context, QStringLiteral("Must provide --username with --password-stdin"));
        QFile in;
        if (in.open(stdin, QIODevice::ReadOnly))
            password = QString::fromUtf8(in.readAll());
        while (password.endsWith(u'\n') || password.endsWith(u'\r'))
            password.chop(1);
    }
    CredentialStore store;
    if (username.isEmpty() && password.isEmpty()) {
        if (const auto stored = store.lookup(key)) {
            username = stored->username;
            password = stored->password;
        }
    }
    if (username.isEmpty() || password.isEmpty()) {
        if (!::isatty(STDIN_FILENO))
            return printFailure(context, QStringLiteral("Error: Cannot perform an interactive login from a non TTY device"));
        if (username.isEmpty()) {
            context.out() << "Username: " << Qt::flush;
            username = readLine(true).trimmed();
        }
        if (password.isEmpty()) {
            context.out() << "Password: " << Qt::flush;
            password = readLine(false);
        }
        if (username.isEmpty())
            return printFailure(context, QStringLiteral("Error: Non-null Username Required"));
        if (password.isEmpty())
            return printFailure(context, QStringLiteral("Error: Password Required"));
    }
    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    (*client)->setTimeout(0);
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/auth");
    request.contentType = "application/json";
    request.body = QJsonDocument(QJsonObject{{QStringLiteral("username"), username},
                                             {QStringLiteral("password"), password},
                                             {QStringLiteral("serveraddress"), key}})
                       .toJson(QJsonDocument::Compact);
    auto reply = Client::await((*client)->send(request));
    if (!reply)
        return context.reportError(reply.error());
    if (auto st = store.store(key, username, password); !st)
        return printFailure(context, QStringLiteral("Error saving credentials: %1").arg(QString::fromStdString(st.error().toString())));
    const QString status = QJsonDocument::fromJson(reply->body).object().value(QLatin1String("Status")).toString();
    context.out() << (status.isEmpty() ? QStringLiteral("Login Succeeded") : status) << Qt::endl;
    return 0;
}

int runLogout(Context &context, const ParsedArgs &args)
{
    const QString key = CredentialStore::serverKey(args.positionals().value(0));
    CredentialStore store;
    auto erased = store.erase(key);
    if (!erased)
        return printFailure(context, QString::fromStdString(erased.error().toString()));
    if (!*erased) {
        context.out() << "Not logged in to " << key << Qt::endl;
        return 0;
    }
    context.out() << "Removing login credentials for " << key << Qt::endl;
    return 0;
}

} // namespace

void registerRegistryCommands(CommandRegistry &registry)
{
    const OptionSpec quiet = valueOption("quiet", 'q', "", "Suppress verbose output", OptionSpec::Kind::Bool);

    Command pull;
    pull.path = QStringLiteral("image pull");
    pull.aliases = {QStringLiteral("pull")};
    pull.section = Command::Section::Common;
    pull.shortHelp = QStringLiteral("Download an image from a registry");
    pull.usage = QStringLiteral("[OPTIONS] NAME[:TAG|@DIGEST]");
    pull.options = {valueOption("all-tags", 'a', "", "Download all tagged images in the repository", OptionSpec::Kind::Bool),
                    valueOption("platform", 0, "string", "Set platform if server is multi-platform capable"), quiet};
    pull.minArgs = 1;
    pull.maxArgs = 1;
    pull.run = runPull;
    registry.add(std::move(pull));

    Command push;
    push.path = QStringLiteral("image push");
    push.aliases = {QStringLiteral("push")};
    push.section = Command::Section::Common;
    push.shortHelp = QStringLiteral("Upload an image to a registry");
    push.usage = QStringLiteral("[OPTIONS] NAME[:TAG]");
    push.options = {valueOption("all-tags", 'a', "", "Push all tags of an image to the repository", OptionSpec::Kind::Bool), quiet};
    push.minArgs = 1;
    push.maxArgs = 1;
    push.run = runPush;
    registry.add(std::move(push));

    Command login;
    login.path = QStringLiteral("login");
    login.section = Command::Section::Common;
    login.shortHelp = QStringLiteral("Authenticate to a registry");
    login.usage = QStringLiteral("[OPTIONS] [SERVER]");
    login.options = {valueOption("password", 'p', "string", "Password"),
                     valueOption("password-stdin", 0, "", "Take the password from stdin", OptionSpec::Kind::Bool),
                     valueOption("username", 'u', "string", "Username")};
    login.maxArgs = 1;
    login.run = runLogin;
    registry.add(std::move(login));

    Command logout;
    logout.path = QStringLiteral("logout");
    logout.section = Command::Section::Common;
    logout.shortHelp = QStringLiteral("Log out from a registry");
    logout.usage = QStringLiteral("[SERVER]");
    logout.maxArgs = 1;
    logout.run = runLogout;
    registry.add(std::move(logout));
}

} // namespace Berth::Cli
