#pragma once

#include <base/result.h>

#include <QByteArray>
#include <QString>

namespace Berth::Cli {

// docker's --detach-keys (moby/term ToBytes): comma-separated keys, each a
// single character or "ctrl-<c>" with c in a-z, @, [, \, ], ^, _. The
// default is "ctrl-p,ctrl-q".
Result<QByteArray> parseDetachKeys(const QString &keys);

// The escape proxy of an attached stdin (moby/term EscapeProxy): passes
// input through, but holds back bytes that match the start of the detach
// sequence; when the whole sequence came the session detaches, when the
// match breaks the held bytes go out after all.
class DetachKeyMatcher
{
public:
    explicit DetachKeyMatcher(QByteArray keys);

    struct Result
    {
        QByteArray forward; // bytes to send to the container
        bool detach = false;
    };
    Result feed(const QByteArray &input);

private:
    QByteArray m_keys;
    qsizetype m_matched = 0;
};

} // namespace Berth::Cli
