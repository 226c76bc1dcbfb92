#include "gotext.h"

#include <QStringView>

#include <limits>

namespace Berth::Dockerfile::GoText {

namespace {

bool isGoPrintable(char32_t r)
{
    if (r < 0x20 || r == 0x7f)
        return false;
    if (r < 0x7f)
        return true;
    // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and
    // the ASCII space; QChar's categories are the same Unicode tables.
    switch (QChar::category(r)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Other_Surrogate:
    case QChar::Other_PrivateUse:
    case QChar::Other_NotAssigned:
    case QChar::Separator_Space:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return false;
    default:
        return true;
    }
}

void appendEscaped(QString &out, char32_t r, char16_t quoteChar)
{
    static const char hex[] = "0123456789abcdef";
    if (r == quoteChar || r == u'\\') {
        out.append(u'\\');
        out.append(QChar(char16_t(r)));
        return;
    }
    if (isGoPrintable(r)) {
        out.append(QString::fromUcs4(&r, 1));
        return;
    }
    switch (r) {
    case U'\a': out.append(u"\\a"); return;
    case U'\b': out.append(u"\\b"); return;
    case U'\f': out.append(u"\\f"); return;
    case U'\n': out.append(u"\\n"); return;
    case U'\r': out.append(u"\\r"); return;
    case U'\t': out.append(u"\\t"); return;
    case U'\v': out.append(u"\\v"); return;
    default: break;
    }
    if (r < u' ' || r == 0x7f) {
        out.append(u"\\x");
        out.append(QLatin1Char(hex[(r >> 4) & 0xf]));
        out.append(QLatin1Char(hex[r & 0xf]));
    } else if (r < 0x10000) {
        out.append(u"\\u");
        for (int shift = 12; shift >= 0; shift -= 4)
            out.append(QLatin1Char(hex[(r >> shift) & 0xf]));
    } else {
        out.append(u"\\U");
        for (int shift = 28; shift >= 0; shift -= 4)
            out.append(QLatin1Char(hex[(r >> shift) & 0xf]));
    }
}

} // namespace

QString quote(QStringView s)
{
    QString out;
    out.reserve(s.size() + 2);
    out.append(u'"');
    const QList<uint> ucs4 = s.toUcs4();
    for (const uint r : ucs4)
        appendEscaped(out, char32_t(r), u'"');
    out.append(u'"');
    return out;
}

QString quoteRune(char32_t r)
{
    if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
        r = 0xfffd;
    QString out(u'\'');
    appendEscaped(out, r, u'\'');
    out.append(u'\'');
    return out;
}

QString quoteList(const QStringList &list)
{
    QString out(u'[');
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (i > 0)
            out.append(u' ');
        out.append(quote(list[i]));
    }
    out.append(u']');
    return out;
}

QString plainList(const QStringList &list)
{
    return u'[' + list.join(u' ') + u']';
}

Result<qint64> parseDuration(QStringView original)
{
    const auto invalid = [&] {
        return fail(ErrorCode::InvalidArgument,
                    QString(u"time: invalid duration " + quote(original)).toStdString());
    };
    QStringView s = original;
    bool negative = false;
    if (!s.isEmpty() && (s.front() == u'-' || s.front() == u'+')) {
        negative = s.front() == u'-';
        s = s.mid(1);
    }
    if (s == u"0")
        return 0;
    if (s.isEmpty())
        return invalid();
    // Work in double-checked 128-bit-free arithmetic: Go limits the total to
    // int64 nanoseconds and reports overflow as an invalid duration.
    unsigned long long total = 0;
    constexpr unsigned long long maxTotal = 1ULL << 63;
    while (!s.isEmpty()) {
        if (!(s.front().isDigit() && s.front().unicode() < 128) && s.front() != u'.')
            return invalid();
        unsigned long long whole = 0;
        qsizetype i = 0;
        bool anyDigits = false;
        for (; i < s.size() && s[i] >= u'0' && s[i] <= u'9'; ++i) {
            anyDigits = true;
            if (whole > (maxTotal - 9) / 10)
                return invalid();
            whole = whole * 10 + (s[i].unicode() - u'0');
        }
        unsigned long long frac = 0;
        double scale = 1;
        bool postDot = false;
        if (i < s.size() && s[i] == u'.') {
            ++i;
            for (; i < s.size() && s[i] >= u'0' && s[i] <= u'9'; ++i) {
                postDot = true;
                if (frac < (std::numeric_limits<unsigned long long>::max() - 9) / 10) {
                    frac = frac * 10 + (s[i].unicode() - u'0');
                    scale *= 10;
                }
            }
        }
        if (!anyDigits && !postDot)
            return invalid();
        s = s.mid(i);
        qsizetype u = 0;
        while (u < s.size() && s[u] != u'.' && !(s[u] >= u'0' && s[u] <= u'9'))
            ++u;
        if (u == 0) {
            return fail(ErrorCode::InvalidArgument,
                        QString(u"time: missing unit in duration " + quote(original)).toStdString());
        }
        const QStringView unitName = s.left(u);
        unsigned long long unit = 0;
        if (unitName == u"ns")
            unit = 1;
        else if (unitName == u"us" || unitName == u"\u00b5s" || unitName == u"\u03bcs")
            unit = 1000;
        else if (unitName == u"ms")
            unit = 1000000;
        else if (unitName == u"s")
            unit = 1000000000ULL;
        else if (unitName == u"m")
            unit = 60ULL * 1000000000ULL;
        else if (unitName == u"h")
            unit = 3600ULL * 1000000000ULL;
        else {
            return fail(ErrorCode::InvalidArgument,
                        QString(u"time: unknown unit " + quote(unitName) + u" in duration " + quote(original)).toStdString());
        }
        s = s.mid(u);
        if (whole > maxTotal / unit)
            return invalid();
        unsigned long long v = whole * unit;
        if (frac > 0) {
            v += static_cast<unsigned long long>(double(frac) * (double(unit) / scale));
            if (v > maxTotal)
                return invalid();
        }
        total += v;
        if (total > maxTotal)
            return invalid();
    }
    if (!negative && total > maxTotal - 1)
        return invalid();
    return negative ? -static_cast<qint64>(total) : static_cast<qint64>(total);
}

namespace {

// Go's fmtFrac/fmtInt on a right-to-left buffer, as strings.
QString fractional(unsigned long long v, int precision, unsigned long long &whole)
{
    QString digits;
    bool print = false;
    for (int i = 0; i < precision; ++i) {
        const unsigned digit = v % 10;
        print = print || digit != 0;
        if (print)
            digits.prepend(QChar(u'0' + digit));
        v /= 10;
    }
    whole = v;
    if (print)
        digits.prepend(u'.');
    return digits;
}

} // namespace

QString formatDuration(qint64 d)
{
    if (d == 0)
        return QStringLiteral("0s");
    const bool negative = d < 0;
    unsigned long long u = negative ? 0ULL - static_cast<unsigned long long>(d) : static_cast<unsigned long long>(d);
    QString out;
    if (u < 1000000000ULL) {
        int precision = 0;
        QString unit;
        if (u < 1000) {
            unit = QStringLiteral("ns");
        } else if (u < 1000000) {
            precision = 3;
            unit = QStringLiteral("\u00b5s");
        } else {
            precision = 6;
            unit = QStringLiteral("ms");
        }
        unsigned long long whole = u;
        const QString frac = fractional(u, precision, whole);
        out = QString::number(whole) + frac + unit;
    } else {
        unsigned long long whole = 0;
        const QString frac = fractional(u, 9, whole);
        out = QString::number(whole % 60) + frac + u's';
        whole /= 60;
        if (whole > 0) {
            out = QString::number(whole % 60) + u'm' + out;
            whole /= 60;
            if (whole > 0)
                out = QString::number(whole) + u'h' + out;
        }
    }
    return negative ? u'-' + out : out;
}

QString cleanPath(QStringView path)
{
    if (path.isEmpty())
        return QStringLiteral(".");
    const bool rooted = path.front() == u'/';
    QStringList parts;
    for (const QStringView part : path.split(u'/')) {
        if (part.isEmpty() || part == u".")
            continue;
        if (part == u"..") {
            if (!parts.isEmpty() && parts.last() != u"..")
                parts.removeLast();
            else if (!rooted)
                parts.append(QStringLiteral(".."));
            continue;
        }
        parts.append(part.toString());
    }
    QString out = parts.join(u'/');
    if (rooted)
        return u'/' + out;
    return out.isEmpty() ? QStringLiteral(".") : out;
}

} // namespace Berth::Dockerfile::GoText
