#include "envfile.h"

#include <QFile>
#include <QStringDecoder>

#include <cerrno>

namespace Berth::Cli {

EnvLookup processEnvironment()
{
    return [](const QString &name) -> std::optional<QString> {
        const QByteArray key = name.toLocal8Bit();
        const char *value = ::getenv(key.constData());
        if (!value)
            return std::nullopt;
        return QString::fromLocal8Bit(value);
    };
}

Result<QStringList> parseEnvFileContent(const QByteArray &content, const QString &fileName, const EnvLookup &lookup)
{
    static const QByteArray bom("\xEF\xBB\xBF");
    QStringList out;
    // bufio.Scanner lines: split on '\n', a trailing '\r' dropped.
    QList<QByteArray> lines = content.split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    int number = 0;
    for (QByteArray bytes : lines) {
        if (bytes.endsWith('\r'))
            bytes.chop(1);
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        const QString decoded = decoder(bytes);
        if (decoder.hasError()) {
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("env file %1 contains invalid utf8 bytes at line %2").arg(fileName).arg(number + 1).toStdString());
        }
        QString line = decoded;
        if (number == 0 && bytes.startsWith(bom))
            line = QString::fromUtf8(bytes.mid(bom.size()));
        ++number;
        qsizetype start = 0;
        while (start < line.size() && line.at(start).isSpace())
            ++start;
        line = line.mid(start);
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        QString variable = eq < 0 ? line : line.left(eq);
        if (variable.contains(QLatin1Char(' ')) || variable.contains(QLatin1Char('\t'))) {
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("poorly formatted environment: variable '%1' contains whitespaces").arg(variable).toStdString());
        }
        if (variable.isEmpty()) {
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("poorly formatted environment: no variable name on line '%1'").arg(line).toStdString());
        }
        if (eq >= 0) {
            out << variable + QLatin1Char('=') + line.mid(eq + 1);
        } else if (lookup) {
            if (const auto value = lookup(line))
                out << line + QLatin1Char('=') + *value;
        } else {
            out << line;
        }
    }
    return out;
}

Result<QStringList> readEnvFile(const QString &fileName, const EnvLookup &lookup)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        const int err = errno;
        const QString why = file.error() == QFileDevice::OpenError && !QFile::exists(fileName)
                                ? QStringLiteral("no such file or directory")
                                : file.errorString().toLower();
        return fail(ErrorCode::InvalidArgument, QStringLiteral("open %1: %2").arg(fileName, why).toStdString(), err);
    }
    return parseEnvFileContent(file.readAll(), fileName, lookup);
}

Result<QString> resolveEnvValue(const QString &value, const EnvLookup &lookup)
{
    const qsizetype eq = value.indexOf(QLatin1Char('='));
    const QString key = eq < 0 ? value : value.left(eq);
    if (key.isEmpty())
        return fail(ErrorCode::InvalidArgument, "invalid environment variable: " + value.toStdString());
    if (eq >= 0)
        return value;
    if (lookup) {
        if (const auto v = lookup(key))
            return key + QLatin1Char('=') + *v;
    }
    return value;
}

} // namespace Berth::Cli
