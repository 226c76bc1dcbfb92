#include <app/mainwindow.h>
#include <app/translations.h>
#include <client/endpoint.h>
#include <common/engineconnection.h>
#include <common/eventmodel.h>
#include <client/imagetransfer.h>
#include <common/jsontreeview.h>
#include <common/notificationbar.h>
#include <containers/containerlistmodel.h>
#include <containers/containerspage.h>
#include <containers/logmodel.h>
#include <containers/logview.h>
#include <containers/statsgraph.h>
#include <editor/buildpage.h>
#include <editor/codeeditor.h>
#include <editor/diagnosticmodel.h>
#include <editor/syntaxhighlighting.h>
#include <images/imagelistmodel.h>
#include <images/imagespage.h>
#include <support/commandrunner.h>
#include <support/daemonprocess.h>
#include <support/privatehelper.h>

#include <QApplication>
#include <QCheckBox>
#include <QGuiApplication>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>

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
using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
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

// A dark palette for the screenshots (the platform's own may have none).
QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xdf, 0xe1, 0xe5);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8f, 0x94));
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    p.setColor(QPalette::Highlight, QColor(0x35, 0x74, 0xf0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x54, 0x9b, 0xf5));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(0x7a, 0x7d, 0x82));
    return p;
}

// Mean lightness (0-255) and how many distinct colours a picture has:
// a blank or unreadable capture has one colour.
struct PictureStats
{
    double lightness = 0;
    int colours = 0;
};

PictureStats pictureStats(const QImage &image)
{
    PictureStats stats;
    QSet<QRgb> colours;
    qint64 sum = 0, n = 0;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3) {
            const QRgb px = image.pixel(x, y);
            if (colours.size() < 4096)
                colours.insert(px);
            sum += qGray(px);
            ++n;
        }
    }
    stats.lightness = n ? double(sum) / double(n) : 0;
    stats.colours = int(colours.size());
    return stats;
}

// Every toolbar action of every page has a key, and no two actions of one
// page share one.
void verifyEveryToolbarActionHasAKey(MainWindow &window)
{
    for (int page = 0; page < MainWindow::PageCount; ++page) {
        QSet<QString> keys;
        for (QToolBar *toolbar : window.page(page)->findChildren<QToolBar *>()) {
            for (QAction *action : toolbar->actions()) {
                if (action->isSeparator() || action->text().isEmpty() || !action->isVisible())
                    continue;
                const QString key = action->shortcut().toString();
                QVERIFY2(!key.isEmpty(), qPrintable(QStringLiteral("page %1: \"%2\" has no shortcut").arg(page).arg(action->text())));
                QVERIFY2(!keys.contains(key), qPrintable(QStringLiteral("page %1: %2 is taken twice").arg(page).arg(key)));
                keys.insert(key);
            }
        }
    }
}

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
    // Containers made for the screenshots, removed in cleanup().
    QStringList m_shotContainers;
    QString m_shotHost;
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
        // Containers first, while their helper still runs (their shims
        // would outlive it).
        if (!m_shotContainers.isEmpty() && !m_helpers.empty()) {
            QStringList arguments{QStringLiteral("-H"), m_shotHost, QStringLiteral("rm"), QStringLiteral("-f")};
            arguments += m_shotContainers;
            CommandRunner(QProcessEnvironment::systemEnvironment(), 60000).run(QStringLiteral(BERTH_BIN_DIR "/berth"), arguments);
            m_shotContainers.clear();
        }
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

        verifyEveryToolbarActionHasAKey(window);
        if (QTest::currentTestFailed())
            return;
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(navigation);
        QCOMPARE(navigation->item(0)->text(), QStringLiteral("컨테이너"));
        QVERIFY2(window.connectionLabel()->text().contains(QStringLiteral("연결")),
                 qPrintable(window.connectionLabel()->text()));
        screenshotAllPages(window, QStringLiteral("_ko"));
    }

    // Every view with real data, in light and dark palettes and in English
    // and Korean: a running container printing lines and an exited one with
    // the Logs, Inspect and Stats tabs of a selected row, an image with its
    // details, the Build page with diagnostics, Settings. The pictures go to
    // tests/artifacts (a subdirectory named after the platform when it is
    // not offscreen, e.g. xcb under Xvfb) and each is checked to be a
    // readable, non-blank picture whose lightness follows the palette.
    void everyViewIsCapturedInBothPalettesAndLanguages()
    {
        const QString berth = QStringLiteral(BERTH_BIN_DIR "/berth");
        if (!QFileInfo(berth).isExecutable())
            QSKIP("the berth CLI is not built (" BERTH_BIN_DIR "/berth)");
        const QString socket = socketIn(QStringLiteral("shots"));
        QVERIFY(startHelper(rootIn(QStringLiteral("shots")), socket));
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(socket), 15000);
        const CommandRunner runner(QProcessEnvironment::systemEnvironment(), 120000);
        const QString host = QStringLiteral("unix://") + socket;
        auto cli = [&](QStringList arguments) {
            arguments.prepend(host);
            arguments.prepend(QStringLiteral("-H"));
            return runner.run(berth, arguments);
        };
        const QString tar = m_dir.filePath(QStringLiteral("shots/busybox.tar"));
        CommandResult r = runner.run(QStringLiteral("bash"), {QStringLiteral(BERTH_SOURCE_DIR "/installer/make-default-image.sh"), tar});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = cli({QStringLiteral("import"), tar, QStringLiteral("busybox:latest")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        m_shotContainers = {QStringLiteral("shot-web"), QStringLiteral("shot-job")};
        m_shotHost = host;
        r = cli({QStringLiteral("run"), QStringLiteral("-d"), QStringLiteral("--network"), QStringLiteral("none"),
                 QStringLiteral("--name"), QStringLiteral("shot-web"), QStringLiteral("-e"), QStringLiteral("MODE=demo"),
                 QStringLiteral("busybox:latest"), QStringLiteral("sh"), QStringLiteral("-c"),
                 QStringLiteral("i=0; while true; do echo \"serving request $i\"; i=$((i+1)); sleep 0.3; done")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = cli({QStringLiteral("run"), QStringLiteral("--network"), QStringLiteral("none"), QStringLiteral("--name"),
                 QStringLiteral("shot-job"), QStringLiteral("busybox:latest"), QStringLiteral("sh"), QStringLiteral("-c"),
                 QStringLiteral("echo migrating; echo done >&2; exit 3")});
        QCOMPARE(r.exitCode, 3);

        const QString platform = QGuiApplication::platformName();
        // QT_SCALE_FACTOR=2 (gui.app.mainwindow.hidpi): the same views at
        // device pixel ratio 2, into a "dpr2" subdirectory.
        const qreal ratio = qApp->devicePixelRatio();
        const QString dir = QStringLiteral(BERTH_ARTIFACTS_DIR)
                            + (platform == QLatin1String("offscreen") ? QString() : QLatin1Char('/') + platform)
                            + (ratio > 1 ? QStringLiteral("/dpr%1").arg(ratio) : QString());
        QDir().mkpath(dir);
        const QPalette original = QApplication::palette();
        QStringList problems;
        for (const QString &language : {QStringLiteral("en"), QStringLiteral("ko")}) {
            Translations translations;
            if (language == QLatin1String("ko"))
                QVERIFY2(translations.load(QLocale(QLocale::Korean, QLocale::SouthKorea), QStringLiteral(BERTH_QM_DIR)),
                         "berth_ko.qm not found in " BERTH_QM_DIR);
            else
                QVERIFY2(translations.load(QLocale(QLocale::English, QLocale::UnitedStates), QStringLiteral(BERTH_QM_DIR)),
                         "berth_en.qm not found in " BERTH_QM_DIR);
            for (const QString &theme : {QStringLiteral("light"), QStringLiteral("dark")}) {
                QApplication::setPalette(theme == QLatin1String("dark") ? darkPalette() : original);
                EngineConnection connection;
                connection.setHelperStartEnabled(false);
                SyntaxHighlighting highlighting;
                MainWindow window(&connection, &highlighting);
                window.resize(1280, 800);
                window.show();
                connection.connectTo(endpointFor(socket));
                QTRY_VERIFY_WITH_TIMEOUT(connection.isConnected(), 15000);
                auto *containers = qobject_cast<ContainersPage *>(window.page(MainWindow::ContainersPageIndex));
                QVERIFY(containers);
                containers->showStoppedBox()->setChecked(true);
                QTRY_VERIFY_WITH_TIMEOUT(containers->model()->rowCount() >= 2, 15000);

                auto save = [&](const QString &view) {
                    QCoreApplication::processEvents();
                    const QImage image = window.grab().toImage();
                    const QString path = QStringLiteral("%1/%2-%3-%4.png").arg(dir, view, theme, language);
                    if (image.isNull() || !image.save(path)) {
                        problems << QStringLiteral("could not save ") + path;
                        return;
                    }
                    const QImage back(path);
                    const PictureStats stats = pictureStats(back);
                    if (back.isNull() || back.width() < 800 * ratio || stats.colours < 16)
                        problems << QStringLiteral("%1: unreadable or blank (%2 colours)").arg(path).arg(stats.colours);
                    else if ((theme == QLatin1String("dark")) != (stats.lightness < 110))
                        problems << QStringLiteral("%1: mean lightness %2 does not match the %3 palette").arg(path).arg(stats.lightness).arg(theme);
                };

                window.showPage(MainWindow::ContainersPageIndex);
                QVERIFY(containers->selectContainer(QStringLiteral("shot-web")));
                QTabWidget *tabs = containers->detailsTabs();
                tabs->setCurrentWidget(containers->logView());
                QTRY_VERIFY_WITH_TIMEOUT(containers->logView()->model()->rowCount() >= 3, 15000);
                save(QStringLiteral("containers-logs"));
                tabs->setCurrentWidget(containers->inspectView());
                QTest::qWait(300);
                save(QStringLiteral("containers-inspect"));
                tabs->setCurrentWidget(containers->cpuGraph()->parentWidget());
                QTest::qWait(2500); // a few stats samples
                save(QStringLiteral("containers-stats"));
                QVERIFY(containers->selectContainer(QStringLiteral("shot-job")));
                tabs->setCurrentWidget(containers->logView());
                QTRY_VERIFY_WITH_TIMEOUT(containers->logView()->model()->rowCount() >= 2, 15000);
                save(QStringLiteral("containers-exited-logs"));

                auto *images = qobject_cast<ImagesPage *>(window.page(MainWindow::ImagesPageIndex));
                QVERIFY(images);
                window.showPage(MainWindow::ImagesPageIndex);
                QTRY_VERIFY_WITH_TIMEOUT(images->selectReference(QStringLiteral("busybox:latest")), 15000);
                QTest::qWait(500);
                save(QStringLiteral("images"));

                auto *build = qobject_cast<BuildPage *>(window.page(MainWindow::BuildPageIndex));
                QVERIFY(build);
                loadSampleDockerfile(window);
                build->editor()->appendPlainText(QStringLiteral("COPY onlyone\nHEALTHCHECK --interval=oops CMD true\n"));
                QSignalSpy checked(build, &BuildPage::diagnosticsUpdated);
                build->checkNow();
                QTRY_VERIFY_WITH_TIMEOUT(!checked.isEmpty(), 10000);
                QVERIFY2(build->diagnostics()->errorCount() >= 1, "the sample with a bad COPY has no error");
                window.showPage(MainWindow::BuildPageIndex);
                save(QStringLiteral("build"));

                window.showPage(MainWindow::SettingsPageIndex);
                save(QStringLiteral("settings"));
            }
        }
        QApplication::setPalette(original);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
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
        verifyEveryToolbarActionHasAKey(window);
        if (QTest::currentTestFailed())
            return;
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(navigation);
        QVERIFY(!navigation->accessibleName().isEmpty());
        QVERIFY(navigation->focusPolicy() & Qt::TabFocus);
    }
};

QTEST_MAIN(tst_MainWindow)

#include "tst_mainwindow.moc"
