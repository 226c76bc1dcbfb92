#include "buildexecutor.h"

#include "buildcommit.h"
#include "buildcopy.h"
#include "fsutil.h"
#include "layerextractor.h"

#include <base/scopeguard.h>

#include <common/reference.h>
#include <dockerfile/parser.h>
#include <dockerfile/stageevaluator.h>
#include <dockerfile/stagemodel.h>

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QCryptographicHash>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>
#include <QUrl>

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <sys/mount.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace Berth::Engine {

using Dockerfile::ImageConfigState;
using Dockerfile::InstructionKind;

namespace {

QStringList toList(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &e : v.toArray())
        out.append(e.toString());
    return out;
}

QJsonValue fromList(const QStringList &l, bool nullWhenEmpty)
{
    if (l.isEmpty() && nullWhenEmpty)
        return QJsonValue::Null;
    return QJsonArray::fromStringList(l);
}

QStringList keysOf(const QJsonValue &v)
{
    QStringList keys = v.toObject().keys();
    keys.sort();
    return keys;
}

QJsonValue setOf(const QStringList &keys)
{
    if (keys.isEmpty())
        return QJsonValue::Null;
    QJsonObject o;
    for (const QString &k : keys)
        o.insert(k, QJsonObject());
    return o;
}

ImageConfigState stateFromConfig(const QJsonObject &c)
{
    ImageConfigState s;
    s.env = toList(c.value(QStringLiteral("Env")));
    s.shell = toList(c.value(QStringLiteral("Shell")));
    s.workingDir = c.value(QStringLiteral("WorkingDir")).toString();
    s.user = c.value(QStringLiteral("User")).toString();
    s.cmd = toList(c.value(QStringLiteral("Cmd")));
    s.entrypoint = toList(c.value(QStringLiteral("Entrypoint")));
    s.exposedPorts = keysOf(c.value(QStringLiteral("ExposedPorts")));
    s.volumes = keysOf(c.value(QStringLiteral("Volumes")));
    s.stopSignal = c.value(QStringLiteral("StopSignal")).toString();
    const QJsonObject labels = c.value(QStringLiteral("Labels")).toObject();
    for (auto it = labels.begin(); it != labels.end(); ++it)
        s.labels.insert(it.key(), it.value().toString());
    s.onBuild = toList(c.value(QStringLiteral("OnBuild")));
    if (c.value(QStringLiteral("Healthcheck")).isObject()) {
        const QJsonObject h = c.value(QStringLiteral("Healthcheck")).toObject();
        Dockerfile::HealthConfig hc;
        hc.test = toList(h.value(QStringLiteral("Test")));
        hc.interval = qint64(h.value(QStringLiteral("Interval")).toDouble());
        hc.timeout = qint64(h.value(QStringLiteral("Timeout")).toDouble());
        hc.startPeriod = qint64(h.value(QStringLiteral("StartPeriod")).toDouble());
        hc.startInterval = qint64(h.value(QStringLiteral("StartInterval")).toDouble());
        hc.retries = h.value(QStringLiteral("Retries")).toInt();
        s.healthcheck = hc;
    }
    return s;
}

QJsonObject configFromState(QJsonObject c, const ImageConfigState &s)
{
    c.insert(QStringLiteral("Env"), fromList(s.env, true));
    c.insert(QStringLiteral("Cmd"), fromList(s.cmd, true));
    c.insert(QStringLiteral("Entrypoint"), fromList(s.entrypoint, true));
    c.insert(QStringLiteral("WorkingDir"), s.workingDir);
    c.insert(QStringLiteral("User"), s.user);
    if (s.exposedPorts.isEmpty())
        c.remove(QStringLiteral("ExposedPorts"));
    else
        c.insert(QStringLiteral("ExposedPorts"), setOf(s.exposedPorts));
    c.insert(QStringLiteral("Volumes"), setOf(s.volumes));
    if (s.shell.isEmpty())
        c.remove(QStringLiteral("Shell"));
    else
        c.insert(QStringLiteral("Shell"), QJsonArray::fromStringList(s.shell));
    if (s.stopSignal.isEmpty())
        c.remove(QStringLiteral("StopSignal"));
    else
        c.insert(QStringLiteral("StopSignal"), s.stopSignal);
    if (s.labels.isEmpty()) {
        c.insert(QStringLiteral("Labels"), QJsonValue::Null);
    } else {
        QJsonObject l;
        for (auto it = s.labels.begin(); it != s.labels.end(); ++it)
            l.insert(it.key(), it.value());
        c.insert(QStringLiteral("Labels"), l);
    }
    c.insert(QStringLiteral("OnBuild"), fromList(s.onBuild, true));
    if (s.healthcheck) {
        QJsonObject h{{QStringLiteral("Test"), QJsonArray::fromStringList(s.healthcheck->test)}};
        if (s.healthcheck->interval)
            h.insert(QStringLiteral("Interval"), double(s.healthcheck->interval));
        if (s.healthcheck->timeout)
            h.insert(QStringLiteral("Timeout"), double(s.healthcheck->timeout));
        if (s.healthcheck->startPeriod)
            h.insert(QStringLiteral("StartPeriod"), double(s.healthcheck->startPeriod));
        if (s.healthcheck->startInterval)
            h.insert(QStringLiteral("StartInterval"), double(s.healthcheck->startInterval));
        if (s.healthcheck->retries)
            h.insert(QStringLiteral("Retries"), s.healthcheck->retries);
        c.insert(QStringLiteral("Healthcheck"), h);
    }
    return c;
}

// A read-only view of an image's filesystem for COPY --from: its only
// layer dir, an empty dir for no layer, or a read-only overlay of its layer
// dirs mounted under ROOT/tmp (unmounted when the view goes).
class ImageView
{
public:
    static Result<ImageView> open(const QStringList &lowerDirs, const QString &storeRoot)
    {
        ImageView view;
        if (lowerDirs.size() == 1) {
            view.m_root = lowerDirs.first();
            return view;
        }
        const QString dir = storeRoot + QStringLiteral("/tmp/build-from-") + Internal::randomToken();
        if (auto s = Internal::makeDirs(dir, 0700); !s)
            return fail(s.error());
        view.m_root = dir;
        view.m_owned = dir;
        if (lowerDirs.isEmpty())
            return view;
        QByteArray options = "lowerdir=";
        for (qsizetype i = 0; i < lowerDirs.size(); ++i) {
            if (lowerDirs.at(i).contains(u':') || lowerDirs.at(i).contains(u','))
                return fail(ErrorCode::InvalidArgument, "layer path " + lowerDirs.at(i).toStdString()
                                                            + " cannot be an overlay lower dir");
            options += (i ? ":" : "") + QFile::encodeName(lowerDirs.at(i));
        }
        if (::mount("overlay", QFile::encodeName(dir).constData(), "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV,
                    options.constData())
            < 0)
            return fail(Error::fromErrno("mount the image for COPY --from on " + dir.toStdString(), errno));
        view.m_mounted = true;
        return view;
    }
    ImageView() = default;
    ImageView(ImageView &&other) noexcept
        : m_root(std::exchange(other.m_root, {}))
        , m_owned(std::exchange(other.m_owned, {}))
        , m_mounted(std::exchange(other.m_mounted, false))
    {}
    ImageView &operator=(ImageView &&) = delete;
    ~ImageView()
    {
        if (m_mounted)
            (void)::umount2(QFile::encodeName(m_owned).constData(), MNT_DETACH);
        if (!m_owned.isEmpty())
            (void)::rmdir(QFile::encodeName(m_owned).constData());
    }
    const QString &root() const { return m_root; }

private:
    QString m_root;
    QString m_owned;
    bool m_mounted = false;
};

// ADD <url>: the file fetched into ROOT/tmp (streamed to disk, hashed on
// the way) on a thread of its own: the engine thread has no event loop to
// lend, and a nested one would run other engine jobs in the middle of this.
struct UrlDownload
{
    QString file;     // the temp file
    QString fileName; // the URL path's last segment
    QString hash;     // sha256 hex of the content
    QDateTime lastModified;
};

Result<UrlDownload> downloadUrl(const QString &url, const QString &tmpDir)
{
    const QUrl u(url);
    if (u.scheme() != QLatin1String("http") && u.scheme() != QLatin1String("https"))
        return fail(ErrorCode::InvalidArgument, "ADD " + url.toStdString() + ": only http and https URLs can be fetched");
    UrlDownload d;
    d.fileName = u.fileName();
    if (d.fileName.isEmpty())
        return fail(ErrorCode::InvalidArgument, "cannot determine filename from url: " + url.toStdString());
    if (auto s = Internal::makeDirs(tmpDir, 0700); !s)
        return fail(s.error());
    d.file = tmpDir + QStringLiteral("/build-add-") + Internal::randomToken();
    std::optional<Error> error;
    std::unique_ptr<QThread> thread(QThread::create([&] {
        QFile out(d.file);
        if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            error = Error(ErrorCode::Io, "create " + d.file.toStdString() + ": " + out.errorString().toStdString());
            return;
        }
        QNetworkAccessManager nam;
        QNetworkRequest request(u);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
        request.setTransferTimeout(120000);
        QCryptographicHash hash(QCryptographicHash::Sha256);
        QNetworkReply *reply = nam.get(request);
        QEventLoop loop;
        const auto drain = [&] {
            const QByteArray piece = reply->readAll();
            hash.addData(piece);
            if (out.write(piece) != piece.size() && !error)
                error = Error(ErrorCode::Io, "write " + d.file.toStdString() + ": " + out.errorString().toStdString());
        };
        QObject::connect(reply, &QNetworkReply::readyRead, &loop, drain);
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        drain();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (!error && status >= 400)
            error = Error(ErrorCode::NotFound, "failed to GET " + url.toStdString() + " with status " + std::to_string(status) + " "
                                                   + reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString().toStdString());
        else if (!error && reply->error() != QNetworkReply::NoError)
            error = Error(ErrorCode::Unavailable, "ADD " + url.toStdString() + ": " + reply->errorString().toStdString());
        d.lastModified = reply->header(QNetworkRequest::LastModifiedHeader).toDateTime();
        d.hash = QString::fromLatin1(hash.result().toHex());
        delete reply;
    }));
    thread->start();
    thread->wait();
    if (error) {
        QFile::remove(d.file);
        return fail(*error);
    }
    return d;
}

// A context file ADD unpacks: a tar, plain or compressed (gzip, bzip2, xz, ...).
bool isTarArchive(const BuildContext &context, const QString &path)
{
    auto fd = context.openInContext(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (!fd)
        return false;
    struct stat st{};
    if (::fstat(fd->get(), &st) < 0 || !S_ISREG(st.st_mode))
        return false;
    archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    bool tar = false;
    if (archive_read_open_fd(a, fd->get(), 64 * 1024) == ARCHIVE_OK) {
        archive_entry *entry = nullptr;
        const int r = archive_read_next_header(a, &entry);
        tar = r == ARCHIVE_OK || r == ARCHIVE_WARN;
    }
    archive_read_free(a);
    return tar;
}

// Makes the directories of `path` (absolute in the image) under layerDir.
Status makeParents(const QString &layerDir, const QString &path)
{
    const QString parent = QFileInfo(layerDir + path).path();
    if (!QDir().mkpath(parent))
        return fail(ErrorCode::Io, "mkdir " + parent.toStdString() + " for ADD failed");
    return {};
}

// ADD into a new layer dir: plain context files as COPY copies them, tars
// unpacked (LayerExtractor's rules: nothing outside the destination) into
// the destination directory, URLs as one 0600 file each.
Status applyAdd(const BuildContext &context, const CopyRequest &request, const QStringList &plain,
                const QStringList &archives, const QList<UrlDownload> &downloads, const QString &layerDir)
{
    const QString destination = BuildCopy::absoluteDestination(request.destination, request.workingDir);
    if (!plain.isEmpty()) {
        CopyRequest sub = request;
        sub.sources.clear();
        for (const QString &p : plain)
            sub.sources.append(u'/' + p);
        auto sources = BuildCopy::resolve(context, sub);
        if (!sources)
            return fail(sources.error());
        if (auto s = BuildCopy::apply(context, sub, *sources, layerDir); !s)
            return s;
    }
    for (const QString &archivePath : archives) {
        QString target = layerDir + destination;
        if (!QDir().mkpath(target))
            return fail(ErrorCode::Io, "mkdir " + destination.toStdString() + " for ADD failed");
        auto fd = context.openInContext(archivePath, O_RDONLY | O_NOCTTY);
        if (!fd)
            return fail(fd.error());
        LayerExtractor extractor;
        if (auto diff = extractor.apply(fd->get(), target); !diff)
            return fail(Error(diff.error()).wrap("ADD " + archivePath.toStdString()));
    }
    if (!downloads.isEmpty()) {
        auto owner = BuildCopy::resolveOwner(request.chown, request.lowerDirs);
        if (!owner)
            return fail(owner.error());
        for (const UrlDownload &d : downloads) {
            const QString path = destination.endsWith(u'/') ? destination + d.fileName : destination;
            if (auto s = makeParents(layerDir, path); !s)
                return s;
            const QByteArray target = QFile::encodeName(layerDir + path);
            if (::rename(QFile::encodeName(d.file).constData(), target.constData()) < 0)
                return fail(Error::fromErrno("move the download of ADD to " + path.toStdString(), errno));
            bool ok = false;
            const uint mode = request.chmod.isEmpty() ? 0600 : request.chmod.toUInt(&ok, 8);
            if (::lchown(target.constData(), owner->first, owner->second) < 0 || ::chmod(target.constData(), mode) < 0)
                return fail(Error::fromErrno("chown/chmod " + path.toStdString(), errno));
            if (d.lastModified.isValid()) {
                const timespec times[2] = {{d.lastModified.toSecsSinceEpoch(), 0}, {d.lastModified.toSecsSinceEpoch(), 0}};
                (void)::utimensat(AT_FDCWD, target.constData(), times, AT_SYMLINK_NOFOLLOW);
            }
        }
    }
    return {};
}

// The ONBUILD triggers of a base image's config, each parsed as the one
// instruction it must be; dockerd's messages for what a trigger cannot be.
Result<std::vector<Dockerfile::SyntaxTree>> parseTriggers(const QJsonObject &config)
{
    std::vector<Dockerfile::SyntaxTree> trees;
    const QJsonArray triggers = config.value(QStringLiteral("OnBuild")).toArray();
    trees.reserve(size_t(triggers.size()));
    for (const QJsonValue &value : triggers) {
        const QString text = value.toString();
        Dockerfile::SyntaxTree t = Dockerfile::Parser::parseFragment(text);
        if (const Dockerfile::Diagnostic *d = t.firstError())
            return fail(ErrorCode::InvalidArgument, "ONBUILD trigger '" + text.toStdString() + "': " + d->toString().toStdString());
        if (t.instructions.size() != 1)
            return fail(ErrorCode::InvalidArgument, "onbuild trigger should be a single expression");
        switch (t.instructions.first().kind) {
        case InstructionKind::Onbuild:
            return fail(ErrorCode::InvalidArgument, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        case InstructionKind::From:
        case InstructionKind::Maintainer:
            return fail(ErrorCode::InvalidArgument,
                        t.instructions.first().keyword.toUpper().toStdString() + " isn't allowed as an ONBUILD trigger");
        default:
            break;
        }
        trees.push_back(std::move(t));
    }
    return trees;
}

QString nowRfc3339()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QString hashOf(const QJsonObject &o)
{
    return Digest::ofData(QJsonDocument(o).toJson(QJsonDocument::Compact)).hex();
}

} // namespace

BuildExecutor::BuildExecutor(ImageStore &store, BuildCache &cache, const BuildContext &context, BuildOptions options,
                             std::function<void(const QString &)> stream,
                             std::function<void(const BuildStepEvent &)> stepDone, BuildRunner run)
    : m_store(store)
    , m_cache(cache)
    , m_context(context)
    , m_options(std::move(options))
    , m_stream(std::move(stream))
    , m_stepDone(std::move(stepDone))
    , m_run(std::move(run))
{
}

Result<Digest> BuildExecutor::build()
{
    auto bytes = m_context.readDockerfile(m_options.dockerfile);
    if (!bytes)
        return fail(bytes.error());
    const Dockerfile::SyntaxTree tree = Dockerfile::Parser::parse(QByteArrayView(*bytes));
    if (const Dockerfile::Diagnostic *d = tree.firstError())
        return fail(ErrorCode::InvalidArgument, "dockerfile parse error " + d->toString().toStdString());
    const Dockerfile::StageModel model = Dockerfile::StageModel::fromDockerfile(tree);
    if (model.stages().isEmpty())
        return fail(ErrorCode::InvalidArgument, "the Dockerfile (" + m_options.dockerfile.toStdString()
                                                    + ") cannot be empty");
    Dockerfile::BuildArgs args(m_options.buildArgs);
    if (auto s = model.applyMetaArgs(tree, args); !s)
        return fail(s.error());
    auto target = model.targetIndex(m_options.target);
    if (!target)
        return fail(target.error());
    const QList<int> order = model.dependencies(tree, *target, args);

    int total = 0;
    for (int s : order)
        total += 1 + int(model.stages().at(s).instructions.size());
    if (!m_options.labels.isEmpty())
        ++total;
    int step = 0;

    QHash<int, std::optional<Digest>> stageImages;
    std::optional<Digest> current;
    const auto lowerDirsOf = [this](const std::optional<Digest> &image) -> QStringList {
        QStringList dirs;
        if (!image)
            return dirs;
        auto rec = m_store.image(*image);
        if (!rec)
            return dirs;
        for (auto it = rec->chainIds.crbegin(); it != rec->chainIds.crend(); ++it)
            dirs.append(m_store.layers().diffPath(*it));
        return dirs;
    };
    const auto newLayerDir = [this]() -> Result<QString> {
        const QString dir = m_store.root() + QStringLiteral("/tmp/build-") + Internal::randomToken();
        if (auto s = Internal::makeDirs(dir, 0755); !s)
            return fail(s.error());
        return dir;
    };

    for (int stageIndex : order) {
        const Dockerfile::Stage &stage = model.stages().at(stageIndex);
        const Dockerfile::Instruction &from = tree.instructions.at(stage.fromInstruction);
        QElapsedTimer timer;
        timer.start();
        if (m_cancelled && m_cancelled())
            return fail(Error(ErrorCode::Io, "build cancelled: the client went away", ECANCELED));
        m_stream(QStringLiteral("Step %1/%2 : %3").arg(++step).arg(total).arg(from.original));
        m_stream(QStringLiteral("\n"));
        auto base = model.resolveBase(tree, stageIndex, args);
        if (!base)
            return fail(base.error());
        if (base->stage >= 0) {
            current = stageImages.value(base->stage);
        } else if (base->scratch) {
            current.reset();
        } else {
            auto id = m_store.resolve(base->name);
            if ((!id || m_options.pull) && m_pull) {
                if (auto pulled = m_pull(base->name); !pulled)
                    return fail(pulled.error());
                id = m_store.resolve(base->name);
            }
            if (!id)
                return fail(ErrorCode::NotFound, "pull access denied for " + base->name.toStdString()
                                                     + ", repository does not exist or may require 'docker login'");
            current = *id;
        }
        QJsonObject config;
        if (current) {
            auto rec = m_store.image(*current);
            if (!rec)
                return fail(rec.error());
            config = rec->config.value(QStringLiteral("config")).toObject();
        }
        // The base image's ONBUILD triggers run first, as if they followed
        // FROM (dockerd's dispatchTriggeredOnBuild); they are not counted as
        // steps, and the images they make no longer carry them.
        auto triggers = parseTriggers(config);
        if (!triggers)
            return fail(triggers.error());
        if (!triggers->empty()) {
            m_stream(QStringLiteral("# Executing %1 build trigger%2\n").arg(triggers->size()).arg(triggers->size() > 1 ? QStringLiteral("s") : QString()));
            config.remove(QStringLiteral("OnBuild"));
        }
        const int fromStep = step;
        bool fromDone = false;
        // " ---> ID" of the FROM step, once its triggers have run.
        const auto finishFrom = [&] {
            fromDone = true;
            m_stream(current ? QStringLiteral(" ---> %1\n").arg(current->shortHex()) : QStringLiteral(" ---> \n"));
            if (m_stepDone && current)
                m_stepDone(BuildStepEvent{fromStep, total, from.startLine, from.original, true, *current, std::nullopt, 0,
                                          timer.elapsed()});
        };

        args.resetAllowed();
        ImageConfigState baseState = stateFromConfig(config);
        baseState.onBuild.clear();
        // dockerd (setDefaultPath): a stage whose image has no PATH gets the default one, appended.
        if (std::none_of(baseState.env.cbegin(), baseState.env.cend(),
                         [](const QString &e) { return e.startsWith(QLatin1String("PATH=")); }))
            baseState.env.append(QStringLiteral("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        Dockerfile::StageEvaluator evaluator(tree, args, baseState);
        // The triggers, then the stage's own instructions.
        struct Work
        {
            const Dockerfile::Instruction *instruction;
            int index; // in `tree`; -1 for a trigger
        };
        QList<Work> work;
        for (const Dockerfile::SyntaxTree &t : *triggers)
            work.append(Work{&t.instructions.first(), -1});
        for (int index : stage.instructions)
            work.append(Work{&tree.instructions.at(index), index});
        const bool finalStage = stageIndex == order.last();
        for (qsizetype n = 0; n <= work.size(); ++n) {
            const bool labelStep = n == work.size();
            if (!fromDone && (labelStep || work.at(n).index >= 0))
                finishFrom();
            if (labelStep && (!finalStage || m_options.labels.isEmpty()))
                break;
            if (!labelStep && work.at(n).index >= 0)
                timer.restart();
            const Dockerfile::Instruction *ins = labelStep ? nullptr : work.at(n).instruction;
            const bool trigger = !labelStep && work.at(n).index < 0;
            QString text;
            Dockerfile::EvaluatedInstruction ev;
            ImageConfigState state = evaluator.config();
            if (labelStep) {
                QStringList pairs;
                for (auto it = m_options.labels.begin(); it != m_options.labels.end(); ++it) {
                    state.labels.insert(it.key(), it.value());
                    pairs.append(it.key() + u'=' + it.value());
                }
                text = QStringLiteral("LABEL ") + pairs.join(u' ');
                ev.kind = InstructionKind::Label;
                ev.createdBy = evaluator.nopCreatedBy(text);
            } else {
                text = ins->original;
                auto e = trigger ? evaluator.evaluate(*ins) : evaluator.evaluate(work.at(n).index);
                if (!e)
                    return fail(e.error());
                ev = *e;
                state = evaluator.config();
            }
            if (m_cancelled && m_cancelled())
                return fail(Error(ErrorCode::Io, "build cancelled: the client went away", ECANCELED));
            if (!trigger) {
                m_stream(QStringLiteral("Step %1/%2 : %3").arg(++step).arg(total).arg(text));
                m_stream(QStringLiteral("\n"));
            }
            const QJsonObject newConfig = configFromState(config, state);

            QString cacheText;
            QString inputHash;
            std::optional<CopySources> copySources;
            CopyRequest copyRequest;
            // COPY --from: the source image's filesystem as the context.
            QList<UrlDownload> addDownloads; // ADD: fetched URLs (temp files)
            QStringList addArchives;         // ADD: context tars to unpack
            QStringList addPlain;            // ADD: context paths copied as COPY does
            ScopeGuard dropDownloads([&addDownloads] {
                for (const UrlDownload &d : std::as_const(addDownloads))
                    QFile::remove(d.file);
            });
            std::optional<BuildContext> fromContext;
            std::optional<ImageView> fromView;
            const BuildContext *copyContext = &m_context;
            switch (ev.kind) {
            case InstructionKind::Add: {
                const QStringList all = ev.arguments.mid(0, ev.arguments.size() - 1);
                copyRequest.instruction = QStringLiteral("ADD");
                copyRequest.destination = ev.arguments.last();
                copyRequest.workingDir = state.workingDir;
                copyRequest.chown = ev.flags.value(QStringLiteral("chown"));
                copyRequest.chmod = ev.flags.value(QStringLiteral("chmod"));
                copyRequest.lowerDirs = lowerDirsOf(current);
                if (all.size() > 1 && !copyRequest.destination.endsWith(u'/'))
                    return fail(ErrorCode::InvalidArgument, "When using ADD with more than one source file, the "
                                                            "destination must be a directory and end with a /");
                QStringList hashes;
                for (const QString &src : all) {
                    if (Dockerfile::StageEvaluator::sourceKind(*ins, src) == Dockerfile::StageEvaluator::SourceKind::Url) {
                        auto download = downloadUrl(src, m_store.root() + QStringLiteral("/tmp"));
                        if (!download)
                            return fail(download.error());
                        hashes.append(QStringLiteral("file:") + download->hash);
                        addDownloads.append(*download);
                    } else {
                        copyRequest.sources.append(src);
                    }
                }
                if (!copyRequest.sources.isEmpty()) {
                    auto src = BuildCopy::resolve(m_context, copyRequest);
                    if (!src)
                        return fail(src.error());
                    copySources = *src;
                    hashes.prepend(src->sourceHash);
                    for (const QString &path : std::as_const(src->paths)) {
                        if (isTarArchive(m_context, path))
                            addArchives.append(path);
                        else
                            addPlain.append(path);
                    }
                }
                const QString sourceHash = hashes.size() == 1
                                               ? hashes.first()
                                               : QStringLiteral("multi:") + Digest::ofData(hashes.join(u',').toUtf8()).hex();
                ev.createdBy = evaluator.copyCreatedBy(ev.kind, copyRequest.chown, sourceHash,
                                                       BuildCopy::absoluteDestination(copyRequest.destination,
                                                                                      copyRequest.workingDir));
                cacheText = ev.createdBy + QStringLiteral(" chmod=") + copyRequest.chmod;
                inputHash = sourceHash + u' ' + hashOf(newConfig);
                break;
            }
            case InstructionKind::Copy: {
                if (ev.flags.contains(QStringLiteral("from"))) {
                    const QString from = ev.flags.value(QStringLiteral("from"));
                    std::optional<Digest> source;
                    const int sourceStage = model.stageIndex(from);
                    if (sourceStage >= 0) {
                        if (sourceStage >= stageIndex)
                            return fail(ErrorCode::InvalidArgument, "COPY --from=" + from.toStdString()
                                                                        + ": a stage can only copy from an earlier stage");
                        source = stageImages.value(sourceStage);
                    } else {
                        auto id = m_store.resolve(from);
                        if ((!id || m_options.pull) && m_pull) {
                            if (auto pulled = m_pull(from); !pulled)
                                return fail(pulled.error());
                            id = m_store.resolve(from);
                        }
                        if (!id)
                            return fail(ErrorCode::NotFound, "pull access denied for " + from.toStdString()
                                                                 + ", repository does not exist or may require 'docker login'");
                        source = *id;
                    }
                    auto view = ImageView::open(lowerDirsOf(source), m_store.root());
                    if (!view)
                        return fail(view.error());
                    fromView.emplace(std::move(*view));
                    auto ctx = BuildContext::openDirectory(fromView->root());
                    if (!ctx)
                        return fail(ctx.error());
                    fromContext.emplace(std::move(*ctx));
                    copyContext = &*fromContext;
                }
                copyRequest.sources = ev.arguments.mid(0, ev.arguments.size() - 1);
                copyRequest.destination = ev.arguments.last();
                copyRequest.workingDir = state.workingDir;
                copyRequest.chown = ev.flags.value(QStringLiteral("chown"));
                copyRequest.chmod = ev.flags.value(QStringLiteral("chmod"));
                copyRequest.lowerDirs = lowerDirsOf(current);
                auto src = BuildCopy::resolve(*copyContext, copyRequest);
                if (!src)
                    return fail(src.error());
                copySources = *src;
                ev.createdBy = evaluator.copyCreatedBy(ev.kind, copyRequest.chown, src->sourceHash,
                                                       BuildCopy::absoluteDestination(copyRequest.destination,
                                                                                      copyRequest.workingDir));
                cacheText = ev.createdBy + QStringLiteral(" chmod=") + copyRequest.chmod;
                inputHash = src->sourceHash + u' ' + hashOf(newConfig);
                break;
            }
            case InstructionKind::Run:
                if (!m_run)
                    return fail(ErrorCode::NotImplemented, "RUN needs a container runtime");
                cacheText = ev.createdBy;
                inputHash = hashOf(newConfig);
                break;
            default:
                cacheText = ev.createdBy;
                inputHash = hashOf(newConfig);
                break;
            }
            if (ev.createdBy.isEmpty() && ev.kind != InstructionKind::Run) {
                // nothing to record (no history entry)
                continue;
            }

            const Digest key = BuildCache::key(current, cacheText, inputHash);
            std::optional<Digest> hit;
            if (!m_options.noCache)
                hit = m_cache.lookup(key, current, m_store);
            BuildStepEvent event{step, total, ins ? ins->startLine : 0, text, false, Digest(), std::nullopt, 0, 0};
            if (hit) {
                m_stream(QStringLiteral(" ---> Using cache\n"));
                current = *hit;
                event.cached = true;
            } else {
                std::optional<Digest> diffId;
                if (!ev.emptyLayer) {
                    auto layerDir = newLayerDir();
                    if (!layerDir)
                        return fail(layerDir.error());
                    const QString dir = *layerDir;
                    ScopeGuard cleanup([dir] { (void)Internal::removeTree(dir); });
                    if (ev.kind == InstructionKind::Copy) {
                        if (auto s = BuildCopy::apply(*copyContext, copyRequest, *copySources, dir); !s)
                            return fail(s.error());
                    } else if (ev.kind == InstructionKind::Add) {
                        if (auto s = applyAdd(m_context, copyRequest, addPlain, addArchives, addDownloads, dir); !s)
                            return fail(s.error());
                    } else if (ev.kind == InstructionKind::Workdir) {
                        // the directories the image does not have yet
                        const QStringList lowers = lowerDirsOf(current);
                        QString path;
                        for (const QString &part : state.workingDir.split(u'/', Qt::SkipEmptyParts)) {
                            path += u'/' + part;
                            bool exists = false;
                            for (const QString &l : lowers)
                                exists = exists || QFileInfo(l + path).isDir();
                            if (!exists) {
                                if (!QDir().mkpath(dir + path))
                                    return fail(ErrorCode::Io, "mkdir " + path.toStdString() + " for WORKDIR failed");
                            }
                        }
                    } else if (ev.kind == InstructionKind::Run) {
                        BuildRunRequest run;
                        run.image = current.value_or(Digest());
                        run.argv = ev.command;
                        run.extraEnv = ev.runEnvironment;
                        run.config = newConfig;
                        run.upperDir = dir;
                        run.lowerDirs = lowerDirsOf(current);
                        auto code = m_run(run);
                        if (!code)
                            return fail(code.error());
                        if (*code != 0) {
                            m_failedExitCode = *code;
                            return fail(ErrorCode::Internal,
                                        QStringLiteral("The command '%1' returned a non-zero code: %2")
                                            .arg(ev.command.join(u' '))
                                            .arg(*code)
                                            .toStdString());
                        }
                    }
                    std::optional<Digest> parentChain;
                    if (current) {
                        auto rec = m_store.image(*current);
                        if (rec && !rec->chainIds.isEmpty())
                            parentChain = rec->chainIds.last();
                    }
                    auto layer = BuildCommit::commitDirectory(m_store, dir, parentChain);
                    if (!layer)
                        return fail(layer.error());
                    diffId = layer->diffId;
                    event.layer = layer->diffId;
                    event.layerSize = layer->size;
                }
                BuildHistoryEntry history{nowRfc3339(), ev.createdBy, QString(), ev.emptyLayer};
                auto image = BuildCommit::createImage(m_store, current, newConfig, history, diffId);
                if (!image)
                    return fail(image.error());
                if (auto s = m_cache.record(key, current, *image); !s)
                    return fail(s.error());
                current = *image;
            }
            config = newConfig;
            if (trigger)
                continue; // the FROM step reports the image after its triggers
            m_stream(QStringLiteral(" ---> %1\n").arg(current->shortHex()));
            event.image = *current;
            event.durationMs = timer.elapsed();
            if (m_stepDone)
                m_stepDone(event);
        }
        if (!fromDone)
            finishFrom();
        stageImages.insert(stageIndex, current);
    }

    if (!current)
        return fail(ErrorCode::InvalidArgument, "No image was generated. Is your Dockerfile empty?");
    if (m_built)
        m_built(*current);
    m_stream(QStringLiteral("Successfully built %1\n").arg(current->shortHex()));
    for (const QString &tag : std::as_const(m_options.tags)) {
        auto ref = Common::Reference::parseNormalized(tag);
        if (!ref)
            return fail(ref.error());
        const Common::Reference full = ref->withDefaultTag();
        if (auto s = m_store.tag(current->toString(), full.familiarName(), full.tag()); !s)
            return fail(s.error());
        m_stream(QStringLiteral("Successfully tagged %1\n").arg(full.familiarString()));
    }
    return *current;
}

} // namespace Berth::Engine
