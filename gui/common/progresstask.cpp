#include "progresstask.h"

namespace Berth::Gui {

ProgressTask::ProgressTask(const QString &title, int total, QObject *parent)
    : QObject(parent)
    , m_title(title)
    , m_total(total)
{
}

void ProgressTask::stepDone(bool ok)
{
    if (m_finished)
        return;
    ++m_done;
    if (!ok)
        ++m_failed;
    emit progressChanged(m_done, m_total);
    if (m_done >= m_total)
        finish();
}

void ProgressTask::requestCancel()
{
    if (m_finished || m_cancelRequested)
        return;
    m_cancelRequested = true;
    emit cancelRequested();
}

void ProgressTask::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    emit finished();
}

} // namespace Berth::Gui
