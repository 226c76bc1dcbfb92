#pragma once

#include <base/result.h>
#include <base/uniquefd.h>

#include <QObject>
#include <QString>

#include <memory>

class QSocketNotifier;

namespace Berth::Engine {

// Tells a `logs -f` reader that the log changed: inotify on the bundle
// directory (not on the file, so a rotation - container.log renamed to .1
// and a new container.log created - is seen as well), no polling. Events for
// other files in the directory are ignored.
class ContainerLogWatcher : public QObject
{
    Q_OBJECT
public:
    // logPath is <bundle>/container.log.
    explicit ContainerLogWatcher(QString logPath, QObject *parent = nullptr);
    ~ContainerLogWatcher() override;

    Status start();

signals:
    // Data was appended, or a log file was created or renamed.
    void changed();

private:
    void readEvents();

    QString m_logPath;
    QByteArray m_baseName;
    UniqueFd m_inotify;
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace Berth::Engine
