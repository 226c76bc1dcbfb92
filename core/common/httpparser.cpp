#include "httpparser.h"

#include <http_parser.h>

#include <mutex>

namespace Berth::Common {

struct HttpParser::Private
{
    HttpParser *q = nullptr;
    http_parser parser{};
    HttpMessageHead head;
    QByteArray field;
    QByteArray value;
    bool lastWasValue = false;

    static Private *of(http_parser *p) { return static_cast<Private *>(p->data); }

    void commitField()
    {
        if (!field.isEmpty() || !value.isEmpty())
            head.headers.add(field, value);
        field.clear();
        value.clear();
        lastWasValue = false;
    }

    static int onMessageBegin(http_parser *p)
    {
        Private *d = of(p);
        d->head = HttpMessageHead();
        d->field.clear();
        d->value.clear();
        d->lastWasValue = false;
        d->q->m_inMessage = true;
        d->q->m_headBytes = 0;
        return 0;
    }

    static int onUrl(http_parser *p, const char *at, size_t len)
    {
        Private *d = of(p);
        d->head.target.append(at, qsizetype(len));
        d->q->m_headBytes += qsizetype(len);
        return 0;
    }

    static int onHeaderField(http_parser *p, const char *at, size_t len)
    {
        Private *d = of(p);
        if (d->lastWasValue)
            d->commitField();
        d->field.append(at, qsizetype(len));
        d->q->m_headBytes += qsizetype(len);
        return 0;
    }

    static int onHeaderValue(http_parser *p, const char *at, size_t len)
    {
        Private *d = of(p);
        d->value.append(at, qsizetype(len));
        d->lastWasValue = true;
        d->q->m_headBytes += qsizetype(len);
        return 0;
    }

    static int onHeadersComplete(http_parser *p)
    {
        Private *d = of(p);
        d->commitField();
        HttpMessageHead &h = d->head;
        if (p->type == HTTP_REQUEST)
            h.method = http_method_str(static_cast<http_method>(p->method));
        else
            h.status = int(p->status_code);
        h.versionMajor = p->http_major;
        h.versionMinor = p->http_minor;
        h.keepAlive = http_should_keep_alive(p) != 0;
        h.upgrade = p->upgrade != 0;
        h.chunked = (p->flags & F_CHUNKED) != 0;
        h.contentLength = (p->flags & F_CONTENTLENGTH) ? qint64(p->content_length) : -1;
        if (!d->q->onHead)
            return 0;
        switch (d->q->onHead(h)) {
        case HeadAction::Continue: return 0;
        case HeadAction::SkipBody: return 1;
        case HeadAction::Pause: http_parser_pause(p, 1); return 0;
        }
        return 0;
    }

    static int onBody(http_parser *p, const char *at, size_t len)
    {
        Private *d = of(p);
        if (d->q->onBody)
            d->q->onBody(at, qsizetype(len));
        return 0;
    }

    static int onMessageComplete(http_parser *p)
    {
        Private *d = of(p);
        d->q->m_inMessage = false;
        d->q->m_scanningHead = true; // the next message's head follows
        d->q->m_previous = 0;
        // Always stop after a message, so that feed() scans the next head
        // before http-parser reads it; feed() goes on by itself unless the
        // caller asked for the pause.
        d->q->m_callerPaused = d->q->onMessageComplete && d->q->onMessageComplete();
        http_parser_pause(p, 1);
        return 0;
    }

    static const http_parser_settings &settings()
    {
        static const http_parser_settings s = [] {
            http_parser_settings st;
            http_parser_settings_init(&st);
            st.on_message_begin = &Private::onMessageBegin;
            st.on_url = &Private::onUrl;
            st.on_header_field = &Private::onHeaderField;
            st.on_header_value = &Private::onHeaderValue;
            st.on_headers_complete = &Private::onHeadersComplete;
            st.on_body = &Private::onBody;
            st.on_message_complete = &Private::onMessageComplete;
            return st;
        }();
        return s;
    }
};

HttpParser::HttpParser(Kind kind)
    : d(std::make_unique<Private>())
{
    // http-parser keeps its head limit in a process-wide variable.
    static std::once_flag once;
    std::call_once(once, [] { http_parser_set_max_header_size(kMaxHeadBytes); });
    d->q = this;
    http_parser_init(&d->parser, kind == Kind::Request ? HTTP_REQUEST : HTTP_RESPONSE);
    d->parser.data = d.get();
}

HttpParser::~HttpParser() = default;

static Error parserError(const http_parser &p)
{
    const auto err = static_cast<http_errno>(p.http_errno);
    const ErrorCode code = err == HPE_HEADER_OVERFLOW ? ErrorCode::TooLarge : ErrorCode::Protocol;
    return Error(code, std::string("malformed HTTP message: ") + http_errno_description(err));
}

// A line of the head that starts with a space or a tab continues the
// previous field's value (obs-fold); http-parser would join the two.
Status HttpParser::refuseObsFold(const char *data, qsizetype size)
{
    for (qsizetype i = 0; i < size && m_scanningHead; ++i) {
        const char c = data[i];
        if (m_previous == '\n') {
            if (c == ' ' || c == '\t')
                return fail(ErrorCode::Protocol, "malformed HTTP message: a header line is folded onto the previous one (obs-fold)");
            if (c == '\r' || c == '\n')
                m_scanningHead = false; // the blank line that ends the head
        }
        m_previous = c;
    }
    return {};
}

Result<qsizetype> HttpParser::feed(const char *data, qsizetype size)
{
    if (size <= 0)
        return 0;
    if (isPaused())
        return 0;
    qsizetype done = 0;
    while (done < size) {
        if (m_scanningHead) {
            if (auto s = refuseObsFold(data + done, size - done); !s)
                return fail(s.error());
        }
        m_callerPaused = true; // a pause from onHead is the caller's
        const size_t n = http_parser_execute(&d->parser, &Private::settings(), data + done, size_t(size - done));
        done += qsizetype(n);
        const auto err = static_cast<http_errno>(d->parser.http_errno);
        if (err == HPE_PAUSED) {
            if (m_callerPaused)
                return done;
            resume(); // the end of a message: scan the next head, then go on
            if (isUpgrade())
                return done; // the rest is the raw stream
            continue;
        }
        if (err != HPE_OK)
            return fail(parserError(d->parser));
        break; // everything read, or an upgrade began
    }
    return done;
}

Status HttpParser::finish()
{
    if (isPaused())
        return {};
    m_callerPaused = true;
    http_parser_execute(&d->parser, &Private::settings(), nullptr, 0);
    const auto err = static_cast<http_errno>(d->parser.http_errno);
    if (err == HPE_PAUSED && !m_callerPaused)
        resume();
    else if (err != HPE_OK && err != HPE_PAUSED)
        return fail(parserError(d->parser));
    return {};
}

void HttpParser::resume()
{
    http_parser_pause(&d->parser, 0);
}

bool HttpParser::isPaused() const
{
    return d->parser.http_errno == HPE_PAUSED;
}

bool HttpParser::isUpgrade() const
{
    return d->parser.upgrade != 0;
}

} // namespace Berth::Common
