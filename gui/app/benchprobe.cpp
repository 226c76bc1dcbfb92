#include "benchprobe.h"

#include "mainwindow.h"

#include <containers/containerspage.h>
#include <containers/logmodel.h>
#include <containers/logview.h>
#include <images/imagespage.h>

#include <QAbstractItemModel>
#include <QCoreApplication>
#include <QEvent>
#include <QFile>
#include <QTabWidget>
#include <QTableView>

#include <cstdio>
#include <malloc.h>
#include <ctime>
#include <unistd.h>

namespace Berth::Gui {

namespace {

// The clock /proc/<pid>/stat's starttime counts on (since boot).
qint64 monotonicMs()
{
    timespec ts{};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// When the process started (field 22 of /proc/self/stat, in clock ticks).
qint64 processStartMs()
{
    QFile stat(QStringLiteral("/proc/self/stat"));
    if (!stat.open(QIODevice::ReadOnly))
        return monotonicMs();
    const QByteArray text = stat.readAll();
    // The command name may hold spaces: count fields after its ')'.
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    const qint64 ticks = fields.value(19).toLongLong(); // field 22 overall
    const long hz = ::sysconf(_SC_CLK_TCK);
    return hz > 0 ? ticks * 1000 / hz : monotonicMs();
}

void report(const char *name, qint64 value)
{
    std::fprintf(stderr, "bench: %s %lld\n", name, static_cast<long long>(value));
    std::fflush(stderr);
}

} // namespace

BenchProbe *BenchProbe::installIfRequested(MainWindow *window)
{
    if (qEnvironmentVariableIntValue("BERTH_DESKTOP_BENCH") != 1 || !window)
        return nullptr;
    return new BenchProbe(window);
}

BenchProbe::BenchProbe(MainWindow *window)
    : QObject(window)
    , m_window(window)
    , m_startMs(processStartMs())
{
    m_logContainer = qEnvironmentVariable("BERTH_DESKTOP_BENCH_LOGS");
    bool ok = false;
    const int seconds = qEnvironmentVariableIntValue("BERTH_DESKTOP_BENCH_SECONDS", &ok);
    if (ok && seconds > 0)
        m_seconds = seconds;
    auto *containers = static_cast<ContainersPage *>(window->page(MainWindow::ContainersPageIndex));
    auto *images = static_cast<ImagesPage *>(window->page(MainWindow::ImagesPageIndex));
    containers->tableView()->viewport()->installEventFilter(this);
    connect(containers, &ContainersPage::reloaded, this, [this] {
        m_containersLoaded = true;
        checkLoaded();
    });
    connect(images, &ImagesPage::reloaded, this, [this] {
        m_imagesLoaded = true;
        checkLoaded();
    });
    m_heartbeat.setInterval(5);
    m_heartbeat.setTimerType(Qt::PreciseTimer);
    connect(&m_heartbeat, &QTimer::timeout, this, &BenchProbe::beat);
    m_sinceBeat.start();
    m_heartbeat.start();
}

bool BenchProbe::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::Paint && !m_painted && m_window) {
        auto *containers = static_cast<ContainersPage *>(m_window->page(MainWindow::ContainersPageIndex));
        if (watched == containers->tableView()->viewport() && containers->tableView()->model()->rowCount() > 0) {
            m_painted = true;
            // The paint is under way; report once it has been done.
            QMetaObject::invokeMethod(this, [this] {
                report("first-paint-ms", monotonicMs() - m_startMs);
                checkLoaded();
            }, Qt::QueuedConnection);
        }
    }
    return QObject::eventFilter(watched, event);
}

void BenchProbe::beat()
{
    const qint64 gap = m_sinceBeat.restart() - m_heartbeat.interval();
    if (gap > m_maxStallMs)
        m_maxStallMs = gap;
    if (m_rssPrinted && gap > m_maxStallAfterLoadMs)
        m_maxStallAfterLoadMs = gap;
}

void BenchProbe::checkLoaded()
{
    if (m_rssPrinted || !m_painted || !m_containersLoaded || !m_imagesLoaded || !m_window)
        return;
    m_rssPrinted = true;
    report("rss-kb", rssKb());
    report("startup-max-stall-ms", m_maxStallMs);
    if (!m_logContainer.isEmpty()) {
        auto *containers = static_cast<ContainersPage *>(m_window->page(MainWindow::ContainersPageIndex));
        if (!containers->selectContainer(m_logContainer))
            std::fprintf(stderr, "bench: no container %s\n", qPrintable(m_logContainer));
        containers->detailsTabs()->setCurrentWidget(containers->logView());
    }
    QTimer::singleShot(m_seconds * 1000, this, &BenchProbe::finish);
}

void BenchProbe::finish()
{
    if (m_window && !m_logContainer.isEmpty()) {
        auto *containers = static_cast<ContainersPage *>(m_window->page(MainWindow::ContainersPageIndex));
        const LogModel *logs = containers->logView()->model();
        report("log-lines", logs->droppedLines() + logs->rowCount());
        report("log-rows-kept", logs->rowCount());
        report("log-line-kb", logs->lineBytes() / 1024);
        report("log-allocated-kb", logs->allocatedBytes() / 1024);
    }
    report("max-stall-ms", m_maxStallAfterLoadMs);
    report("rss-end-kb", rssKb());
    // Where the resident memory is: anonymous (heap, Qt's caches) versus
    // file-backed (the shared libraries' pages), and what malloc holds.
    QFile rollup(QStringLiteral("/proc/self/smaps_rollup"));
    if (rollup.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : rollup.readAll().split('\n')) {
            for (const char *field : {"Anonymous:", "Shared_Clean:", "Private_Clean:", "Private_Dirty:"}) {
                if (line.startsWith(field)) {
                    const QByteArray name = "smaps-" + QByteArray(field).chopped(1).toLower().replace('_', '-') + "-kb";
                    report(name.constData(), line.mid(qstrlen(field)).trimmed().split(' ').value(0).toLongLong());
                }
            }
        }
    }
    const struct mallinfo2 heap = ::mallinfo2();
    report("malloc-arena-kb", qint64((heap.arena + heap.hblkhd) / 1024));
    report("malloc-in-use-kb", qint64((heap.uordblks + heap.hblkhd) / 1024));
    report("malloc-free-kb", qint64(heap.fordblks / 1024));
    QCoreApplication::quit();
}

qint64 BenchProbe::rssKb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

} // namespace Berth::Gui
