#include "buildcommand.h"

#include "commandregistry.h"
#include "containerrequests.h"
#include "context.h"
#include "envfile.h"
#include "units.h"

#include <client/buildapi.h>
#include <client/buildcontextpacker.h>
#include <client/credentialstore.h>
#include <client/engineclient.h>
#include <client/localbuildcontext.h>
#include <common/reference.h>

#include <QBuffer>
#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QJsonObject>

#include <cstdio>
#include <memory>
#include <optional>

namespace Berth::Cli {

namespace BuildOutput {

QString displayMessage(const QJsonObject &m)
{
    // jsonmessage.Display with isTerminal false.
    const QJsonValue progress = m.value(QStringLiteral("progressDetail"));
    if (progress.isObject()) {
        const QJsonObject p = progress.toObject();
        const double current = p.value(QStringLiteral("current")).toDouble();
        const double total = p.value(QStringLiteral("total")).toDouble();
        if (current > 0 || total > 0)
            return {}; // progress bars are for terminals
    }
    QString out;
    const QString id = m.value(QStringLiteral("id")).toString();
    if (!id.isEmpty())
        out += id + QStringLiteral(": ");
    const QString from = m.value(QStringLiteral("from")).toString();
    if (!from.isEmpty())
        out += QStringLiteral("(from ") + from + QStringLiteral(") ");
    const QString status = m.value(QStringLiteral("status")).toString();
    const QString progressMessage = m.value(QStringLiteral("progress")).toString();
    const QString stream = m.value(QStringLiteral("stream")).toString();
    if (!progressMessage.isEmpty())
        out += status + QLatin1Char(' ') + progressMessage;
    else if (!stream.isEmpty())
        out += stream;
    else
        out += status + QLatin1Char('\n');
    return out;
}

QString sendingContextLine(qint64 bytes)
{
    // rawProgressFormatter: action, " ", "%8v" of the size, "\r"; then the
    // last update's "\r\n".
    return QStringLiteral("Sending build context to Docker daemon ") + Units::humanSize(double(bytes)).rightJustified(8)
           + QStringLiteral("\r\r\n");
}

bool isArchive(const QByteArray &head)
{
    const auto startsWith = [&head](const char *magic, int size) {
        return head.size() >= size && std::memcmp(head.constData(), magic, size_t(size)) == 0;
    };
    if (startsWith("\x1f\x8b\x08", 3) || startsWith("BZh", 3) || startsWith("\xfd\x37\x7a\x58\x5a\x00", 6)
        || startsWith("\x28\xb5\x2f\xfd", 4))
        return true;
    if (head.size() < 512)
        return false;
    const auto *block = reinterpret_cast<const unsigned char *>(head.constData());
    bool zero = true;
    for (int i = 0; i < 512 && zero; ++i)
        zero = block[i] == 0;
    if (zero)
        return false;
    // The checksum field: octal, NUL or space terminated.
    QByteArray field = head.mid(148, 8);
    field = field.left(field.indexOf('\0') < 0 ? field.size() : field.indexOf('\0')).trimmed();
    bool ok = false;
    const qint64 recorded = field.toLongLong(&ok, 8);
    if (!ok)
        return false;
    qint64 unsignedSum = 0;
    qint64 signedSum = 0;
    for (int i = 0; i < 512; ++i) {
        const bool inField = i >= 148 && i < 156;
        unsignedSum += inField ? ' ' : block[i];
        signedSum += inField ? ' ' : static_cast<signed char>(block[i]);
    }
    return recorded == unsignedSum || recorded == signedSum;
}

} // namespace BuildOutput

namespace {

struct BuildArguments
{
    Client::BuildRequest request;
    QString contextPath;
    QString dockerfile;
    QString iidFile;
};

std::expected<BuildArguments, int> parseBuildArguments(Context &context, const ParsedArgs &args)
{
    const auto usage = [&context](const QString &message) {
        return std::unexpected(context.reportUsageError(ContainerRequests::invokedCommand(context, QStringLiteral("image build")), message));
    };
    BuildArguments out;
    Client::BuildRequest &r = out.request;
    for (const QString &tag : args.values(QStringLiteral("tag"))) {
        auto ref = Common::Reference::parseNormalized(tag, Common::Reference::Dialect::DockerCli);
        if (!ref)
            return usage(QStringLiteral("invalid argument \"%1\" for \"-t, --tag\" flag: %2").arg(tag, QString::fromStdString(ref.error().message())));
        r.tags << tag;
    }
    const EnvLookup lookup = processEnvironment();
    for (const QString &arg : args.values(QStringLiteral("build-arg"))) {
        auto resolved = resolveEnvValue(arg, lookup);
        if (!resolved)
            return usage(QStringLiteral("invalid argument \"%1\" for \"--build-arg\" flag: %2").arg(arg, QString::fromStdString(resolved.error().message())));
        const qsizetype eq = resolved->indexOf(QLatin1Char('='));
        if (eq < 0)
            r.buildArgs.insert(*resolved, std::nullopt);
        else
            r.buildArgs.insert(resolved->left(eq), resolved->mid(eq + 1));
    }
    for (const QString &label : args.values(QStringLiteral("label"))) {
        const qsizetype eq = label.indexOf(QLatin1Char('='));
        r.labels.insert(eq < 0 ? label : label.left(eq), eq < 0 ? QString() : label.mid(eq + 1));
    }
    r.target = args.value(QStringLiteral("target"));
    r.noCache = args.flag(QStringLiteral("no-cache"));
    r.pull = args.flag(QStringLiteral("pull"));
    r.quiet = args.flag(QStringLiteral("quiet"));
    r.remove = !args.isSet(QStringLiteral("rm")) || args.flag(QStringLiteral("rm"));
    r.forceRemove = args.flag(QStringLiteral("force-rm"));
    r.networkMode = args.value(QStringLiteral("network"));
    r.platform = args.value(QStringLiteral("platform"));
    r.extraHosts = args.values(QStringLiteral("add-host"));
    r.cacheFrom = args.values(QStringLiteral("cache-from"));
    // As the docker CLI does: every stored credential, for the FROM images
    // the engine may have to pull.
    r.registryConfig = Client::CredentialStore().allAuthConfigs();
    out.contextPath = args.positionals().at(0);
    out.dockerfile = args.value(QStringLiteral("file"));
    out.iidFile = args.value(QStringLiteral("iidfile"));
    return out;
}

int printError(Context &context, const QString &message, int exitCode = 1)
{
    context.out().flush();
    context.err() << message << Qt::endl;
    return exitCode;
}

// Reads all of stdin (a Dockerfile given with `-f -` or as the context).
Result<QByteArray> readStdin(QFile &in)
{
    const QByteArray bytes = in.readAll();
    if (in.error() != QFileDevice::NoError)
        return fail(ErrorCode::Io, "read stdin: " + in.errorString().toStdString());
    return bytes;
}

int runBuild(Context &context, const ParsedArgs &args)
{
    auto parsed = parseBuildArguments(context, args);
    if (!parsed)
        return parsed.error();
    BuildArguments &b = *parsed;

    if (!b.iidFile.isEmpty() && QFile::exists(b.iidFile) && !QFile::remove(b.iidFile))
        return printError(context, QStringLiteral("Removing image ID file: remove %1: permission denied").arg(b.iidFile));

    const bool dockerfileFromStdin = b.dockerfile == QLatin1String("-");
    if (dockerfileFromStdin && b.contextPath == QLatin1String("-"))
        return printError(context, QStringLiteral("invalid argument: can't use stdin for both build context and dockerfile"));

    QFile in;
    if (b.contextPath == QLatin1String("-") || dockerfileFromStdin) {
        if (!in.open(stdin, QIODevice::ReadOnly))
            return printError(context, QStringLiteral("open stdin: ") + in.errorString());
    }

    // The body: a packed directory, stdin's tar, or a one-file tar of stdin's Dockerfile.
    std::unique_ptr<QIODevice> packed;
    QIODevice *body = nullptr;
    if (b.contextPath == QLatin1String("-")) {
        const QByteArray head = in.peek(512);
        if (BuildOutput::isArchive(head)) {
            body = &in;
            b.request.dockerfile = b.dockerfile;
        } else {
            auto dockerfile = readStdin(in);
            if (!dockerfile)
                return printError(context, QStringLiteral("unable to prepare context: ") + QString::fromStdString(dockerfile.error().message()));
            Client::BuildContextPacker::Spec spec;
            Client::BuildContextPacker::ExtraFile file;
            file.name = QStringLiteral("Dockerfile");
            file.content = *dockerfile;
            file.mode = 0644;
            file.mtime = QDateTime::currentSecsSinceEpoch();
            spec.extraFiles << file;
            auto packer = Client::BuildContextPacker::open(std::move(spec));
            if (!packer)
                return printError(context, QString::fromStdString(packer.error().message()));
            packed = std::move(*packer);
            body = packed.get();
            b.request.dockerfile = QStringLiteral("Dockerfile");
        }
    } else {
        auto local = Client::LocalBuildContext::prepare(b.contextPath, b.dockerfile);
        if (!local)
            return printError(context, QString::fromStdString(local.error().message()));
        std::optional<QByteArray> dockerfileContent;
        if (dockerfileFromStdin) {
            auto content = readStdin(in);
            if (!content)
                return printError(context, QString::fromStdString(content.error().message()));
            dockerfileContent = *content;
        } else if (local->dockerfileOutside()) {
            QFile file(local->dockerfileOutsidePath());
            if (!file.open(QIODevice::ReadOnly))
                return printError(context, QStringLiteral("unable to open Dockerfile: open %1: %2").arg(file.fileName(), file.errorString()));
            dockerfileContent = file.readAll();
        }
        QString dockerfileName;
        auto packer = local->openPacker(dockerfileContent, &dockerfileName);
        if (!packer)
            return printError(context, QString::fromStdString(packer.error().message()));
        packed = std::move(*packer);
        body = packed.get();
        b.request.dockerfile = dockerfileName;
    }

    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    (*client)->setTimeout(0); // a build takes the time its steps take

    // With -q, docker keeps the progress and the build output to show them
    // only on failure.
    const bool quiet = b.request.quiet;
    QString progressBuffer;
    QString buildBuffer;
    std::unique_ptr<Client::BuildJob> job(Client::BuildJob::start(*client, body, b.request));
    QEventLoop loop;
    Status result;
    QObject::connect(job.get(), &Client::BuildJob::contextSent, &loop, [&](qint64 bytes) {
        const QString line = BuildOutput::sendingContextLine(bytes);
        if (quiet)
            progressBuffer += line;
        else
            context.out() << line << Qt::flush;
    });
    QObject::connect(job.get(), &Client::BuildJob::message, &loop, [&](const QJsonObject &message) {
        const QString text = BuildOutput::displayMessage(message);
        if (quiet)
            buildBuffer += text;
        else
            context.out() << text << Qt::flush;
    });
    QObject::connect(job.get(), &Client::BuildJob::finished, &loop, [&](const Status &r) {
        result = r;
        loop.quit();
    });
    if (!job->isFinished())
        loop.exec();

    if (!result) {
        if (job->failedInStream()) {
            if (quiet)
                context.err() << progressBuffer << buildBuffer;
            return printError(context, QString::fromStdString(result.error().message()), job->exitCode());
        }
        if (quiet)
            context.err() << progressBuffer << Qt::flush;
        return context.reportError(result.error());
    }
    if (quiet)
        context.out() << buildBuffer << Qt::flush;
    if (!b.iidFile.isEmpty()) {
        if (job->imageId().isEmpty())
            return printError(context, QStringLiteral("Server did not provide an image ID. Cannot write %1").arg(b.iidFile));
        QFile file(b.iidFile);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(job->imageId().toUtf8()) < 0)
            return printError(context, QStringLiteral("open %1: %2").arg(b.iidFile, file.errorString()));
    }
    return 0;
}

} // namespace

void registerBuildCommand(CommandRegistry &registry)
{
    Command build;
    build.path = QStringLiteral("image build");
    build.aliases = {QStringLiteral("build")};
    build.section = Command::Section::Common;
    build.shortHelp = QStringLiteral("Build an image from a Dockerfile");
    build.usage = QStringLiteral("[OPTIONS] PATH | URL | -");
    OptionSpec rm = boolOption("rm", 0, "Remove intermediate containers after a successful build");
    rm.defaultValue = QStringLiteral("true");
    build.options = {
        valueOption("add-host", 0, "list", "Add a custom host-to-IP mapping (\"host:ip\")", OptionSpec::Kind::List),
        valueOption("build-arg", 0, "list", "Set build-time variables", OptionSpec::Kind::List),
        valueOption("cache-from", 0, "strings", "Images to consider as cache sources", OptionSpec::Kind::List),
        valueOption("file", 'f', "string", "Name of the Dockerfile (Default is \"PATH/Dockerfile\")"),
        boolOption("force-rm", 0, "Always remove intermediate containers"),
        valueOption("iidfile", 0, "string", "Write the image ID to the file"),
        valueOption("label", 0, "list", "Set metadata for an image", OptionSpec::Kind::List),
        valueOption("network", 0, "string", "Set the networking mode for the RUN instructions during build"),
        boolOption("no-cache", 0, "Do not use cache when building the image"),
        valueOption("platform", 0, "string", "Set platform if server is multi-platform capable"),
        boolOption("pull", 0, "Always attempt to pull a newer version of the image"),
        boolOption("quiet", 'q', "Suppress the build output and print image ID on success"),
        rm,
        valueOption("tag", 't', "list", "Name and optionally a tag in the \"name:tag\" format", OptionSpec::Kind::List),
        valueOption("target", 0, "string", "Set the target build stage to build."),
    };
    build.minArgs = 1;
    build.maxArgs = 1;
    build.run = runBuild;
    registry.add(std::move(build));
}

} // namespace Berth::Cli
