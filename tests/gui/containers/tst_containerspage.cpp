// The container dashboard against a real engine: a private berthd running
// real containers (with --network none, so nothing needs the bridge). The
// page speaks docker's API, so the same test runs against any engine:
// BERTH_GUI_TEST_HOST=unix:///path picks another one (dockerd, podman).
#include <client/endpoint.h>
#include <common/engineconnection.h>
#include <common/jsontreemodel.h>
#include <common/jsontreeview.h>
#include <common/tablemodel.h>
#include <containers/containerfilterproxy.h>
#include <containers/containerlistmodel.h>
#include <containers/containerspage.h>
#include <containers/logmodel.h>
#include <containers/logview.h>
#include <containers/runoptions.h>
#include <containers/statsgraph.h>
#include <common/progresspanel.h>
#include <support/commandrunner.h>
#include <support/daemonprocess.h>
#include <support/privatehelper.h>

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QTimer>
#include <QPlainTextEdit>
#include <QDialog>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

#include <unistd.h>

using namespace Berth;
using namespace Berth::Gui;
using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::PrivateHelper;

namespace {
// Prints "out N" and "err N" five times a second; exits 3 on SIGTERM.
const QString LoopScript = QStringLiteral(
    "trap 'exit 3' TERM; i=0; while true; do echo out $i; echo err $i >&2; i=$((i+1)); sleep 0.2; done");
} // namespace

class tst_ContainersPage : public QObject
{
    Q_OBJECT

private:
    struct Note
    {
        QString text;
        NotificationBar::Kind kind;
    };

    QString path(const QString &name) const { return m_tmp->filePath(name); }

    CommandResult docker(const QStringList &args, const QByteArray &input = {})
    {
        QProcessEnvironment env = CommandRunner::isolatedEnvironment(path(QStringLiteral("docker-config")));
        env.insert(QStringLiteral("DOCKER_HOST"), QStringLiteral("unix://") + m_socket);
        return CommandRunner(env, 120000).run(QStringLiteral("/usr/local/bin/docker"), args, input);
    }

    bool waitForNote(const QString &part, NotificationBar::Kind kind, int from)
    {
        return QTest::qWaitFor([&] {
            for (int i = from; i < m_notes.size(); ++i) {
                if (m_notes.at(i).kind == kind && m_notes.at(i).text.contains(part))
                    return true;
            }
            return false;
        }, 30000);
    }

    QString notesText() const
    {
        QStringList all;
        for (const Note &n : m_notes)
            all.append(n.text);
        return all.join(QLatin1Char('\n'));
    }

    QString stateOf(const QString &name) const
    {
        const int row = m_page->model()->rowOf(name);
        return row < 0 ? QString() : m_page->model()->index(row, ContainerListModel::StateColumn).data().toString();
    }

    QString idOf(const QString &name) const
    {
        const int row = m_page->model()->rowOf(name);
        return row < 0 ? QString() : m_page->model()->container(row).id;
    }

    void screenshot(const QString &name)
    {
        QCoreApplication::processEvents();
        const QImage image = m_page->grab().toImage();
        QVERIFY(!image.isNull());
        QDir().mkpath(QStringLiteral(BERTH_ARTIFACTS_DIR));
        const QString file = QStringLiteral(BERTH_ARTIFACTS_DIR "/%1.png").arg(name);
        QVERIFY2(image.save(file), qPrintable(file));
    }

    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<PrivateHelper> m_helper;
    QString m_socket;
    std::unique_ptr<EngineConnection> m_connection;
    std::unique_ptr<ContainersPage> m_page;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    QList<Note> m_notes;

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("runs a private berthd, which needs root (style.md C24)");
        m_tmp = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/bgc-XXXXXX"));
        QVERIFY(m_tmp->isValid());
        QDir().mkpath(path(QStringLiteral("docker-config")));
        const QString host = qEnvironmentVariable("BERTH_GUI_TEST_HOST");
        if (host.startsWith(QLatin1String("unix://"))) {
            m_socket = host.mid(7);
        } else {
            const QString berthd = QStringLiteral(BERTH_BIN_DIR "/berthd");
            QVERIFY2(QFileInfo(berthd).isExecutable(), qPrintable(berthd + QStringLiteral(" is not built")));
            m_socket = path(QStringLiteral("b.sock"));
            m_helper = std::make_unique<PrivateHelper>(berthd, path(QStringLiteral("root")), m_socket);
            m_helper->setLogFile(path(QStringLiteral("berthd.log")));
            QVERIFY2(m_helper->start(), qPrintable(m_helper->log()));
        }
        const QString tar = path(QStringLiteral("busybox.tar"));
        const CommandResult made = CommandRunner(QProcessEnvironment::systemEnvironment(), 120000)
                                       .run(QStringLiteral("bash"), {QStringLiteral(BERTH_SOURCE_DIR "/installer/make-default-image.sh"), tar});
        QVERIFY2(made.exitCode == 0, qPrintable(made.describe()));
        const CommandResult imported = docker({QStringLiteral("import"), QStringLiteral("-c"), QStringLiteral("CMD [\"sh\"]"),
                                               tar, QStringLiteral("busybox:latest")});
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.describe()));

        m_connection = std::make_unique<EngineConnection>();
        m_connection->setHelperStartEnabled(false);
        m_page = std::make_unique<ContainersPage>(m_connection.get(), nullptr);
        m_page->resize(1100, 760);
        m_tester = std::make_unique<QAbstractItemModelTester>(m_page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        connect(m_page.get(), &ContainersPage::notify, this, [this](const QString &text, NotificationBar::Kind kind) {
            m_notes.append({text, kind});
        });
        m_page->show();
        QSignalSpy reloaded(m_page.get(), &ContainersPage::reloaded);
        m_connection->connectTo(*Client::Endpoint::parse(QStringLiteral("unix://") + m_socket));
        QTRY_VERIFY_WITH_TIMEOUT(m_connection->isConnected(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!reloaded.isEmpty(), 10000);
        QCOMPARE(m_page->model()->rowCount(), 0);
        screenshot(QStringLiteral("containers-empty"));
    }

    void cleanupTestCase()
    {
        m_tester.reset();
        m_page.reset();
        m_connection.reset();
        if (m_helper) {
            const CommandResult ids = docker({QStringLiteral("ps"), QStringLiteral("-aq")});
            const QStringList list = ids.out.split(u'\n', Qt::SkipEmptyParts);
            if (!list.isEmpty())
                docker(QStringList{QStringLiteral("rm"), QStringLiteral("-f")} + list);
        }
        // stops berthd by its PID, then removes its bridge and cgroup parent
        m_helper.reset();
    }

    void aContainerStartedElsewhereAppearsFromItsEvents()
    {
        const CommandResult run = docker({QStringLiteral("run"), QStringLiteral("-d"), QStringLiteral("--network"), QStringLiteral("none"),
                                          QStringLiteral("--name"), QStringLiteral("gui-a"), QStringLiteral("-e"), QStringLiteral("GREETING=hello there"),
                                          QStringLiteral("-v"), path(QStringLiteral("docker-config")) + QStringLiteral(":/cfg:ro"),
                                          QStringLiteral("busybox"), QStringLiteral("sh"), QStringLiteral("-c"), LoopScript});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        QTRY_VERIFY2_WITH_TIMEOUT(stateOf(QStringLiteral("gui-a")) == QLatin1String("Running"), qPrintable(stateOf(QStringLiteral("gui-a")) + u'\n' + notesText()), 10000);
        const int row = m_page->model()->rowOf(QStringLiteral("gui-a"));
        QCOMPARE(m_page->model()->index(row, ContainerListModel::ImageColumn).data().toString(), QStringLiteral("busybox"));
        QVERIFY(m_page->model()->index(row, ContainerListModel::CommandColumn).data().toString().startsWith(QLatin1String("sh -c")));
    }

    void theDetailsShowLogsInspectEnvironmentAndMounts()
    {
        QVERIFY(m_page->selectContainer(QStringLiteral("gui-a")));
        LogModel *logs = m_page->logView()->model();
        QTRY_VERIFY_WITH_TIMEOUT(logs->rowCount() >= 6, 10000);
        bool sawStdout = false;
        bool sawStderr = false;
        for (int i = 0; i < logs->rowCount(); ++i) {
            const auto &line = logs->line(i);
            sawStdout = sawStdout || (line.stream == Client::LogLine::Stream::Stdout && line.message().startsWith(u"out "));
            sawStderr = sawStderr || (line.stream == Client::LogLine::Stream::Stderr && line.message().startsWith(u"err "));
            QVERIFY(!line.timestamp().isEmpty());
        }
        QVERIFY(sawStdout && sawStderr);
        // Following: new lines keep coming on the same stream.
        const int before = logs->rowCount();
        QTRY_VERIFY_WITH_TIMEOUT(logs->rowCount() > before + 4, 10000);

        JsonTreeModel *inspect = m_page->inspectView()->model();
        QTRY_VERIFY_WITH_TIMEOUT(inspect->indexForPath(QStringLiteral(".Name")).isValid(), 10000);
        QCOMPARE(inspect->valueText(inspect->indexForPath(QStringLiteral(".Name"))), QStringLiteral("/gui-a"));
        QCOMPARE(inspect->valueText(inspect->indexForPath(QStringLiteral(".State.Running"))), QStringLiteral("true"));
        QVERIFY(m_page->environmentModel()->rows().contains(QStringList{QStringLiteral("GREETING"), QStringLiteral("hello there")}));
        bool mounted = false;
        for (const QStringList &mount : m_page->mountsModel()->rows())
            mounted = mounted || (mount.value(2) == QLatin1String("/cfg") && mount.value(3) == QLatin1String("read-only"));
        QVERIFY2(mounted, "the bind mount is not listed");

        m_page->logView()->searchField()->setText(QStringLiteral("err 3"));
        QVERIFY(m_page->logView()->findNext());
        m_page->detailsTabs()->setCurrentIndex(ContainersPage::LogsTab);
        screenshot(QStringLiteral("containers-logs"));
        m_page->logView()->searchField()->clear();
    }

    void statsStreamOnlyForRunningRowsOnScreen()
    {
        const QString id = idOf(QStringLiteral("gui-a"));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->statsStreamIds().contains(id), 10000);
        const int row = m_page->model()->rowOf(QStringLiteral("gui-a"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->model()->index(row, ContainerListModel::MemoryColumn).data().toString().isEmpty(), 15000);
        m_page->detailsTabs()->setCurrentIndex(ContainersPage::StatsTab);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->memoryGraph()->sampleCount() >= 2, 15000);
        screenshot(QStringLiteral("containers-stats"));
        // A hidden page streams nothing.
        m_page->hide();
        QTRY_VERIFY_WITH_TIMEOUT(m_page->statsStreamIds().isEmpty(), 5000);
        QTRY_VERIFY(m_page->model()->index(row, ContainerListModel::MemoryColumn).data().toString().isEmpty());
        m_page->show();
        QTRY_VERIFY_WITH_TIMEOUT(m_page->statsStreamIds().contains(id), 5000);
    }

    void stopStartAndKillFollowTheEngine()
    {
        const QString id = idOf(QStringLiteral("gui-a"));
        m_page->stopContainers({id});
        QTRY_VERIFY2_WITH_TIMEOUT(stateOf(QStringLiteral("gui-a")) == QLatin1String("Exited (3)"), qPrintable(stateOf(QStringLiteral("gui-a")) + u'\n' + notesText()), 20000);
        // The stopped container's stats stream ended with it.
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->statsStreamIds().contains(id), 5000);
        m_page->startContainers({id});
        QTRY_VERIFY2_WITH_TIMEOUT(stateOf(QStringLiteral("gui-a")) == QLatin1String("Running"), qPrintable(stateOf(QStringLiteral("gui-a")) + u'\n' + notesText()), 20000);
        m_page->killContainers({id});
        QTRY_VERIFY2_WITH_TIMEOUT(stateOf(QStringLiteral("gui-a")) == QLatin1String("Exited (137)"), qPrintable(stateOf(QStringLiteral("gui-a")) + u'\n' + notesText()), 20000);
        m_page->restartContainers({id});
        QTRY_VERIFY2_WITH_TIMEOUT(stateOf(QStringLiteral("gui-a")) == QLatin1String("Running"), qPrintable(stateOf(QStringLiteral("gui-a")) + u'\n' + notesText()), 20000);
        // A second start of a running container is not an error (304).
        const int from = int(m_notes.size());
        m_page->startContainers({id});
        QTest::qWait(500);
        for (int i = from; i < m_notes.size(); ++i)
            QVERIFY2(m_notes.at(i).kind != NotificationBar::Kind::Warning, qPrintable(m_notes.at(i).text));
    }

    // Stopping several containers is one progress row with Cancel; Cancel
    // skips the stops not yet sent and says how many, the ones sent finish.
    void stoppingSeveralShowsProgressAndCancelSkipsTheRest()
    {
        QStringList names;
        for (int i = 0; i < 6; ++i) {
            const QString name = QStringLiteral("gui-bulk-%1").arg(i);
            // PID 1 ignores SIGTERM: each stop takes the 2 s grace period.
            const CommandResult run = docker({QStringLiteral("run"), QStringLiteral("-d"), QStringLiteral("--network"), QStringLiteral("none"),
                                              QStringLiteral("--stop-timeout"), QStringLiteral("2"), QStringLiteral("--name"), name,
                                              QStringLiteral("busybox"), QStringLiteral("sleep"), QStringLiteral("3600")});
            QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
            names.append(name);
        }
        QStringList ids;
        for (const QString &name : std::as_const(names)) {
            QTRY_VERIFY_WITH_TIMEOUT(stateOf(name) == QLatin1String("Running"), 15000);
            ids.append(idOf(name));
        }
        const int from = int(m_notes.size());
        m_page->stopContainers(ids);
        QCOMPARE(m_page->progressPanel()->activeCount(), 1);
        auto *cancel = m_page->progressPanel()->findChild<QAbstractButton *>(QStringLiteral("transferCancel"));
        QVERIFY(cancel);
        cancel->click();
        QTRY_COMPARE(m_page->progressPanel()->activeCount(), 0);
        QTRY_VERIFY2_WITH_TIMEOUT([&] {
            for (int i = from; i < m_notes.size(); ++i)
                if (m_notes.at(i).text.contains(QLatin1String("Cancelled")) && m_notes.at(i).text.contains(QLatin1String("(2 not started)")))
                    return true;
            return false;
        }(), qPrintable(notesText()), 5000);
        // The four sent stop after their grace period; the two skipped still run.
        for (int i = 0; i < 4; ++i)
            QTRY_VERIFY2_WITH_TIMEOUT(stateOf(names.at(i)).startsWith(QLatin1String("Exited")), qPrintable(stateOf(names.at(i))), 20000);
        QCOMPARE(stateOf(names.at(4)), QStringLiteral("Running"));
        QCOMPARE(stateOf(names.at(5)), QStringLiteral("Running"));
        docker(QStringList{QStringLiteral("rm"), QStringLiteral("-f")} + names);
    }

    void renameAndRemoveNeedForceForARunningContainer()
    {
        const QString id = idOf(QStringLiteral("gui-a"));
        m_page->renameContainer(id, QStringLiteral("gui-b"));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(QStringLiteral("gui-b")) >= 0, 10000);
        QCOMPARE(m_page->model()->rowOf(QStringLiteral("gui-a")), -1);

        const int from = int(m_notes.size());
        m_page->removeContainers({id}, false);
        QVERIFY2(waitForNote(QStringLiteral("force"), NotificationBar::Kind::Warning, from), qPrintable(notesText()));
        QVERIFY(m_page->model()->rowOf(QStringLiteral("gui-b")) >= 0);
        m_page->removeContainers({id}, true);
        QTRY_COMPARE_WITH_TIMEOUT(m_page->model()->rowOf(QStringLiteral("gui-b")), -1, 20000);
        QVERIFY(!m_page->statsStreamIds().contains(id));
    }

    void runCreatesAndStartsAContainer()
    {
        RunOptions options;
        options.image = QStringLiteral("busybox");
        options.name = QStringLiteral("gui-run");
        options.network = QStringLiteral("none");
        options.environment = QStringLiteral("WHO=berth");
        options.command = QStringLiteral("sh -c 'echo hello from $WHO; echo oops >&2'");
        const int from = int(m_notes.size());
        m_page->runContainer(options);
        QVERIFY2(waitForNote(QStringLiteral("Started container"), NotificationBar::Kind::Information, from), qPrintable(notesText()));
        QTRY_VERIFY2_WITH_TIMEOUT(stateOf(QStringLiteral("gui-run")) == QLatin1String("Exited (0)"), qPrintable(stateOf(QStringLiteral("gui-run")) + u'\n' + notesText()), 20000);
        QVERIFY(m_page->selectContainer(QStringLiteral("gui-run")));
        LogModel *logs = m_page->logView()->model();
        QTRY_COMPARE_WITH_TIMEOUT(logs->rowCount(), 2, 10000);
        QStringList lines;
        for (int i = 0; i < logs->rowCount(); ++i)
            lines.append(logs->line(i).message().toString());
        QVERIFY2(lines.contains(QStringLiteral("hello from berth")), qPrintable(lines.join(u'|')));
        QVERIFY2(lines.contains(QStringLiteral("oops")), qPrintable(lines.join(u'|')));
    }

    // "Run..." through the dialog's fields: a web server on the bridge with a
    // published port and an environment variable, fetched from loopback.
    void theRunDialogStartsAContainerWithItsPortsAndEnvironment()
    {
        if (!m_helper)
            QSKIP("publishes a port on the bridge of the private berthd (BERTH_GUI_TEST_HOST is another engine)");
        bool filled = false;
        QTimer::singleShot(0, this, [&filled] {
            auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
            if (!dialog || dialog->objectName() != QLatin1String("runDialog"))
                return;
            auto *image = dialog->findChild<QLineEdit *>(QStringLiteral("runImage"));
            auto *name = dialog->findChild<QLineEdit *>(QStringLiteral("runName"));
            auto *ports = dialog->findChild<QLineEdit *>(QStringLiteral("runPorts"));
            auto *env = dialog->findChild<QPlainTextEdit *>(QStringLiteral("runEnvironment"));
            auto *command = dialog->findChild<QLineEdit *>(QStringLiteral("runCommand"));
            if (!image || !name || !ports || !env || !command)
                return dialog->reject();
            image->clear();
            QTest::keyClicks(image, QStringLiteral("busybox"));
            QTest::keyClicks(name, QStringLiteral("gui-web"));
            QTest::keyClicks(ports, QStringLiteral("127.0.0.1::8080"));
            env->setFocus();
            QTest::keyClicks(env, QStringLiteral("WHO=the run dialog"));
            QTest::keyClicks(command, QStringLiteral("sh -c 'mkdir -p /www && echo \"hello from $WHO\" > /www/index.html && exec httpd -f -p 8080 -h /www'"));
            filled = true;
            dialog->accept();
        });
        const int from = int(m_notes.size());
        m_page->askRun();
        QVERIFY(filled);
        QVERIFY2(waitForNote(QStringLiteral("Started container"), NotificationBar::Kind::Information, from), qPrintable(notesText()));
        QTRY_VERIFY2_WITH_TIMEOUT(stateOf(QStringLiteral("gui-web")) == QLatin1String("Running"), qPrintable(stateOf(QStringLiteral("gui-web")) + u'\n' + notesText()), 10000);

        const CommandResult port = docker({QStringLiteral("port"), QStringLiteral("gui-web"), QStringLiteral("8080")});
        QVERIFY2(port.exitCode == 0 && port.out.startsWith(QLatin1String("127.0.0.1:")), qPrintable(port.describe()));
        const QString url = QStringLiteral("http://") + port.out.trimmed() + u'/';
        CommandResult fetched;
        QTRY_VERIFY2_WITH_TIMEOUT((fetched = CommandRunner(QProcessEnvironment::systemEnvironment(), 10000)
                                             .run(QStringLiteral("curl"), {QStringLiteral("-s"), QStringLiteral("--max-time"), QStringLiteral("3"), url}))
                                      .out == QLatin1String("hello from the run dialog\n"),
                                  qPrintable(fetched.describe()), 15000);
        const CommandResult removed = docker({QStringLiteral("rm"), QStringLiteral("-f"), QStringLiteral("gui-web")});
        QVERIFY2(removed.exitCode == 0, qPrintable(removed.describe()));
    }

    void runningAMissingImageSaysWhatTheEngineSaid()
    {
        RunOptions options;
        options.image = QStringLiteral("no-such-image:1");
        options.network = QStringLiteral("none");
        const int from = int(m_notes.size());
        m_page->runContainer(options);
        QVERIFY2(waitForNote(QStringLiteral("No such image"), NotificationBar::Kind::Warning, from), qPrintable(notesText()));
    }

    void showStoppedAndTheFilterNarrowTheTable()
    {
        const CommandResult run = docker({QStringLiteral("run"), QStringLiteral("-d"), QStringLiteral("--network"), QStringLiteral("none"),
                                          QStringLiteral("--name"), QStringLiteral("gui-up"), QStringLiteral("busybox"),
                                          QStringLiteral("sleep"), QStringLiteral("60")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        QTRY_VERIFY2_WITH_TIMEOUT(stateOf(QStringLiteral("gui-up")) == QLatin1String("Running"), qPrintable(stateOf(QStringLiteral("gui-up")) + u'\n' + notesText()), 10000);
        screenshot(QStringLiteral("containers-list"));
        QCOMPARE(m_page->proxy()->rowCount(), 2);
        m_page->showStoppedBox()->setChecked(false);
        QCOMPARE(m_page->proxy()->rowCount(), 1);
        m_page->showStoppedBox()->setChecked(true);
        m_page->proxy()->setFilterFixedString(QStringLiteral("GUI-RUN"));
        QCOMPARE(m_page->proxy()->rowCount(), 1);
        m_page->proxy()->setFilterFixedString(QString());
        // Removed elsewhere: the destroy event removes the row.
        const CommandResult removed = docker({QStringLiteral("rm"), QStringLiteral("-f"), QStringLiteral("gui-up")});
        QVERIFY2(removed.exitCode == 0, qPrintable(removed.describe()));
        QTRY_COMPARE_WITH_TIMEOUT(m_page->model()->rowOf(QStringLiteral("gui-up")), -1, 10000);
    }
};

QTEST_MAIN(tst_ContainersPage)
#include "tst_containerspage.moc"
