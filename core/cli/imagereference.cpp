#include "imagereference.h"

#include <QRegularExpression>

namespace Berth::Cli {

namespace {

const QString &referencePattern()
{
    static const QString pattern = []() -> QString {
        const QString alnum = QStringLiteral("[a-z0-9]+");
        const QString separator = QStringLiteral("(?:[._]|__|[-]+)");
        const QString component = alnum + QStringLiteral("(?:") + separator + alnum + QStringLiteral(")*");
        const QString domainComponent = QStringLiteral("(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])");
        const QString host = QStringLiteral("(?:") + domainComponent + QStringLiteral("(?:\\.") + domainComponent
                             + QStringLiteral(")*|\\[(?:[a-fA-F0-9:]+)\\])");
        const QString domain = host + QStringLiteral("(?::[0-9]+)?");
        const QString name = QStringLiteral("(?:") + domain + QStringLiteral("/)?") + component + QStringLiteral("(?:/")
                             + component + QStringLiteral(")*");
        const QString tag = QStringLiteral("[\\w][\\w.-]{0,127}");
        const QString digest = QStringLiteral("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}");
        return QStringLiteral("^(") + name + QStringLiteral(")(?::(") + tag + QStringLiteral("))?(?:@(") + digest
               + QStringLiteral("))?$");
    }();
    return pattern;
}

bool isHexId(const QString &text)
{
    static const QRegularExpression hex(QStringLiteral("^[a-f0-9]{64}$"));
    return hex.match(text).hasMatch();
}

} // namespace

Result<ImageReference> ImageReference::parseNormalized(const QString &text)
{
    if (isHexId(text)) {
        return fail(ErrorCode::InvalidArgument, "invalid repository name (" + text.toStdString()
                                                    + "), cannot specify 64-byte hexadecimal strings");
    }
    // splitDockerDomain
    QString domain;
    QString remainder;
    const qsizetype slash = text.indexOf(QLatin1Char('/'));
    const QString first = slash < 0 ? QString() : text.left(slash);
    if (slash < 0
        || (!first.contains(QLatin1Char('.')) && !first.contains(QLatin1Char(':')) && first != QLatin1String("localhost")
            && first.toLower() == first)) {
        domain = QStringLiteral("docker.io");
        remainder = text;
    } else {
        domain = first;
        remainder = text.mid(slash + 1);
    }
    if (domain == QLatin1String("index.docker.io"))
        domain = QStringLiteral("docker.io");
    if (domain == QLatin1String("docker.io") && !remainder.contains(QLatin1Char('/')))
        remainder = QStringLiteral("library/") + remainder;
    const qsizetype colon = remainder.indexOf(QLatin1Char(':'));
    const QString remote = colon < 0 ? remainder : remainder.left(colon);
    if (remote.toLower() != remote) {
        return fail(ErrorCode::InvalidArgument, "invalid reference format: repository name (" + remote.toStdString()
                                                    + ") must be lowercase");
    }
    const QString full = domain + QLatin1Char('/') + remainder;
    static const QRegularExpression re(referencePattern());
    const QRegularExpressionMatch m = re.match(full);
    if (!m.hasMatch()) {
        if (text.isEmpty())
            return fail(ErrorCode::InvalidArgument, "invalid reference format: repository name must have at least one component");
        return fail(ErrorCode::InvalidArgument, "invalid reference format");
    }
    if (m.captured(1).size() > 255)
        return fail(ErrorCode::InvalidArgument, "invalid reference format: repository name must not be more than 255 characters");
    ImageReference ref;
    ref.m_domain = domain;
    ref.m_path = m.captured(1).mid(domain.size() + 1);
    ref.m_tag = m.captured(2);
    ref.m_digest = m.captured(3);
    return ref;
}

Result<ImageReference> ImageReference::parseAny(const QString &text)
{
    static const QRegularExpression digest(QStringLiteral("^sha256:[a-f0-9]{64}$"));
    if (isHexId(text) || digest.match(text).hasMatch()) {
        ImageReference ref;
        ref.m_id = true;
        ref.m_digest = text.startsWith(QLatin1String("sha256:")) ? text : QStringLiteral("sha256:") + text;
        return ref;
    }
    return parseNormalized(text);
}

} // namespace Berth::Cli
