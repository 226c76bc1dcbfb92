#include "jsonsplitter.h"

namespace Berth::Client {

static bool isJsonSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void JsonSplitter::compact()
{
    if (m_start > 0 && (m_start > 64 * 1024 || m_start == m_buffer.size())) {
        m_buffer.remove(0, m_start);
        m_pos -= m_start;
        m_start = 0;
    }
}

bool JsonSplitter::isIdle()
{
    if (m_inValue)
        return false;
    for (qsizetype i = m_start; i < m_buffer.size(); ++i) {
        if (!isJsonSpace(m_buffer.at(i)))
            return false;
    }
    return true;
}

Result<std::optional<QByteArray>> JsonSplitter::next()
{
    const qsizetype size = m_buffer.size();
    const char *data = m_buffer.constData();
    while (m_pos < size) {
        const char c = data[m_pos];
        if (!m_inValue) {
            if (isJsonSpace(c)) {
                ++m_pos;
                m_start = m_pos;
                continue;
            }
            if (c != '{' && c != '[') {
                return fail(ErrorCode::Protocol,
                            std::string("unexpected byte in JSON stream: '") + c + "'");
            }
            m_inValue = true;
            m_start = m_pos;
            m_depth = 1;
            ++m_pos;
            continue;
        }
        ++m_pos;
        if (m_inString) {
            if (m_escape)
                m_escape = false;
            else if (c == '\\')
                m_escape = true;
            else if (c == '"')
                m_inString = false;
            continue;
        }
        if (c == '"') {
            m_inString = true;
        } else if (c == '{' || c == '[') {
            ++m_depth;
        } else if (c == '}' || c == ']') {
            if (--m_depth == 0) {
                QByteArray value = m_buffer.mid(m_start, m_pos - m_start);
                m_inValue = false;
                m_start = m_pos;
                compact();
                return std::optional<QByteArray>(std::move(value));
            }
        }
    }
    compact();
    return std::optional<QByteArray>();
}

} // namespace Berth::Client
