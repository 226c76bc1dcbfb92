#include "buildexecutor.h"

#include "buildcommit.h"
#include "buildcopy.h"
#include "fsutil.h"

#include <base/scopeguard.h>

#include <common/reference.h>
#include <dockerfile/parser.h>
#include <dockerfile/stageevaluator.h>
#include <dockerfile/stagemodel.h>

#include <QDateTime>

#include <cerrno>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

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
            m_stream(QStringLiteral(" ---> %1\n").arg(current->shortHex()));
        } else {
            m_stream(QStringLiteral(" ---> \n"));
        }
        if (m_stepDone && current)
            m_stepDone(BuildStepEvent{step, total, from.startLine, from.original, true, *current, std::nullopt, 0,
                                      timer.elapsed()});

        args.resetAllowed();
        Dockerfile::StageEvaluator evaluator(tree, args, stateFromConfig(config));
        QList<int> instructions = stage.instructions;
        const bool finalStage = stageIndex == order.last();
        for (qsizetype n = 0; n <= instructions.size(); ++n) {
            const bool labelStep = n == instructions.size();
            if (labelStep && (!finalStage || m_options.labels.isEmpty()))
                break;
            timer.restart();
            const Dockerfile::Instruction *ins = labelStep ? nullptr : &tree.instructions.at(instructions.at(n));
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
                auto e = evaluator.evaluate(instructions.at(n));
                if (!e)
                    return fail(e.error());
                ev = *e;
                state = evaluator.config();
            }
            if (m_cancelled && m_cancelled())
                return fail(Error(ErrorCode::Io, "build cancelled: the client went away", ECANCELED));
            m_stream(QStringLiteral("Step %1/%2 : %3").arg(++step).arg(total).arg(text));
            m_stream(QStringLiteral("\n"));
            const QJsonObject newConfig = configFromState(config, state);

            QString cacheText;
            QString inputHash;
            std::optional<CopySources> copySources;
            CopyRequest copyRequest;
            switch (ev.kind) {
            case InstructionKind::Add:
                return fail(ErrorCode::NotImplemented, "ADD is not supported by Berth's builder yet; use COPY");
            case InstructionKind::Copy: {
                if (ev.flags.contains(QStringLiteral("from")))
                    return fail(ErrorCode::NotImplemented, "COPY --from is not supported by Berth's builder yet");
                copyRequest.sources = ev.arguments.mid(0, ev.arguments.size() - 1);
                copyRequest.destination = ev.arguments.last();
                copyRequest.workingDir = state.workingDir;
                copyRequest.chown = ev.flags.value(QStringLiteral("chown"));
                copyRequest.chmod = ev.flags.value(QStringLiteral("chmod"));
                copyRequest.lowerDirs = lowerDirsOf(current);
                auto src = BuildCopy::resolve(m_context, copyRequest);
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
                        if (auto s = BuildCopy::apply(m_context, copyRequest, *copySources, dir); !s)
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
            m_stream(QStringLiteral(" ---> %1\n").arg(current->shortHex()));
            event.image = *current;
            event.durationMs = timer.elapsed();
            if (m_stepDone)
                m_stepDone(event);
        }
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
