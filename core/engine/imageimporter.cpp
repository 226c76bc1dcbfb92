#include "imageimporter.h"

#include "imagestore.h"

#include <common/reference.h>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSysInfo>

namespace Berth::Engine {

using Common::Reference;


namespace {

std::unexpected<Error> bad(const QString &m)
{
    return fail(ErrorCode::InvalidArgument, m.toStdString());
}

// A JSON array of strings, or nothing when the text is not one.
std::optional<QJsonArray> jsonForm(const QString &rest)
{
    if (!rest.startsWith(u'['))
        return std::nullopt;
    const QJsonDocument doc = QJsonDocument::fromJson(rest.toUtf8());
    if (!doc.isArray())
        return std::nullopt;
    const QJsonArray arr = doc.array();
    for (const QJsonValue &v : arr) {
        if (!v.isString())
            return std::nullopt;
    }
    return arr;
}

QString unquote(QString s)
{
    if (s.size() >= 2 && ((s.startsWith(u'"') && s.endsWith(u'"')) || (s.startsWith(u'\'') && s.endsWith(u'\''))))
        s = s.mid(1, s.size() - 2);
    return s;
}

// Splits "a=b c="d e"" into pairs, honouring double quotes.
QList<QPair<QString, QString>> keyValues(const QString &rest)
{
    QList<QPair<QString, QString>> out;
    static const QRegularExpression re(QStringLiteral(R"re(([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))re"));
    auto it = re.globalMatch(rest);
    while (it.hasNext()) {
        const auto m = it.next();
        out.append({m.captured(1), unquote(m.captured(2))});
    }
    return out;
}

} // namespace

QString ImageImporter::goArchitecture()
{
    const QString cpu = QSysInfo::currentCpuArchitecture();
    if (cpu == QStringLiteral("x86_64"))
        return QStringLiteral("amd64");
    if (cpu == QStringLiteral("i386"))
        return QStringLiteral("386");
    if (cpu == QStringLiteral("power64"))
        return QStringLiteral("ppc64le");
    return cpu;
}

Result<QJsonObject> ImageImporter::applyChanges(QJsonObject config, const QStringList &changes)
{
    for (const QString &line : changes) {
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty())
            continue;
        const qsizetype sp = trimmed.indexOf(QRegularExpression(QStringLiteral("\\s")));
        const QString instr = (sp < 0 ? trimmed : trimmed.left(sp)).toUpper();
        const QString rest = sp < 0 ? QString() : trimmed.mid(sp + 1).trimmed();
        if (instr == QStringLiteral("CMD") || instr == QStringLiteral("ENTRYPOINT")) {
            QJsonArray args;
            if (auto arr = jsonForm(rest))
                args = *arr;
            else
                args = QJsonArray{QStringLiteral("/bin/sh"), QStringLiteral("-c"), rest};
            config.insert(instr == QStringLiteral("CMD") ? QStringLiteral("Cmd") : QStringLiteral("Entrypoint"), args);
        } else if (instr == QStringLiteral("ENV")) {
            QList<QPair<QString, QString>> kvs;
            if (rest.contains(u'=') && !rest.section(QRegularExpression(QStringLiteral("\\s")), 0, 0).isEmpty()
                && rest.section(QRegularExpression(QStringLiteral("\\s")), 0, 0).contains(u'=')) {
                kvs = keyValues(rest);
            } else {
                // legacy "ENV key value with spaces"
                const qsizetype s2 = rest.indexOf(u' ');
                if (s2 <= 0)
                    return bad(QStringLiteral("ENV requires a name and a value: ") + line);
                kvs.append({rest.left(s2), rest.mid(s2 + 1).trimmed()});
            }
            if (kvs.isEmpty())
                return bad(QStringLiteral("ENV requires a name and a value: ") + line);
            QJsonArray env = config.value(QStringLiteral("Env")).toArray();
            for (const auto &kv : kvs) {
                const QString entry = kv.first + u'=' + kv.second;
                bool replaced = false;
                for (qsizetype i = 0; i < env.size(); ++i) {
                    if (env[i].toString().section(u'=', 0, 0) == kv.first) {
                        env[i] = entry;
                        replaced = true;
                    }
                }
                if (!replaced)
                    env.append(entry);
            }
            config.insert(QStringLiteral("Env"), env);
        } else if (instr == QStringLiteral("WORKDIR")) {
            if (rest.isEmpty())
                return bad(QStringLiteral("WORKDIR requires a path"));
            QString dir = unquote(rest);
            if (!dir.startsWith(u'/')) {
                const QString cur = config.value(QStringLiteral("WorkingDir")).toString();
                dir = (cur.isEmpty() ? QStringLiteral("/") : cur + u'/') + dir;
            }
            config.insert(QStringLiteral("WorkingDir"), dir);
        } else if (instr == QStringLiteral("EXPOSE")) {
            QJsonObject ports = config.value(QStringLiteral("ExposedPorts")).toObject();
            static const QRegularExpression portRe(QStringLiteral("^([0-9]{1,5})(?:/(tcp|udp|sctp))?$"));
            for (const QString &p : rest.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts)) {
                const auto m = portRe.match(p.toLower());
                if (!m.hasMatch() || m.captured(1).toInt() > 65535)
                    return bad(QStringLiteral("invalid port in EXPOSE: ") + p);
                ports.insert(m.captured(1) + u'/' + (m.captured(2).isEmpty() ? QStringLiteral("tcp") : m.captured(2)),
                             QJsonObject());
            }
            if (ports.isEmpty())
                return bad(QStringLiteral("EXPOSE requires at least one port"));
            config.insert(QStringLiteral("ExposedPorts"), ports);
        } else if (instr == QStringLiteral("USER")) {
            if (rest.isEmpty())
                return bad(QStringLiteral("USER requires a user"));
            config.insert(QStringLiteral("User"), unquote(rest));
        } else if (instr == QStringLiteral("LABEL")) {
            const auto kvs = keyValues(rest);
            if (kvs.isEmpty())
                return bad(QStringLiteral("LABEL requires key=value pairs: ") + line);
            QJsonObject labels = config.value(QStringLiteral("Labels")).toObject();
            for (const auto &kv : kvs)
                labels.insert(unquote(kv.first), kv.second);
            config.insert(QStringLiteral("Labels"), labels);
        } else if (instr == QStringLiteral("VOLUME")) {
            QStringList paths;
            if (auto arr = jsonForm(rest)) {
                for (const QJsonValue &v : std::as_const(*arr))
                    paths.append(v.toString());
            } else {
                paths = rest.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
            }
            if (paths.isEmpty())
                return bad(QStringLiteral("VOLUME requires at least one path"));
            QJsonObject vols = config.value(QStringLiteral("Volumes")).toObject();
            for (const QString &p : std::as_const(paths))
                vols.insert(p, QJsonObject());
            config.insert(QStringLiteral("Volumes"), vols);
        } else if (instr == QStringLiteral("STOPSIGNAL")) {
            if (rest.isEmpty())
                return bad(QStringLiteral("STOPSIGNAL requires a signal"));
            config.insert(QStringLiteral("StopSignal"), rest);
        } else {
            return bad(instr + QStringLiteral(" is not a valid change command"));
        }
    }
    return config;
}

ImageImporter::ImageImporter(ImageStore &store, Options options, QJsonObject config, std::unique_ptr<BlobWriter> writer)
    : m_store(store)
    , m_options(std::move(options))
    , m_config(std::move(config))
    , m_writer(std::move(writer))
{}

ImageImporter::~ImageImporter() = default;

Result<std::unique_ptr<ImageImporter>> ImageImporter::start(ImageStore &store, const Options &options)
{
    if (!options.repository.isEmpty()) {
        auto ref = Reference::parseNormalized(options.repository);
        if (!ref)
            return std::unexpected(ref.error());
        if (ref->hasDigest())
            return fail(ErrorCode::InvalidArgument, "cannot import with a digest reference");
        if (!options.tag.isEmpty() && !Reference::isValidTag(options.tag))
            return fail(ErrorCode::InvalidArgument, "invalid tag format");
    }
    auto config = applyChanges(QJsonObject(), options.changes);
    if (!config)
        return std::unexpected(config.error());
    auto writer = store.content().createWriter();
    if (!writer)
        return std::unexpected(writer.error());
    return std::unique_ptr<ImageImporter>(new ImageImporter(store, options, *config, std::move(*writer)));
}

Status ImageImporter::write(QByteArrayView chunk)
{
    if (!m_writer)
        return fail(ErrorCode::Internal, "import already finished");
    return m_writer->write(chunk);
}

Result<Digest> ImageImporter::finish()
{
    if (!m_writer)
        return fail(ErrorCode::Internal, "import already finished");
    auto blob = m_writer->commit();
    m_writer.reset();
    if (!blob)
        return std::unexpected(std::move(blob.error()).wrap("import: store the layer"));
    auto fd = m_store.content().open(*blob);
    if (!fd)
        return std::unexpected(fd.error());
    auto layer = m_store.layers().applyTar(fd->get(), std::nullopt, std::nullopt, *blob);
    if (!layer) {
        m_store.content().remove(*blob);
        return std::unexpected(std::move(layer.error()).wrap("import"));
    }

    const QString created = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    QJsonObject history{{QStringLiteral("created"), created},
                        {QStringLiteral("comment"), QString(QStringLiteral("Imported from ") + m_options.source)}};
    QJsonObject image{{QStringLiteral("architecture"), goArchitecture()},
                      {QStringLiteral("os"), QStringLiteral("linux")},
                      {QStringLiteral("created"), created},
                      {QStringLiteral("config"), m_config},
                      {QStringLiteral("rootfs"), QJsonObject{{QStringLiteral("type"), QStringLiteral("layers")},
                                                             {QStringLiteral("diff_ids"), QJsonArray{layer->diffId.toString()}}}},
                      {QStringLiteral("history"), QJsonArray{history}}};
    if (!m_options.message.isEmpty())
        image.insert(QStringLiteral("comment"), m_options.message);
    auto id = m_store.createImage(QJsonDocument(image).toJson(QJsonDocument::Compact));
    if (!id)
        return std::unexpected(id.error());
    if (!m_options.repository.isEmpty()) {
        if (auto st = m_store.tag(id->toString(), m_options.repository, m_options.tag); !st)
            return std::unexpected(st.error());
    }
    return id;
}

} // namespace Berth::Engine
