// Fuzz target for berthd's HTTP request framing (security-checklist.md 3:
// "the HTTP request parser"; 4.D.20 request smuggling shapes): the bytes go
// through Common::HttpParser once whole and once split at a point taken from
// the input; both feeds must agree on every head, body and message end, and
// each head goes through HttpRequest::fromHead as berthd's router sees it.

#include "fuzzcheck.h"

#include <common/httpparser.h>
#include <daemon/httprequest.h>

#include <QByteArray>
#include <QList>

#include <cstdint>

using namespace Berth;
using Berth::Fuzz::check;

namespace {

struct Transcript
{
    QList<QByteArray> events;
    bool failed = false;
};

Transcript parse(const QByteArray &bytes, qsizetype split)
{
    Transcript t;
    Common::HttpParser parser(Common::HttpParser::Kind::Request);
    parser.onHead = [&t](const Common::HttpMessageHead &head) {
        t.events.append("head " + head.method + ' ' + head.target + ' ' + QByteArray::number(head.contentLength)
                        + (head.chunked ? " chunked" : "") + (head.upgrade ? " upgrade" : ""));
        (void)Daemon::HttpRequest::fromHead(head);
        return Common::HttpParser::HeadAction::Continue;
    };
    parser.onBody = [&t](const char *data, qsizetype size) {
        check(size >= 0, "body chunks have a size");
        if (!t.events.isEmpty() && t.events.last().startsWith("body "))
            t.events.last().append(data, size);
        else
            t.events.append("body " + QByteArray(data, size));
    };
    parser.onMessageComplete = [&t] {
        t.events.append("end");
        return false;
    };
    qsizetype offset = 0;
    for (const qsizetype end : {split, bytes.size()}) {
        while (!t.failed && offset < end && !parser.isUpgrade()) {
            const auto used = parser.feed(bytes.constData() + offset, end - offset);
            if (!used) {
                t.failed = true;
                break;
            }
            check(*used >= 0 && *used <= end - offset, "feed() consumes what it was given at most");
            if (*used == 0)
                break; // paused or upgraded: the rest is not HTTP
            offset += *used;
        }
    }
    return t;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const Transcript whole = parse(bytes, bytes.size());
    const qsizetype split = bytes.isEmpty() ? 0 : qsizetype(uint8_t(bytes.at(0))) % (bytes.size() + 1);
    const Transcript pieces = parse(bytes, split);
    check(whole.failed == pieces.failed, "splitting the input does not change whether it parses");
    if (!whole.failed)
        check(whole.events == pieces.events, "splitting the input does not change what it parses to");
    return 0;
}
