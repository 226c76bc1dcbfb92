#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>

#include <utility>

namespace Berth::Gui {

// Calls function(result) in guard's thread once the future has its result
// (style.md C7). The watcher is a child of guard, so nothing runs after the
// guard is gone, and a cancelled future (its client went away) calls nothing.
template<typename T, typename Function>
void onResultReady(const QFuture<T> &future, QObject *guard, Function &&function)
{
    auto *watcher = new QFutureWatcher<T>(guard);
    QObject::connect(watcher, &QFutureWatcherBase::finished, guard,
                     [watcher, function = std::forward<Function>(function)]() mutable {
                         watcher->deleteLater();
                         const QFuture<T> future = watcher->future();
                         if (future.isCanceled() || future.resultCount() == 0)
                             return;
                         function(future.result());
                     });
    watcher->setFuture(future);
}

} // namespace Berth::Gui
