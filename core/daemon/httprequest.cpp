#include "httprequest.h"

#include <common/apiversion.h>

#include <QRegularExpression>

namespace Berth::Daemon {

static QString decodeComponent(QByteArray raw, bool plusIsSpace)
{
    if (plusIsSpace)
        raw.replace('+', ' ');
    return QString::fromUtf8(QByteArray::fromPercentEncoding(raw));
}

static std::string versionTooNew(const QString &v)
{
    return "client version " + v.toStdString() + " is too new. Maximum supported API version is "
        + Common::kApiVersion;
}

static std::string versionTooOld(const QString &v)
{
    return "client version " + v.toStdString() + " is too old. Minimum supported API version is "
        + Common::kMinApiVersion + ", please upgrade your client to a newer version";
}

// Compares dotted versions numerically ("1.9" < "1.24"), as moby does.
static int compareVersions(const QString &a, const QString &b)
{
    const QStringList pa = a.split(QLatin1Char('.'));
    const QStringList pb = b.split(QLatin1Char('.'));
    for (qsizetype i = 0; i < qMax(pa.size(), pb.size()); ++i) {
        const int x = i < pa.size() ? pa[i].toInt() : 0;
        const int y = i < pb.size() ? pb[i].toInt() : 0;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

Result<HttpRequest> HttpRequest::fromHead(const Common::HttpMessageHead &head)
{
    HttpRequest r;
    r.m_method = head.method;
    r.m_target = head.target;
    r.m_headers = head.headers;
    r.m_versionMajor = head.versionMajor;
    r.m_versionMinor = head.versionMinor;
    r.m_keepAlive = head.keepAlive;
    r.m_upgrade = head.upgrade;

    QByteArray rawPath = head.target;
    QByteArray rawQuery;
    if (const qsizetype q = rawPath.indexOf('?'); q >= 0) {
        rawQuery = rawPath.mid(q + 1);
        rawPath.truncate(q);
    }
    if (const qsizetype h = rawQuery.indexOf('#'); h >= 0)
        rawQuery.truncate(h);
    // An absolute-form target ("http://host/path") is legal HTTP/1.1.
    if (!rawPath.startsWith('/')) {
        const qsizetype scheme = rawPath.indexOf("://");
        if (scheme >= 0) {
            const qsizetype slash = rawPath.indexOf('/', scheme + 3);
            rawPath = slash >= 0 ? rawPath.mid(slash) : QByteArray("/");
        }
    }

    // The optional version prefix, matched on the raw path like moby's
    // "/v{version:[0-9.]+}".
    static const QRegularExpression versionRe(QStringLiteral("^/v([0-9.]+)(/.*)$"));
    const QString latinPath = QString::fromLatin1(rawPath);
    const QRegularExpressionMatch m = versionRe.match(latinPath);
    if (m.hasMatch()) {
        r.m_apiVersion = m.captured(1);
        rawPath = m.captured(2).toLatin1();
        if (compareVersions(r.m_apiVersion, QString::fromLatin1(Common::kApiVersion)) > 0)
            return fail(ErrorCode::InvalidArgument, versionTooNew(r.m_apiVersion));
        if (compareVersions(r.m_apiVersion, QString::fromLatin1(Common::kMinApiVersion)) < 0)
            return fail(ErrorCode::InvalidArgument, versionTooOld(r.m_apiVersion));
    }
    r.m_path = decodeComponent(rawPath, false);

    if (!rawQuery.isEmpty()) {
        const QList<QByteArray> pairs = rawQuery.split('&');
        for (const QByteArray &pair : pairs) {
            if (pair.isEmpty())
                continue;
            const qsizetype eq = pair.indexOf('=');
            const QByteArray key = eq < 0 ? pair : pair.left(eq);
            const QByteArray value = eq < 0 ? QByteArray() : pair.mid(eq + 1);
            r.m_query.append({decodeComponent(key, true), decodeComponent(value, true)});
        }
    }
    return r;
}

bool HttpRequest::expectsContinue() const
{
    return m_headers.value("Expect").compare("100-continue", Qt::CaseInsensitive) == 0;
}

bool HttpRequest::hasQuery(const QString &name) const
{
    for (const auto &p : m_query) {
        if (p.first == name)
            return true;
    }
    return false;
}

QString HttpRequest::query(const QString &name, const QString &defaultValue) const
{
    for (const auto &p : m_query) {
        if (p.first == name)
            return p.second;
    }
    return defaultValue;
}

QStringList HttpRequest::queryValues(const QString &name) const
{
    QStringList out;
    for (const auto &p : m_query) {
        if (p.first == name)
            out.append(p.second);
    }
    return out;
}

Result<bool> HttpRequest::queryBool(const QString &name, bool defaultValue) const
{
    if (!hasQuery(name))
        return defaultValue;
    const QString v = query(name);
    if (v == QLatin1String("1") || v.compare(QLatin1String("true"), Qt::CaseInsensitive) == 0)
        return true;
    if (v.isEmpty() || v == QLatin1String("0") || v.compare(QLatin1String("false"), Qt::CaseInsensitive) == 0)
        return false;
    return fail(ErrorCode::InvalidArgument,
                "invalid boolean value for " + name.toStdString() + ": " + v.toStdString());
}

Result<Filters> HttpRequest::filters(const QStringList &acceptedKeys) const
{
    auto f = Filters::fromJson(query(QStringLiteral("filters")));
    if (!f)
        return f;
    if (auto ok = f->validate(acceptedKeys); !ok)
        return fail(ok.error());
    return f;
}

} // namespace Berth::Daemon
