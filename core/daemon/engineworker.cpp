#include "engineworker.h"

namespace Berth::Daemon {

EngineWorker::EngineWorker(QObject *parent)
    : QObject(parent)
    , m_context(std::make_unique<QObject>())
{
    m_thread.setObjectName(QStringLiteral("berth-engine"));
    m_context->moveToThread(&m_thread);
    m_thread.start();
}

EngineWorker::~EngineWorker()
{
    // quit() is queued behind the jobs already posted, so they all run.
    QMetaObject::invokeMethod(m_context.get(), [this] { m_thread.quit(); }, Qt::QueuedConnection);
    m_thread.wait();
    m_context.reset();
}

void EngineWorker::post(std::function<void()> job)
{
    QMetaObject::invokeMethod(m_context.get(), std::move(job), Qt::QueuedConnection);
}

} // namespace Berth::Daemon
