#include "reference.h"

#include "digestformat.h"

#include <QList>

#include <optional>

namespace Berth::Common {

namespace {

const QString kDefaultDomain = QStringLiteral("docker.io");
const QString kLegacyDefaultDomain = QStringLiteral("index.docker.io");
const QString kOfficialRepoPrefix = QStringLiteral("library/");
constexpr qsizetype kNameTotalLengthMax = 255;

bool isLowerAlnum(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9');
}

bool isAlnum(QChar c)
{
    const char16_t u = c.unicode();
    return isLowerAlnum(c) || (u >= u'A' && u <= u'Z');
}

bool isDigit(QChar c)
{
    return c.unicode() >= u'0' && c.unicode() <= u'9';
}

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool isPathComponent(QStringView s)
{
    if (s.isEmpty() || !isLowerAlnum(s.front()) || !isLowerAlnum(s.back()))
        return false;
    qsizetype i = 0;
    while (i < s.size()) {
        if (isLowerAlnum(s[i])) {
            ++i;
            continue;
        }
        // a separator, followed by alnum (guaranteed by the back() check only
        // for the last one, so check here)
        qsizetype j = i;
        if (s[j] == u'.') {
            ++j;
        } else if (s[j] == u'_') {
            ++j;
            if (j < s.size() && s[j] == u'_')
                ++j;
        } else if (s[j] == u'-') {
            while (j < s.size() && s[j] == u'-')
                ++j;
        } else {
            return false;
        }
        if (j >= s.size() || !isLowerAlnum(s[j]))
            return false;
        i = j;
    }
    return true;
}

// [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool isDomainComponent(QStringView s)
{
    if (s.isEmpty() || !isAlnum(s.front()) || !isAlnum(s.back()))
        return false;
    for (QChar c : s) {
        if (!isAlnum(c) && c != u'-')
            return false;
    }
    return true;
}

// '[' [a-fA-F0-9:]+ ']'
bool isIpv6Host(QStringView s)
{
    if (s.size() < 3 || s.front() != u'[' || s.back() != u']')
        return false;
    for (QChar c : s.mid(1, s.size() - 2)) {
        const char16_t u = c.unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f') || (u >= u'A' && u <= u'F') || u == u':'))
            return false;
    }
    return true;
}

// (domain-component ('.' domain-component)* | ipv6-host) (':' [0-9]+)?
bool isDomain(QStringView s)
{
    QStringView host = s;
    const qsizetype bracket = s.indexOf(u']');
    const qsizetype colon = s.indexOf(u':', bracket < 0 ? 0 : bracket);
    if (colon >= 0) {
        host = s.left(colon);
        const QStringView port = s.mid(colon + 1);
        if (port.isEmpty())
            return false;
        for (QChar c : port) {
            if (!isDigit(c))
                return false;
        }
    }
    if (host.startsWith(u'['))
        return isIpv6Host(host);
    if (host.isEmpty())
        return false;
    for (QStringView part : host.split(u'.')) {
        if (!isDomainComponent(part))
            return false;
    }
    return true;
}

// [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}
bool isDigestSyntax(QStringView s)
{
    const qsizetype colon = s.indexOf(u':');
    if (colon <= 0)
        return false;
    const QStringView algo = s.left(colon);
    const QStringView hex = s.mid(colon + 1);
    bool needLetter = true;
    for (QChar c : algo) {
        const char16_t u = c.unicode();
        const bool letter = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z');
        if (needLetter) {
            if (!letter)
                return false;
            needLetter = false;
        } else if (u == u'-' || u == u'_' || u == u'+' || u == u'.') {
            needLetter = true;
        } else if (!isAlnum(c)) {
            return false;
        }
    }
    if (needLetter || hex.size() < 32)
        return false;
    for (QChar c : hex) {
        const char16_t u = c.unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f') || (u >= u'A' && u <= u'F')))
            return false;
    }
    return true;
}

std::unexpected<Error> invalidFormat()
{
    return fail(ErrorCode::InvalidArgument, "invalid reference format");
}

struct Parsed
{
    QString name; // domain + path as written
    QString tag;
    QString digest;
};

// ReferenceRegexp: the grammar check only, no normalisation and no length
// limit.
std::optional<Parsed> parseGrammar(QStringView s)
{
    Parsed p;
    QStringView rest = s;
    const qsizetype at = rest.indexOf(u'@');
    if (at >= 0) {
        const QStringView dig = rest.mid(at + 1);
        if (!isDigestSyntax(dig))
            return std::nullopt;
        p.digest = dig.toString();
        rest = rest.left(at);
    }
    const qsizetype lastSlash = rest.lastIndexOf(u'/');
    const qsizetype lastColon = rest.lastIndexOf(u':');
    if (lastColon > lastSlash) {
        const QStringView tag = rest.mid(lastColon + 1);
        if (!Reference::isValidTag(tag))
            return std::nullopt;
        p.tag = tag.toString();
        rest = rest.left(lastColon);
    }
    if (rest.isEmpty())
        return std::nullopt;
    const QList<QStringView> parts = rest.split(u'/');
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const bool ok = isPathComponent(parts[i])
                        || (i == 0 && parts.size() > 1 && isDomain(parts[i]));
        if (!ok)
            return std::nullopt;
    }
    p.name = rest.toString();
    return p;
}

} // namespace

bool Reference::isValidTag(QStringView tag)
{
    // [\w][\w.-]{0,127}
    if (tag.isEmpty() || tag.size() > 128)
        return false;
    for (qsizetype i = 0; i < tag.size(); ++i) {
        const QChar c = tag[i];
        if (isAlnum(c) || c == u'_')
            continue;
        if (i > 0 && (c == u'.' || c == u'-'))
            continue;
        return false;
    }
    return true;
}

Result<Reference> Reference::parseNormalized(QStringView text, Dialect dialect)
{
    if (text.isEmpty())
        return invalidFormat();
    if (isSha256Hex(text)) {
        return fail(ErrorCode::InvalidArgument,
                    "invalid repository name (" + text.toString().toStdString()
                        + "), cannot specify 64-byte hexadecimal strings");
    }

    // splitDockerDomain
    QString domain;
    QString remainder;
    const qsizetype slash = text.indexOf(u'/');
    if (slash < 0) {
        domain = kDefaultDomain;
        remainder = text.toString();
    } else {
        const QStringView first = text.left(slash);
        const bool looksLikeDomain = first.contains(u'.') || first.contains(u':')
                                     || first == u"localhost" || first.toString().toLower() != first;
        if (looksLikeDomain) {
            domain = first.toString();
            remainder = text.mid(slash + 1).toString();
        } else {
            domain = kDefaultDomain;
            remainder = text.toString();
        }
    }
    if (domain == kLegacyDefaultDomain)
        domain = kDefaultDomain;
    if (domain == kDefaultDomain && !remainder.contains(u'/'))
        remainder = kOfficialRepoPrefix + remainder;

    // The remote name must be lowercase. Docker cuts it at the first ':', so
    // for "x@SHA256:..." it is "library/x@SHA256".
    const QStringView remoteName = QStringView(remainder).left(remainder.indexOf(u':'));
    if (remoteName.toString().toLower() != remoteName) {
        if (dialect == Dialect::DockerCli)
            return fail(ErrorCode::InvalidArgument, "invalid reference format: repository name ("
                                                        + remoteName.toString().toStdString()
                                                        + ") must be lowercase");
        return fail(ErrorCode::InvalidArgument, "invalid reference format: repository name must be lowercase");
    }

    const QString full = domain + u'/' + remainder;
    const std::optional<Parsed> parsed = parseGrammar(full);
    if (!parsed) {
        if (!parseGrammar(full.toLower()))
            return invalidFormat();
        if (dialect == Dialect::DockerCli)
            return fail(ErrorCode::InvalidArgument, "repository name must be lowercase");
        return fail(ErrorCode::InvalidArgument, "invalid reference format: repository name must be lowercase");
    }
    if (parsed->name.size() > kNameTotalLengthMax)
        return fail(ErrorCode::InvalidArgument, "repository name must not be more than 255 characters");
    if (!parsed->digest.isEmpty()) {
        const DigestAlgorithms algorithms = dialect == Dialect::DockerCli ? DigestAlgorithms::Registered
                                                                          : DigestAlgorithms::Sha256;
        if (auto valid = validateDigest(parsed->digest, algorithms); !valid)
            return std::unexpected(valid.error());
    }

    Reference ref;
    const qsizetype firstSlash = parsed->name.indexOf(u'/');
    ref.m_domain = parsed->name.left(firstSlash);
    ref.m_path = parsed->name.mid(firstSlash + 1);
    ref.m_tag = parsed->tag;
    ref.m_digest = parsed->digest;
    return ref;
}

Result<Reference> Reference::parseNormalizedWithDefaultTag(QStringView text, Dialect dialect)
{
    auto ref = parseNormalized(text, dialect);
    if (!ref)
        return ref;
    return ref->withDefaultTag();
}

Result<Reference> Reference::parseAny(QStringView text, Dialect dialect)
{
    const DigestAlgorithms algorithms = dialect == Dialect::DockerCli ? DigestAlgorithms::Registered
                                                                      : DigestAlgorithms::Sha256;
    if (isSha256Hex(text) || validateDigest(text, algorithms)) {
        Reference ref;
        ref.m_digest = text.contains(u':') ? text.toString() : QStringLiteral("sha256:") + text;
        return ref;
    }
    return parseNormalized(text, dialect);
}

QString Reference::name() const
{
    return m_domain + u'/' + m_path;
}

QString Reference::familiarName() const
{
    if (m_domain != kDefaultDomain)
        return name();
    if (m_path.startsWith(kOfficialRepoPrefix)) {
        const QString rest = m_path.mid(kOfficialRepoPrefix.size());
        if (!rest.contains(u'/'))
            return rest;
    }
    return m_path;
}

static QString withSuffixes(QString base, const QString &tag, const QString &digest)
{
    if (!tag.isEmpty())
        base += u':' + tag;
    if (!digest.isEmpty())
        base += u'@' + digest;
    return base;
}

QString Reference::toString() const
{
    return withSuffixes(name(), m_tag, m_digest);
}

QString Reference::familiarString() const
{
    return withSuffixes(familiarName(), m_tag, m_digest);
}

Reference Reference::withTag(const QString &tag) const
{
    Reference r = *this;
    r.m_tag = tag;
    return r;
}

Reference Reference::withDigest(const QString &digest) const
{
    Reference r = *this;
    r.m_digest = digest;
    return r;
}

Reference Reference::withoutTagOrDigest() const
{
    Reference r = *this;
    r.m_tag.clear();
    r.m_digest.clear();
    return r;
}

Reference Reference::withDefaultTag() const
{
    if (!isNameOnly())
        return *this;
    return withTag(QStringLiteral("latest"));
}

} // namespace Berth::Common
