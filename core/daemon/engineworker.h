#pragma once

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>

namespace Berth::Daemon {

// The engine's own thread. Store work (hashing, layer extraction, metadata
// writes) runs there one job at a time, in the order it was posted, so the
// HTTP thread never waits on the disk and the stores need no locks: only
// this thread touches them. Results come back to the thread that owns the
// worker through queued calls.
class EngineWorker : public QObject
{
    Q_OBJECT
public:
    explicit EngineWorker(QObject *parent = nullptr);
    // Runs the jobs already queued, then joins the thread.
    ~EngineWorker() override;

    // Runs `job` on the engine thread.
    void post(std::function<void()> job);

    // Runs `job` on the engine thread, then `deliver` with its result on
    // this object's thread. Nothing is delivered once the worker is gone.
    template<typename T>
    void run(std::function<T()> job, std::function<void(T)> deliver)
    {
        post([this, job = std::move(job), deliver = std::move(deliver)] {
            auto result = std::make_shared<T>(job());
            QMetaObject::invokeMethod(this, [deliver, result] { deliver(std::move(*result)); },
                                      Qt::QueuedConnection);
        });
    }

    bool isEngineThread() const { return QThread::currentThread() == &m_thread; }

private:
    QThread m_thread;
    std::unique_ptr<QObject> m_context; // lives in m_thread
};

} // namespace Berth::Daemon
