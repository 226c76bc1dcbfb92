#include "commandresult.h"

namespace Berth::TestSupport {

namespace {

QString cut(const QString &text, qsizetype maxChars)
{
    if (maxChars < 0 || text.size() <= maxChars)
        return text;
    return text.left(maxChars) + QStringLiteral("\n[... %1 more characters]").arg(text.size() - maxChars);
}

} // namespace

QString CommandResult::describe(qsizetype maxChars) const
{
    QString status = QStringLiteral("exit %1").arg(exitCode);
    if (crashed)
        status += QStringLiteral(" (crashed)");
    if (timedOut)
        status += QStringLiteral(" (timed out)");
    const QString head = command.isEmpty() ? status : command + u'\n' + status;
    return QStringLiteral("%1\n--- stdout ---\n%2\n--- stderr ---\n%3").arg(head, cut(out, maxChars), cut(err, maxChars));
}

} // namespace Berth::TestSupport
