#include "detachkeys.h"

#include <QStringList>

namespace Berth::Cli {

Result<QByteArray> parseDetachKeys(const QString &keys)
{
    static const char *const specials = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
    QByteArray codes;
    for (const QString &key : keys.split(QLatin1Char(','))) {
        if (key.size() == 1 && key.at(0).unicode() < 128) {
            codes.append(char(key.at(0).unicode()));
            continue;
        }
        const QString lower = key.toLower();
        if (lower.size() == 6 && lower.startsWith(QLatin1String("ctrl-"))) {
            const char c = char(lower.at(5).unicode());
            if (const char *p = c ? ::strchr(specials, c) : nullptr) {
                codes.append(char(p - specials));
                continue;
            }
        }
        return fail(ErrorCode::InvalidArgument, "Unknown character: '" + key.toStdString() + "'");
    }
    return codes;
}

DetachKeyMatcher::DetachKeyMatcher(QByteArray keys)
    : m_keys(std::move(keys))
{}

DetachKeyMatcher::Result DetachKeyMatcher::feed(const QByteArray &input)
{
    Result r;
    if (m_keys.isEmpty()) {
        r.forward = input;
        return r;
    }
    for (qsizetype i = 0; i < input.size(); ++i) {
        const char c = input.at(i);
        if (c == m_keys.at(m_matched)) {
            ++m_matched;
            if (m_matched == m_keys.size()) {
                m_matched = 0;
                r.detach = true;
                return r;
            }
            continue;
        }
        // The match broke: what was held goes out, then this byte is
        // looked at afresh (it may start a new match).
        r.forward.append(m_keys.left(m_matched));
        m_matched = 0;
        if (c == m_keys.at(0)) {
            m_matched = 1;
            if (m_keys.size() == 1) {
                m_matched = 0;
                r.detach = true;
                return r;
            }
        } else {
            r.forward.append(c);
        }
    }
    return r;
}

} // namespace Berth::Cli
