#include <app/mainwindow.h>
#include <app/translations.h>
#include <client/endpoint.h>
#include <common/engineconnection.h>
#include <common/eventmodel.h>
#include <common/notificationbar.h>
#include <editor/buildpage.h>
#include <editor/codeeditor.h>
#include <editor/syntaxhighlighting.h>
#include <support/daemonprocess.h>
#include <support/privatehelper.h>

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QListWidget>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

#include <unistd.h>

using namespace Berth::Gui;
using Berth::Client::Endpoint;
using Berth::TestSupport::DaemonProcess;
using Berth::TestSupport::PrivateHelper;

namespace {

QString berthdPath()
{
    return QStringLiteral(BERTH_BIN_DIR "/berthd");
}

// Counts the timer events the application delivers while it lives.
struct TimerCounter : QObject
{
    TimerCounter() { QCoreApplication::instance()->installEventFilter(this); }
    ~TimerCounter() override { QCoreApplication::instance()->removeEventFilter(this); }
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Timer) {
            ++count;
            receivers.insert(QString::fromLatin1(watched->metaObject()->className()));
        }
        return false;
    }
    int count = 0;
    QSet<QString> receivers;
};

} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT

private:
    // A helper run by the test, its output forwarded to the test's (stopped in cleanup()).
    bool startHelper(const QString &root, const QString &socket)
    {
        QDir().mkpath(root);
        auto helper = std::make_unique<PrivateHelper>(berthdPath(), root, socket);
        helper->setOutputForwarded(true);
        const bool started = helper->launch(5000);
        m_helpers.push_back(std::move(helper));
        return started;
    }

    // SIGTERM to the newest helper, and wait for it to exit.
    void terminateHelper()
    {
        QVERIFY(!m_helpers.empty());
        QVERIFY2(m_helpers.back()->terminate(15000), "berthd did not exit after SIGTERM");
    }

    QString socketIn(const QString &name) const { return m_dir.filePath(name + QStringLiteral("/berth.sock")); }
    QString rootIn(const QString &name) const { return m_dir.filePath(name + QStringLiteral("/root")); }

    static Endpoint endpointFor(const QString &socket)
    {
        const auto endpoint = Endpoint::parse(QStringLiteral("unix://") + socket);
        return endpoint ? *endpoint : Endpoint();
    }

    void saveScreenshot(MainWindow &window, int page, const QString &name)
    {
        window.showPage(page);
        QTRY_COMPARE(window.currentPage(), page);
        QCoreApplication::processEvents();
        const QImage image = window.grab().toImage();
        QVERIFY(!image.isNull());
        QDir().mkpath(QStringLiteral(BERTH_ARTIFACTS_DIR));
        const QString path = QStringLiteral(BERTH_ARTIFACTS_DIR "/%1.png").arg(name);
        QVERIFY2(image.save(path), qPrintable(path));
    }

    static void loadSampleDockerfile(MainWindow &window)
    {
        auto *build = qobject_cast<BuildPage *>(window.page(MainWindow::BuildPageIndex));
        QVERIFY(build);
        build->editor()->setPlainText(QStringLiteral(
            "# syntax=docker/dockerfile:1\n"
            "FROM debian:bookworm-slim AS build\n"
            "ARG VERSION=0.1.0\n"
            "RUN apt-get update \\\n"
            "    && apt-get install -y --no-install-recommends ca-certificates \\\n"
            "    && rm -rf /var/lib/apt/lists/*\n"
            "ENV APP_HOME=/opt/app PATH=\"${PATH}:/opt/app/bin\"\n"
            "WORKDIR $APP_HOME\n"
            "COPY . .\n"
            "\n"
            "FROM busybox\n"
            "COPY --from=build /opt/app /opt/app\n"
            "EXPOSE 8080\n"
            "CMD [\"/opt/app/bin/serve\", \"--port\", \"8080\"]\n"));
    }

    void screenshotAllPages(MainWindow &window, const QString &suffix)
    {
        loadSampleDockerfile(window);
        const char *const names[] = {"containers", "images", "build", "settings"};
        for (int page = 0; page < MainWindow::PageCount; ++page)
            saveScreenshot(window, page, QLatin1String(names[page]) + suffix);
    }

    QTemporaryDir m_dir;
    std::vector<std::unique_ptr<PrivateHelper>> m_helpers;
    std::vector<qint64> m_detachedPids; // helpers the app under test started

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        if (!QFileInfo(berthdPath()).isExecutable())
            QSKIP("berthd is not built (" BERTH_BIN_DIR "/berthd); build the berthd target first");
        if (::geteuid() != 0)
            QSKIP("these tests run a private berthd, which needs root (style.md C24)");
    }

    void cleanup()
    {
        for (const auto &helper : m_helpers)
            helper->stop(10000);
        m_helpers.clear();
        for (qint64 pid : m_detachedPids)
            DaemonProcess::stopPid(pid, 5000);
        m_detachedPids.clear();
    }

    void cleanupTestCase() { cleanup(); }

    void showsTheVersionAndRecoversWhenTheHelperRestarts()
    {
        const QString socket = socketIn(QStringLiteral("restart"));
        QVERIFY(startHelper(rootIn(QStringLiteral("restart")), socket));

        EngineConnection connection;
        connection.setHelperStartEnabled(false);
        SyntaxHighlighting highlighting;
        MainWindow window(&connection, &highlighting);
        window.show();
        connection.connectTo(endpointFor(socket));

        QTRY_VERIFY_WITH_TIMEOUT(window.versionLabel()->text().contains(QLatin1String("API")), 15000);
        // "Berth 0.1.0 · API 1.41"
        QVERIFY2(window.versionLabel()->text().startsWith(QString::fromUtf8("Berth " BERTH_VERSION " · API 1.")),
                 qPrintable(window.versionLabel()->text()));
        QVERIFY(window.connectionLabel()->text().contains(QStringLiteral("unix://") + socket));
        QCOMPARE(connection.state(), EngineConnection::State::Connected);
        // Idle and connected: no retry timer is armed, and no timer fires.
        QCOMPARE(connection.pendingRetryInterval(), 0);
        {
            TimerCounter counter;
            QTest::qWait(2000);
            QVERIFY2(counter.count == 0, qPrintable(QStringLiteral("%1 timer events while idle, to %2")
                                                        .arg(counter.count)
                                                        .arg(QStringList(counter.receivers.values()).join(u' '))));
        }

        // The helper's own information reaches the Settings page.
        auto *rootLabel = window.findChild<QLabel *>(QStringLiteral("settingsRootDir"));
        QVERIFY(rootLabel);
        QTRY_COMPARE_WITH_TIMEOUT(rootLabel->text(), rootIn(QStringLiteral("restart")), 10000);
        screenshotAllPages(window, QString());

        // SIGTERM: the window notices by itself.
        terminateHelper();
        QTRY_COMPARE_WITH_TIMEOUT(connection.state(), EngineConnection::State::Reconnecting, 10000);
        QVERIFY2(window.connectionLabel()->text().contains(QLatin1String("Reconnecting")),
                 qPrintable(window.connectionLabel()->text()));
        QVERIFY(window.versionLabel()->isHidden());
        saveScreenshot(window, MainWindow::ContainersPageIndex, QStringLiteral("reconnecting"));

        // A new helper on the same socket: reconnected without any help.
        QVERIFY(startHelper(rootIn(QStringLiteral("restart")), socket));
        QTRY_VERIFY_WITH_TIMEOUT(connection.isConnected(), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.versionLabel()->text().contains(QLatin1String(BERTH_VERSION)), 5000);
        QVERIFY(window.versionLabel()->isVisible());
        QVERIFY(window.connectionLabel()->text().contains(QLatin1String("Connected")));
        QCOMPARE(connection.pendingRetryInterval(), 0);
    }

    void saysSoWhenNoHelperRunsAndStartingIsOff()
    {
        const QString socket = socketIn(QStringLiteral("none"));
        EngineConnection connection;
        connection.setHelperStartEnabled(false);
        SyntaxHighlighting highlighting;
        MainWindow window(&connection, &highlighting);
        window.show();
        QElapsedTimer clock;
        clock.start();
        connection.connectTo(endpointFor(socket));
        QTRY_COMPARE_WITH_TIMEOUT(connection.state(), EngineConnection::State::NotRunning, 5000);
        QVERIFY2(clock.elapsed() < 5000, "noticing a missing helper took too long");
        QVERIFY2(window.connectionLabel()->text().contains(QLatin1String("Not connected")),
                 qPrintable(window.connectionLabel()->text()));
        QVERIFY(window.connectionLabel()->text().contains(socket));
        QVERIFY(window.versionLabel()->isHidden());
        QVERIFY(!connection.lastHelperLaunch());
        QVERIFY(window.notificationBar()->isHidden());
        auto *message = window.findChild<QLabel *>(QStringLiteral("containersMessage"));
        QVERIFY(message);
        QVERIFY(message->text().contains(QLatin1String("Not connected")));
        saveScreenshot(window, MainWindow::ContainersPageIndex, QStringLiteral("not-connected"));
        saveScreenshot(window, MainWindow::SettingsPageIndex, QStringLiteral("settings-not-connected"));
    }

    void startsAHelperItselfAsRoot()
    {
        const QString socket = socketIn(QStringLiteral("auto"));
        const QString root = rootIn(QStringLiteral("auto"));
        QDir().mkpath(QFileInfo(socket).absolutePath());

        EngineConnection connection;
        connection.setHelperStartEnabled(true);
        connection.setHelperRoot(root);
        // The test binary is not next to berthd; the app looks beside itself.
        connection.helperLauncher().setSearchDirectories({QStringLiteral(BERTH_BIN_DIR)});
        SyntaxHighlighting highlighting;
        MainWindow window(&connection, &highlighting);
        window.show();
        QSignalSpy started(&connection, &EngineConnection::helperStarted);
        connection.connectTo(endpointFor(socket));

        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 5000);
        const auto launch = connection.lastHelperLaunch();
        QVERIFY(launch);
        QVERIFY(launch->pid > 0);
        m_detachedPids.push_back(launch->pid);
        QVERIFY(!launch->throughPkexec);
        QCOMPARE(launch->arguments,
                 QStringList({QStringLiteral("--socket"), socket, QStringLiteral("--root"), root}));
        QVERIFY(window.notificationBar()->isVisible());
        QVERIFY(window.notificationBar()->text().contains(socket));

        QTRY_VERIFY_WITH_TIMEOUT(connection.isConnected(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(window.versionLabel()->text().contains(QLatin1String(BERTH_VERSION)), 5000);
        saveScreenshot(window, MainWindow::ContainersPageIndex, QStringLiteral("started-helper"));

        // The helper may record its pid; stop that one too if it differs.
        QFile lock(root + QStringLiteral("/berthd.lock"));
        if (lock.open(QIODevice::ReadOnly)) {
            bool ok = false;
            const qint64 pid = lock.readAll().trimmed().toLongLong(&ok);
            if (ok && pid > 0 && pid != launch->pid)
                m_detachedPids.push_back(pid);
        }
    }

    void koreanTranslationShowsInTheWindow()
    {
        Translations translations;
        QVERIFY2(translations.load(QLocale(QLocale::Korean, QLocale::SouthKorea), QStringLiteral(BERTH_QM_DIR)),
                 "berth_ko.qm not found in " BERTH_QM_DIR);

        const QString socket = socketIn(QStringLiteral("ko"));
        QVERIFY(startHelper(rootIn(QStringLiteral("ko")), socket));
        EngineConnection connection;
        connection.setHelperStartEnabled(false);
        SyntaxHighlighting highlighting;
        MainWindow window(&connection, &highlighting);
        window.show();
        connection.connectTo(endpointFor(socket));
        QTRY_VERIFY_WITH_TIMEOUT(connection.isConnected(), 15000);
        auto *rootLabel = window.findChild<QLabel *>(QStringLiteral("settingsRootDir"));
        QVERIFY(rootLabel);
        QTRY_VERIFY_WITH_TIMEOUT(!rootLabel->text().isEmpty(), 10000);

        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(navigation);
        QCOMPARE(navigation->item(0)->text(), QStringLiteral("컨테이너"));
        QVERIFY2(window.connectionLabel()->text().contains(QStringLiteral("연결")),
                 qPrintable(window.connectionLabel()->text()));
        screenshotAllPages(window, QStringLiteral("_ko"));
    }

    void keyboardShortcutsSwitchPages()
    {
        EngineConnection connection;
        connection.setHelperStartEnabled(false);
        SyntaxHighlighting highlighting;
        MainWindow window(&connection, &highlighting);
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window) || true);
        for (int page : {MainWindow::SettingsPageIndex, MainWindow::BuildPageIndex, MainWindow::ImagesPageIndex,
                         MainWindow::ContainersPageIndex}) {
            QTest::keyClick(&window, Qt::Key(Qt::Key_1 + page), Qt::ControlModifier);
            QTRY_COMPARE(window.currentPage(), page);
        }
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(navigation);
        QVERIFY(!navigation->accessibleName().isEmpty());
        QVERIFY(navigation->focusPolicy() & Qt::TabFocus);
    }
};

QTEST_MAIN(tst_MainWindow)

#include "tst_mainwindow.moc"
