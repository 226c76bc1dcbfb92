#include "imagecommands.h"

#include "commandregistry.h"
#include "context.h"
#include "jsonmessages.h"

#include <client/engineclient.h>
#include <common/reference.h>

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <cstdio>
#include <memory>
#include <unistd.h>

namespace Berth::Cli {

namespace {

int printFailure(Context &context, const QString &message)
{
    context.out().flush();
    context.err() << message << Qt::endl;
    return 1;
}

// Opens FILE, or stdin for "-" (through its FILE*, so the end of a pipe
// reads as atEnd()).
Result<std::unique_ptr<QFile>> openInput(const QString &path)
{
    auto file = std::make_unique<QFile>();
    if (path == QLatin1String("-")) {
        if (!file->open(stdin, QIODevice::ReadOnly))
            return fail(ErrorCode::Io, "open stdin: " + file->errorString().toStdString());
        return file;
    }
    file->setFileName(path);
    if (!file->open(QIODevice::ReadOnly)) {
        const std::string why = file->error() == QFileDevice::OpenError && !QFileInfo::exists(path)
                                    ? "no such file or directory"
                                    : file->errorString().toStdString();
        return fail(ErrorCode::Io, "open " + path.toStdString() + ": " + why);
    }
    return file;
}

// Sends `request` with `body` streamed as its body; prints the JSON-message
// reply as docker does.
int streamUpload(Context &context, Client::Request request, QIODevice *body)
{
    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    (*client)->setTimeout(0); // a large archive may take its time
    request.bodyDevice = body;
    auto reply = Client::await((*client)->send(request));
    if (!reply)
        return context.reportError(reply.error());
    if (reply->headers.value("Content-Type") != "application/json") {
        context.out() << QString::fromUtf8(reply->body) << Qt::flush;
        return 0;
    }
    const JsonMessagesOutput shown = displayJsonMessages(reply->body);
    context.out() << shown.text << Qt::flush;
    if (shown.error)
        return printFailure(context, *shown.error);
    return 0;
}

// --- import ---------------------------------------------------------------

int runImport(Context &context, const ParsedArgs &args)
{
    const QString source = args.positionals().at(0);
    const QString repository = args.positionals().value(1);
    if (source.startsWith(QLatin1String("http://")) || source.startsWith(QLatin1String("https://")))
        return printFailure(context, QStringLiteral("importing from a URL is not supported: download %1 and import the file").arg(source));
    auto input = openInput(source);
    if (!input)
        return printFailure(context, QString::fromStdString(input.error().message()));
    if (!repository.isEmpty()) {
        if (auto ref = Common::Reference::parseNormalized(repository, Common::Reference::Dialect::DockerCli); !ref)
            return printFailure(context, QString::fromStdString(ref.error().message()));
    }
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/create");
    request.query.addQueryItem(QStringLiteral("fromSrc"), QStringLiteral("-"));
    if (!repository.isEmpty())
        request.query.addQueryItem(QStringLiteral("repo"), repository);
    if (const QString message = args.value(QStringLiteral("message")); !message.isEmpty())
        request.query.addQueryItem(QStringLiteral("message"), message);
    if (const QString platform = args.value(QStringLiteral("platform")); !platform.isEmpty())
        request.query.addQueryItem(QStringLiteral("platform"), platform.toLower());
    for (const QString &change : args.values(QStringLiteral("change")))
        request.query.addQueryItem(QStringLiteral("changes"), change);
    return streamUpload(context, request, input->get());
}

// --- load -----------------------------------------------------------------

int runLoad(Context &context, const ParsedArgs &args)
{
    const QString path = args.value(QStringLiteral("input"));
    if (path.isEmpty() && ::isatty(STDIN_FILENO))
        return printFailure(context, QStringLiteral("requested load from stdin, but stdin is empty"));
    auto input = openInput(path.isEmpty() ? QStringLiteral("-") : path);
    if (!input)
        return printFailure(context, QString::fromStdString(input.error().message()));
    Client::Request request;
    request.method = "POST";
    request.path = QStringLiteral("/images/load");
    request.contentType = "application/x-tar";
    if (args.flag(QStringLiteral("quiet")) || !::isatty(STDOUT_FILENO))
        request.query.addQueryItem(QStringLiteral("quiet"), QStringLiteral("1"));
    else
        request.query.addQueryItem(QStringLiteral("quiet"), QStringLiteral("0"));
    return streamUpload(context, request, input->get());
}

// --- save -----------------------------------------------------------------

int runSave(Context &context, const ParsedArgs &args)
{
    const QString output = args.value(QStringLiteral("output"));
    if (output.isEmpty() && ::isatty(STDOUT_FILENO))
        return printFailure(context, QStringLiteral("cowardly refusing to save to a terminal. Use the -o flag or redirect"));
    if (!output.isEmpty()) {
        const QFileInfo info(output);
        if (!info.absoluteDir().exists()) {
            return printFailure(context, QStringLiteral("failed to save image: invalid output path: directory \"%1\" does not exist")
                                             .arg(QFileInfo(output).path()));
        }
        if (info.isDir())
            return printFailure(context, QStringLiteral("failed to save image: invalid output path: \"%1\" is a directory").arg(output));
    }

    // The archive goes to a temporary file next to OUTPUT, renamed when
    // complete (docker's CopyToFile), or straight to stdout.
    std::unique_ptr<QSaveFile> saveFile;
    std::unique_ptr<QFile> stdoutFile;
    QIODevice *sink = nullptr;
    if (!output.isEmpty()) {
        saveFile = std::make_unique<QSaveFile>(output);
        if (!saveFile->open(QIODevice::WriteOnly))
            return printFailure(context, QStringLiteral("open %1: %2").arg(output, saveFile->errorString()));
        sink = saveFile.get();
    } else {
        context.out().flush();
        stdoutFile = std::make_unique<QFile>();
        if (!stdoutFile->open(STDOUT_FILENO, QIODevice::WriteOnly | QIODevice::Unbuffered))
            return printFailure(context, QStringLiteral("open stdout: %1").arg(stdoutFile->errorString()));
        sink = stdoutFile.get();
    }

    auto client = context.client();
    if (!client)
        return context.reportError(client.error());
    (*client)->setTimeout(0);
    Client::Request request;
    request.path = QStringLiteral("/images/get");
    for (const QString &name : args.positionals())
        request.query.addQueryItem(QStringLiteral("names"), name);
    std::unique_ptr<Client::ResponseStream> stream((*client)->openStream(request));
    QEventLoop loop;
    Status result;
    QString writeError;
    QObject::connect(stream.get(), &Client::ResponseStream::data, &loop, [&](const QByteArray &bytes) {
        if (!writeError.isEmpty())
            return;
        if (sink->write(bytes) != bytes.size()) {
            writeError = sink->errorString();
            stream->cancel();
            loop.quit();
        }
    });
    QObject::connect(stream.get(), &Client::ResponseStream::finished, &loop, [&](const Status &r) {
        result = r;
        loop.quit();
    });
    loop.exec();
    if (!writeError.isEmpty()) {
        if (saveFile)
            saveFile->cancelWriting();
        return printFailure(context, QStringLiteral("write %1: %2").arg(output.isEmpty() ? QStringLiteral("stdout") : output, writeError));
    }
    if (!result) {
        if (saveFile)
            saveFile->cancelWriting();
        return context.reportError(result.error());
    }
    if (saveFile && !saveFile->commit())
        return printFailure(context, QStringLiteral("write %1: %2").arg(output, saveFile->errorString()));
    return 0;
}

} // namespace

void registerImageTransferCommands(CommandRegistry &registry)
{
    Command import;
    import.path = QStringLiteral("image import");
    import.aliases = {QStringLiteral("import")};
    import.shortHelp = QStringLiteral("Import the contents from a tarball to create a filesystem image");
    import.usage = QStringLiteral("[OPTIONS] file|- [REPOSITORY[:TAG]]");
    import.options = {valueOption("change", 'c', "list", "Apply Dockerfile instruction to the created image", OptionSpec::Kind::List),
                      valueOption("message", 'm', "string", "Set commit message for imported image"),
                      valueOption("platform", 0, "string", "Set platform if server is multi-platform capable")};
    import.minArgs = 1;
    import.maxArgs = 2;
    import.run = runImport;
    registry.add(std::move(import));

    Command load;
    load.path = QStringLiteral("image load");
    load.aliases = {QStringLiteral("load")};
    load.shortHelp = QStringLiteral("Load an image from a tar archive or STDIN");
    load.usage = QStringLiteral("[OPTIONS]");
    OptionSpec quiet;
    quiet.name = QStringLiteral("quiet");
    quiet.shorthand = QLatin1Char('q');
    quiet.help = QStringLiteral("Suppress the load output");
    load.options = {valueOption("input", 'i', "string", "Read from tar archive file, instead of STDIN"), quiet};
    load.maxArgs = 0;
    load.run = runLoad;
    registry.add(std::move(load));

    Command save;
    save.path = QStringLiteral("image save");
    save.aliases = {QStringLiteral("save")};
    save.shortHelp = QStringLiteral("Save one or more images to a tar archive (streamed to STDOUT by default)");
    save.usage = QStringLiteral("[OPTIONS] IMAGE [IMAGE...]");
    save.options = {valueOption("output", 'o', "string", "Write to a file, instead of STDOUT")};
    save.minArgs = 1;
    save.run = runSave;
    registry.add(std::move(save));
}

} // namespace Berth::Cli
