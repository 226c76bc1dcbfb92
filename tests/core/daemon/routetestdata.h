#pragma once

// Request data the daemon router tests share: hand-made ustar archives (a
// context or an image layer, byte for byte the same on every run), chunked
// bodies, query encoding, and the api-captures reader.

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QUrl>

namespace BerthTest {

class Tar
{
public:
    Tar &file(const QByteArray &path, const QByteArray &data, int mode = 0644) { return add(path, data, '0', mode); }
    Tar &dir(const QByteArray &path) { return add(path, QByteArray(), '5', 0755); }
    QByteArray finish() const { return m_bytes + QByteArray(1024, '\0'); }

private:
    Tar &add(const QByteArray &path, const QByteArray &data, char type, int mode)
    {
        QByteArray h(512, '\0');
        const auto put = [&h](int offset, const QByteArray &value) {
            for (qsizetype i = 0; i < value.size(); ++i)
                h[offset + i] = value.at(i);
        };
        const auto octal = [](qint64 v, int width) { return QByteArray::number(v, 8).rightJustified(width - 1, '0'); };
        put(0, path);
        put(100, octal(mode, 8));
        put(108, octal(0, 8));
        put(116, octal(0, 8));
        put(124, octal(data.size(), 12));
        put(136, octal(1700000000, 12));
        put(148, QByteArray(8, ' '));
        h[156] = type;
        put(257, QByteArray("ustar\0", 6));
        put(263, "00");
        int sum = 0;
        for (char c : std::as_const(h))
            sum += uchar(c);
        put(148, QByteArray::number(sum, 8).rightJustified(6, '0') + QByteArray("\0 ", 2));
        m_bytes += h + data;
        if (data.size() % 512)
            m_bytes += QByteArray(512 - data.size() % 512, '\0');
        return *this;
    }
    QByteArray m_bytes;
};

inline QByteArray chunked(const QByteArray &body, int piece = 700)
{
    QByteArray out;
    for (qsizetype i = 0; i < body.size(); i += piece) {
        const QByteArray part = body.mid(i, piece);
        out += QByteArray::number(part.size(), 16) + "\r\n" + part + "\r\n";
    }
    return out + "0\r\n\r\n";
}

inline QByteArray enc(const QString &s)
{
    return QUrl::toPercentEncoding(s);
}

struct Segment
{
    bool fromClient = false;
    QByteArray bytes;
};

// "=== >>C2S connN t=... len=N ===\n" + N bytes + "\n", repeated.
inline QList<Segment> readCapture(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray data = f.readAll();
    static const QRegularExpression header(QStringLiteral("=== (>>C2S|<<S2C) conn\\d+ t=[0-9.]+ len=(\\d+) ===\\n"));
    QList<Segment> out;
    const QString text = QString::fromLatin1(data);
    qsizetype pos = 0;
    for (;;) {
        const QRegularExpressionMatch m = header.match(text, pos);
        if (!m.hasMatch())
            break;
        Segment s;
        s.fromClient = m.captured(1) == QLatin1String(">>C2S");
        const qsizetype len = m.captured(2).toLongLong();
        s.bytes = data.mid(m.capturedEnd(), len);
        pos = m.capturedEnd() + len;
        if (len > 0)
            out.append(s);
    }
    return out;
}

} // namespace BerthTest
