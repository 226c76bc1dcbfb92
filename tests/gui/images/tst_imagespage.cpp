// The images page against a real private berthd: every action goes through
// the page's own asynchronous calls, and the table follows the engine's
// image events (no test calls reload()).
#include <client/credentialstore.h>
#include <client/endpoint.h>
#include <client/imagetransfer.h>
#include <client/registryapi.h>
#include <common/engineconnection.h>
#include <common/jsontreemodel.h>
#include <common/jsontreeview.h>
#include <common/progresspanel.h>
#include <images/imagehistorymodel.h>
#include <images/imagelistmodel.h>
#include <images/imagespage.h>
#include <images/layerprogressmodel.h>
#include <images/logindialog.h>
#include <images/pulldialog.h>
#include <support/commandrunner.h>
#include <support/daemonprocess.h>
#include <support/privatehelper.h>

#include <QAbstractButton>
#include <QAction>
#include <QAbstractItemModelTester>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QLabel>
#include <QPointer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cerrno>
#include <memory>

#include <unistd.h>

using namespace Berth;
using namespace Berth::Gui;
using Berth::TestSupport::CommandResult;
using Berth::TestSupport::CommandRunner;
using Berth::TestSupport::DaemonProcess;
using Berth::TestSupport::PrivateHelper;

class tst_ImagesPage : public QObject
{
    Q_OBJECT

private:
    struct Note
    {
        QString text;
        NotificationBar::Kind kind;
    };

    // Waits for a transfer's end and returns its result.
    static Status finish(Client::ImageTransfer *transfer)
    {
        QSignalSpy finished(transfer, &Client::ImageTransfer::finished);
        if (!transfer->isFinished())
            finished.wait(60000);
        if (finished.isEmpty())
            return fail(ErrorCode::Timeout, "the transfer did not finish");
        return finished.at(0).at(0).value<Status>();
    }

    bool waitForNote(const QString &part, NotificationBar::Kind kind, int from)
    {
        return QTest::qWaitFor([&] {
            for (int i = from; i < m_notes.size(); ++i) {
                if (m_notes.at(i).kind == kind && m_notes.at(i).text.contains(part))
                    return true;
            }
            return false;
        }, 20000);
    }

    QString notesText() const
    {
        QStringList all;
        for (const Note &n : m_notes)
            all.append(n.text);
        return all.join(QLatin1Char('\n'));
    }

    void screenshot(const QString &name)
    {
        QCoreApplication::processEvents();
        const QImage image = m_page->grab().toImage();
        QVERIFY(!image.isNull());
        QDir().mkpath(QStringLiteral(BERTH_ARTIFACTS_DIR));
        const QString path = QStringLiteral(BERTH_ARTIFACTS_DIR "/%1.png").arg(name);
        QVERIFY2(image.save(path), qPrintable(path));
    }

    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<PrivateHelper> m_helper;
    std::unique_ptr<EngineConnection> m_connection;
    std::unique_ptr<ImagesPage> m_page;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    std::unique_ptr<DaemonProcess> m_registry;
    quint16 m_registryPort = 0;
    QList<Note> m_notes;

    // docker-registry on 127.0.0.1 with htpasswd (user "berth", password
    // "gui-secret"), its storage in the test's temporary directory.
    bool startRegistry()
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0))
            return false;
        m_registryPort = probe.serverPort();
        probe.close();
        const QString dir = m_tmp->filePath(QStringLiteral("registry"));
        QDir().mkpath(dir + QStringLiteral("/data"));
        const CommandResult hashed = CommandRunner(QProcessEnvironment::systemEnvironment(), 30000)
                                         .run(QStringLiteral("htpasswd"), {QStringLiteral("-Bbc"), dir + QStringLiteral("/htpasswd"),
                                                                           QStringLiteral("berth"), QStringLiteral("gui-secret")});
        if (hashed.exitCode != 0)
            return false;
        QFile config(dir + QStringLiteral("/config.yml"));
        if (!config.open(QIODevice::WriteOnly))
            return false;
        config.write(QStringLiteral("version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
                                    "storage:\n  filesystem:\n    rootdirectory: %1/data\n"
                                    "http:\n  addr: 127.0.0.1:%2\n"
                                    "auth:\n  htpasswd:\n    realm: berth-gui-test\n    path: %1/htpasswd\n")
                         .arg(dir)
                         .arg(m_registryPort)
                         .toUtf8());
        config.close();
        m_registry = std::make_unique<DaemonProcess>(QStringLiteral("docker-registry"),
                                                     QStringList{QStringLiteral("serve"), config.fileName()});
        m_registry->setLogFile(dir + QStringLiteral("/registry.log"));
        if (!m_registry->launch())
            return false;
        const quint16 port = m_registryPort;
        return m_registry->waitUntil([port] {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, port);
            return socket.waitForConnected(200);
        }, 15000);
    }

    static Status transferResult(const QSignalSpy &finished, int index)
    {
        return finished.at(index).at(1).value<Status>();
    }

    // Every file and directory under berthd's root with its size: the
    // store's whole state (images, layers, blobs, temporary files).
    static QStringList listing(const QString &root)
    {
        QStringList entries;
        QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            it.next();
            const QFileInfo info = it.fileInfo();
            const QString path = QDir(root).relativeFilePath(info.filePath());
            entries.append(info.isDir() && !info.isSymLink() ? path + QLatin1Char('/')
                                                              : QStringLiteral("%1 %2").arg(path).arg(info.size()));
        }
        entries.sort();
        return entries;
    }

    static QString difference(const QStringList &before, const QStringList &after)
    {
        QStringList lines;
        for (const QString &entry : after)
            if (!before.contains(entry))
                lines.append(QStringLiteral("+ ") + entry);
        for (const QString &entry : before)
            if (!after.contains(entry))
                lines.append(QStringLiteral("- ") + entry);
        return lines.join(QLatin1Char('\n'));
    }
    QString m_tar;

private slots:
    void initTestCase()
    {
        const QString berthd = QStringLiteral(BERTH_BIN_DIR "/berthd");
        if (!QFileInfo(berthd).isExecutable())
            QSKIP("berthd is not built; build the berthd target first");
        if (::geteuid() != 0)
            QSKIP("runs a private berthd, which needs root (style.md C24)");
        m_tmp = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/berth-gui-images-XXXXXX"));
        QVERIFY(m_tmp->isValid());
        m_tar = m_tmp->filePath(QStringLiteral("busybox.tar"));
        const CommandResult made = CommandRunner(QProcessEnvironment::systemEnvironment(), 120000)
                                       .run(QStringLiteral("bash"), {QStringLiteral(BERTH_SOURCE_DIR "/installer/make-default-image.sh"), m_tar});
        QVERIFY2(made.exitCode == 0, qPrintable(made.describe()));

        m_helper = std::make_unique<PrivateHelper>(berthd, m_tmp->filePath(QStringLiteral("root")),
                                                   m_tmp->filePath(QStringLiteral("berth.sock")));
        QVERIFY2(m_helper->launch(), qPrintable(m_helper->errorString()));
        QVERIFY2(m_helper->waitUntilAnswering(), qPrintable(m_helper->log()));

        m_connection = std::make_unique<EngineConnection>();
        m_connection->setHelperStartEnabled(false);
        m_page = std::make_unique<ImagesPage>(m_connection.get(), nullptr);
        m_page->resize(1000, 700);
        m_tester = std::make_unique<QAbstractItemModelTester>(m_page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        connect(m_page.get(), &ImagesPage::notify, this, [this](const QString &text, NotificationBar::Kind kind) {
            m_notes.append({text, kind});
        });
        m_page->show();
        const auto endpoint = Client::Endpoint::parse(m_helper->host());
        QVERIFY(endpoint);
        QSignalSpy reloaded(m_page.get(), &ImagesPage::reloaded);
        m_connection->connectTo(*endpoint);
        QTRY_VERIFY_WITH_TIMEOUT(m_connection->isConnected(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!reloaded.isEmpty(), 10000);
        QCOMPARE(m_page->model()->rowCount(), 0);
        screenshot(QStringLiteral("images-empty"));
    }

    void cleanupTestCase()
    {
        m_tester.reset();
        m_page.reset();
        m_connection.reset();
        if (m_helper)
            m_helper->stop(10000);
        m_helper.reset();
        if (m_registry)
            m_registry->stop(5000);
        m_registry.reset();
    }

    void anImportShowsProgressAndTheRowComesFromTheEvent()
    {
        QSignalSpy reloaded(m_page.get(), &ImagesPage::reloaded);
        Client::ImageTransfer *transfer = m_page->importFile(m_tar, QStringLiteral("busybox:latest"));
        QCOMPARE(m_page->progressPanel()->activeCount(), 1);
        QSignalSpy progress(transfer, &Client::ImageTransfer::progress);
        const Status result = finish(transfer);
        QVERIFY2(result, result ? "" : result.error().toString().c_str());
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().at(0).toLongLong(), QFileInfo(m_tar).size());
        QVERIFY2(transfer->messages().value(0).startsWith(QLatin1String("sha256:")), qPrintable(transfer->messages().join(u',')));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(QStringLiteral("busybox:latest")) >= 0, 10000);
        QVERIFY(!reloaded.isEmpty()); // the import event triggered the re-read
        QTRY_COMPARE(m_page->progressPanel()->activeCount(), 0);
        const int row = m_page->model()->rowOf(QStringLiteral("busybox:latest"));
        QCOMPARE(m_page->model()->index(row, ImageListModel::TagColumn).data().toString(), QStringLiteral("latest"));
        QVERIFY(m_page->model()->index(row, ImageListModel::SizeColumn).data(ImageListModel::SortRole).toLongLong() > 100000);
    }

    void theDetailsShowInspectAndHistory()
    {
        QVERIFY(m_page->selectReference(QStringLiteral("busybox:latest")));
        JsonTreeModel *inspect = m_page->inspectView()->model();
        QTRY_VERIFY_WITH_TIMEOUT(inspect->indexForPath(QStringLiteral(".Id")).isValid(), 10000);
        const int row = m_page->model()->rowOf(QStringLiteral("busybox:latest"));
        const QString id = m_page->model()->row(row).id;
        QCOMPARE(inspect->valueText(inspect->indexForPath(QStringLiteral(".Id"))), id);
        QCOMPARE(inspect->valueText(inspect->indexForPath(QStringLiteral(".RepoTags[0]"))), QStringLiteral("busybox:latest"));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->historyModel()->rowCount() >= 1, 10000);
        QCOMPARE(m_page->historyModel()->history().constFirst().id, id);
        screenshot(QStringLiteral("images-details"));
    }

    void removingAnImageWithTwoNamesNeedsForceAsInDocker()
    {
        const int from = int(m_notes.size());
        m_page->tagImage(QStringLiteral("busybox:latest"), QStringLiteral("gui/second:v1"));
        QVERIFY2(waitForNote(QStringLiteral("gui/second:v1"), NotificationBar::Kind::Information, from), qPrintable(notesText()));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(QStringLiteral("gui/second:v1")) >= 0, 10000);
        const QString id = m_page->model()->row(m_page->model()->rowOf(QStringLiteral("busybox:latest"))).id;

        // By ID without force: the engine refuses with docker's words.
        m_page->removeImages({id}, false);
        QVERIFY2(waitForNote(QStringLiteral("must be forced"), NotificationBar::Kind::Warning, from), qPrintable(notesText()));
        QVERIFY(m_page->model()->rowOf(QStringLiteral("gui/second:v1")) >= 0);

        // By name: only that tag goes.
        m_page->removeImages({QStringLiteral("gui/second:v1")}, false);
        QTRY_COMPARE_WITH_TIMEOUT(m_page->model()->rowOf(QStringLiteral("gui/second:v1")), -1, 10000);
        QVERIFY(m_page->model()->rowOf(QStringLiteral("busybox:latest")) >= 0);
    }

    void badNamesAndFilesFailWithTheirNames()
    {
        const int from = int(m_notes.size());
        // "UPPER/case" would be valid (docker reads UPPER as a registry host);
        // an upper-case repository path is not.
        m_page->tagImage(QStringLiteral("busybox:latest"), QStringLiteral("gui/UPPER"));
        QVERIFY2(waitForNote(QStringLiteral("gui/UPPER"), NotificationBar::Kind::Warning, from), qPrintable(notesText()));
        const QString missing = m_tmp->filePath(QStringLiteral("no-such.tar"));
        const Status result = finish(m_page->importFile(missing, QStringLiteral("x:1")));
        QVERIFY(!result);
        QVERIFY(QString::fromStdString(result.error().message()).contains(missing));
        QVERIFY2(waitForNote(missing.section(u'/', -1), NotificationBar::Kind::Warning, from), qPrintable(notesText()));
    }

    void aCancelledSaveLeavesNoFile()
    {
        const QString path = m_tmp->filePath(QStringLiteral("cancelled.tar"));
        Client::ImageTransfer *transfer = m_page->saveImages({QStringLiteral("busybox:latest")}, path);
        // cancel() finishes at once: listen before calling it.
        QSignalSpy finished(transfer, &Client::ImageTransfer::finished);
        transfer->cancel();
        QCOMPARE(finished.size(), 1);
        const Status result = finished.at(0).at(0).value<Status>();
        QVERIFY(!result);
        QCOMPARE(result.error().sysErrno(), ECANCELED);
        QVERIFY(!QFileInfo::exists(path));
    }

    void saveThenLoadBringsTheImageBack()
    {
        const QString path = m_tmp->filePath(QStringLiteral("saved.tar"));
        const Status saved = finish(m_page->saveImages({QStringLiteral("busybox:latest")}, path));
        QVERIFY2(saved, saved ? "" : saved.error().toString().c_str());
        QVERIFY(QFileInfo(path).size() > 100000);

        const QString id = m_page->model()->row(m_page->model()->rowOf(QStringLiteral("busybox:latest"))).id;
        m_page->removeImages({id}, true);
        QTRY_COMPARE_WITH_TIMEOUT(m_page->model()->rowOf(QStringLiteral("busybox:latest")), -1, 10000);

        Client::ImageTransfer *load = m_page->loadFile(path);
        const Status loaded = finish(load);
        QVERIFY2(loaded, loaded ? "" : loaded.error().toString().c_str());
        QVERIFY2(load->messages().join(u'\n').contains(QLatin1String("Loaded image: busybox:latest")),
                 qPrintable(load->messages().join(u'\n')));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(QStringLiteral("busybox:latest")) >= 0, 10000);
        QCOMPARE(m_page->model()->row(m_page->model()->rowOf(QStringLiteral("busybox:latest"))).id, id);
    }

    void pruneRemovesTheDanglingImageAndSaysWhatItReclaimed()
    {
        // An untagged import is dangling.
        Client::ImageTransfer *transfer = m_page->importFile(m_tar, QString());
        const Status result = finish(transfer);
        QVERIFY2(result, result ? "" : result.error().toString().c_str());
        const QString dangling = transfer->messages().value(0);
        QVERIFY(dangling.startsWith(QLatin1String("sha256:")));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(dangling) >= 0, 10000);
        QCOMPARE(m_page->model()->index(m_page->model()->rowOf(dangling), ImageListModel::RepositoryColumn).data().toString(),
                 QStringLiteral("<none>"));
        screenshot(QStringLiteral("images-list"));

        const int from = int(m_notes.size());
        m_page->pruneImages(false);
        QVERIFY2(waitForNote(QStringLiteral("reclaimed"), NotificationBar::Kind::Information, from), qPrintable(notesText()));
        QTRY_COMPARE_WITH_TIMEOUT(m_page->model()->rowOf(dangling), -1, 10000);
        QVERIFY(m_page->model()->rowOf(QStringLiteral("busybox:latest")) >= 0);
    }

    void theFilterNarrowsTheTable()
    {
        m_page->tagImage(QStringLiteral("busybox:latest"), QStringLiteral("gui/filtered:1"));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(QStringLiteral("gui/filtered:1")) >= 0, 10000);
        QCOMPARE(m_page->proxy()->rowCount(), 2);
        m_page->proxy()->setFilterFixedString(QStringLiteral("FILTERED"));
        QCOMPARE(m_page->proxy()->rowCount(), 1);
        m_page->proxy()->setFilterFixedString(QString());
        QCOMPARE(m_page->proxy()->rowCount(), 2);
    }

    // A push to a registry that wants a login fails with 401, the page asks
    // for a login (loginRequested), a wrong password is refused inline, the
    // right one is stored in the CLI's file and the push is retried; the
    // image then comes back by a pull with per-layer progress; a cancelled
    // pull says so.
    void pushAsksForALoginThenPullBringsTheImageBack()
    {
        for (const char *tool : {"docker-registry", "htpasswd"})
            if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty())
                QSKIP(qPrintable(QStringLiteral("%1 is not installed").arg(QString::fromLatin1(tool))));
        QVERIFY2(startRegistry(), m_registry ? qPrintable(m_registry->log()) : "could not start docker-registry");
        const QString server = QStringLiteral("127.0.0.1:%1").arg(m_registryPort);
        const QString reference = server + QStringLiteral("/gui/busybox:v1");
        const Client::CredentialStore store(m_tmp->filePath(QStringLiteral("berth-config/config.json")),
                                            m_tmp->filePath(QStringLiteral("docker-config/config.json")));
        m_page->setCredentialStore(store);
        m_page->setInteractiveLogin(false);

        const Status imported = finish(m_page->importFile(m_tar, QStringLiteral("gui-push-source:latest")));
        QVERIFY2(imported, imported ? "" : imported.error().toString().c_str());
        m_page->tagImage(QStringLiteral("gui-push-source:latest"), reference);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(reference) >= 0, 10000);

        QSignalSpy started(m_page.get(), &ImagesPage::registryTransferStarted);
        QSignalSpy finished(m_page.get(), &ImagesPage::registryTransferFinished);
        QSignalSpy loginRequested(m_page.get(), &ImagesPage::loginRequested);
        m_page->pushImage(reference);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        const Status refused = transferResult(finished, 0);
        QVERIFY(!refused);
        QVERIFY2(Client::RegistryTransfer::isAuthenticationError(refused.error()), refused.error().toString().c_str());
        QCOMPARE(loginRequested.size(), 1);
        QCOMPARE(loginRequested.at(0).at(0).toString(), server);

        // The Login dialog: a wrong password is refused by the registry and
        // the dialog stays open with the reason.
        m_page->askLogin(server, loginRequested.at(0).at(1).toString());
        auto *dialog = m_page->findChild<LoginDialog *>();
        QVERIFY(dialog);
        QPointer<LoginDialog> guard(dialog);
        dialog->submit(QStringLiteral("berth"), QStringLiteral("wrong"));
        QTRY_VERIFY_WITH_TIMEOUT(guard && guard->findChild<QLabel *>(QStringLiteral("loginMessage"))->text().contains(QStringLiteral("Login failed")),
                                 30000);
        QVERIFY(guard && guard->isVisible());
        QVERIFY(!store.lookup(server));
        screenshot(QStringLiteral("images-login-refused"));

        // The right one is stored where `berth login` keeps it, and the
        // push is retried by itself.
        guard->submit(QStringLiteral("berth"), QStringLiteral("gui-secret"));
        QTRY_VERIFY_WITH_TIMEOUT(!guard || !guard->isVisible(), 30000);
        const auto entry = store.lookup(server);
        QVERIFY(entry);
        QCOMPARE(entry->username, QStringLiteral("berth"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 120000);
        const Status pushed = transferResult(finished, 1);
        QVERIFY2(pushed, pushed ? "" : pushed.error().toString().c_str());
        QCOMPARE(started.size(), 2);

        // Gone locally, back by a pull: per-layer progress with final states.
        m_page->removeImages({reference, QStringLiteral("gui-push-source:latest")}, false);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(reference) < 0
                                     && m_page->model()->rowOf(QStringLiteral("gui-push-source:latest")) < 0, 10000);
        Client::RegistryTransfer *pull = m_page->pullImage(reference);
        QVERIFY(pull);
        QCOMPARE(m_page->progressPanel()->activeCount(), 1);
        auto *layers = m_page->progressPanel()->findChild<QTableView *>(QStringLiteral("layerProgress"));
        QVERIFY(layers);
        QSignalSpy layerAdded(pull, &Client::RegistryTransfer::layerAdded);
        QPointer<Client::RegistryTransfer> pullGuard(pull);
        QList<Client::LayerProgress> seen;
        QStringList lines;
        connect(pull, &Client::RegistryTransfer::finished, this, [&seen, &lines, pull] {
            seen = pull->layers();
            lines = pull->statusLines();
        });
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 120000);
        const Status pulled = transferResult(finished, 2);
        QVERIFY2(pulled, pulled ? "" : pulled.error().toString().c_str());
        QVERIFY(!layerAdded.isEmpty());
        QVERIFY(!seen.isEmpty());
        for (const Client::LayerProgress &layer : std::as_const(seen))
            QVERIFY2(layer.done, qPrintable(layer.id + QStringLiteral(": ") + layer.status));
        QVERIFY2(lines.join(u'\n').contains(QLatin1String("Digest: sha256:")), qPrintable(lines.join(u'\n')));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(reference) >= 0, 10000);
        QTRY_COMPARE(m_page->progressPanel()->activeCount(), 0);

        // A cancelled pull finishes at once with ECANCELED and says so.
        const int notes = int(m_notes.size());
        Client::RegistryTransfer *cancelled = m_page->pullImage(server + QStringLiteral("/gui/busybox:v1"));
        cancelled->cancel();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 4, 10000);
        QCOMPARE(transferResult(finished, 3).error().sysErrno(), ECANCELED);
        QVERIFY2(waitForNote(QStringLiteral("Cancelled"), NotificationBar::Kind::Information, notes), qPrintable(notesText()));

        // A reference that does not parse fails with its name, no request sent.
        m_page->pullImage(QStringLiteral("UPPER CASE"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 5, 10000);
        QVERIFY(!transferResult(finished, 4));
        m_page->removeImages({reference}, false);
        m_registry->stop(5000);
        m_registry.reset();
    }

    // A pull started from the Pull dialog and cancelled with the progress
    // panel's Cancel while its large layer downloads leaves berthd's store
    // exactly as it was: its root listed before and after holds no new
    // image, layer, blob or temporary file. The same pull then completes.
    // Then a push cancelled mid-upload leaves no tag in the registry and
    // nothing in berthd's root.
    void aCancelledPullLeavesBerthdsStoreAsItWas()
    {
        for (const char *tool : {"docker-registry", "htpasswd"})
            if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty())
                QSKIP(qPrintable(QStringLiteral("%1 is not installed").arg(QString::fromLatin1(tool))));
        if (!m_registry)
            QVERIFY2(startRegistry(), m_registry ? qPrintable(m_registry->log()) : "could not start docker-registry");
        const QString server = QStringLiteral("127.0.0.1:%1").arg(m_registryPort);
        const QString reference = server + QStringLiteral("/gui/large:v1");
        const Client::CredentialStore store(m_tmp->filePath(QStringLiteral("berth-config/config.json")),
                                            m_tmp->filePath(QStringLiteral("docker-config/config.json")));
        const Status stored = Client::CredentialStore(store).store(server, QStringLiteral("berth"), QStringLiteral("gui-secret"));
        QVERIFY2(stored, stored ? "" : stored.error().toString().c_str());
        m_page->setCredentialStore(store);
        m_page->setInteractiveLogin(false);

        // busybox plus 160 MiB that does not compress: one large layer.
        const QString tree = m_tmp->filePath(QStringLiteral("large-tree"));
        const QString tar = m_tmp->filePath(QStringLiteral("large.tar"));
        QDir().mkpath(tree);
        const CommandRunner runner(QProcessEnvironment::systemEnvironment(), 120000);
        const CommandResult made = runner.run(QStringLiteral("bash"), {QStringLiteral("-c"),
            QStringLiteral("set -e; tar -xf \"$1\" -C \"$2\"; head -c 167772160 /dev/urandom > \"$2/large.bin\"; "
                           "tar -cf \"$3\" -C \"$2\" .; rm -rf \"$2\""),
            QStringLiteral("bash"), m_tar, tree, tar});
        QVERIFY2(made.exitCode == 0, qPrintable(made.describe()));
        const Status imported = finish(m_page->importFile(tar, QStringLiteral("gui-large-source:latest")));
        QVERIFY2(imported, imported ? "" : imported.error().toString().c_str());
        QFile::remove(tar);
        m_page->tagImage(QStringLiteral("gui-large-source:latest"), reference);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(reference) >= 0, 10000);
        QSignalSpy started(m_page.get(), &ImagesPage::registryTransferStarted);
        QSignalSpy finished(m_page.get(), &ImagesPage::registryTransferFinished);
        m_page->pushImage(reference);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 240000);
        const Status pushed = transferResult(finished, 0);
        QVERIFY2(pushed, pushed ? "" : pushed.error().toString().c_str());
        m_page->removeImages({reference, QStringLiteral("gui-large-source:latest")}, false);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(reference) < 0
                                     && m_page->model()->rowOf(QStringLiteral("gui-large-source:latest")) < 0, 20000);
        QTest::qWait(500); // let the removal settle on disk
        const QStringList before = listing(m_helper->root());
        QVERIFY(!before.isEmpty());

        QPointer<Client::RegistryTransfer> pullGuard;
        const QMetaObject::Connection watching = connect(m_page.get(), &ImagesPage::registryTransferStarted, this,
                                                         [&pullGuard](Client::RegistryTransfer *transfer) { pullGuard = transfer; });
        const auto unwatch = qScopeGuard([watching] { QObject::disconnect(watching); });
        // The Pull dialog, filled in and accepted as a user would.
        QTimer::singleShot(0, this, [this, reference] {
            auto *dialog = m_page->findChild<PullDialog *>();
            QVERIFY(dialog);
            dialog->setReference(reference);
            dialog->accept();
        });
        auto *pullAction = m_page->findChild<QAction *>(QStringLiteral("pullAction"));
        QVERIFY(pullAction);
        pullAction->trigger(); // the toolbar's Pull… (Ctrl+Shift+P)
        QTRY_COMPARE_WITH_TIMEOUT(started.size(), 2, 10000);
        QVERIFY(pullGuard);
        // Cancel once the large layer is under way, not finished.
        auto downloading = [&pullGuard] {
            if (!pullGuard)
                return false;
            for (const Client::LayerProgress &layer : pullGuard->layers())
                if (!layer.done && layer.current > 0 && layer.total > 100 * 1024 * 1024 && layer.current < layer.total / 2)
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(downloading() || finished.size() > 1, 60000);
        QCOMPARE(finished.size(), 1); // still running
        // The listing sees the pull's files: the comparison below can fail.
        QTRY_VERIFY_WITH_TIMEOUT(listing(m_helper->root()) != before || finished.size() > 1, 30000);
        QCOMPARE(finished.size(), 1);
        QAbstractButton *cancel = nullptr;
        for (QAbstractButton *button : m_page->progressPanel()->findChildren<QAbstractButton *>(QStringLiteral("transferCancel")))
            if (button->isVisible())
                cancel = button; // the newest row's
        QVERIFY(cancel);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 20000);
        QCOMPARE(transferResult(finished, 1).error().sysErrno(), ECANCELED);
        // berthd sees the client go and removes what it stored.
        QTRY_VERIFY2_WITH_TIMEOUT(listing(m_helper->root()) == before,
                                  qPrintable(difference(before, listing(m_helper->root()))), 30000);
        QCOMPARE(m_page->model()->rowOf(reference), -1);

        // Pulled again, to completion.
        m_page->pullImage(reference);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 240000);
        const Status pulled = transferResult(finished, 2);
        QVERIFY2(pulled, pulled ? "" : pulled.error().toString().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(reference) >= 0, 10000);

        // A push of a large layer the registry does not have, cancelled while
        // it uploads: the registry gets no manifest (no tag), and berthd
        // keeps no spooled upload.
        const QString copy = server + QStringLiteral("/gui/large-copy:v1");
        const CommandResult madeAgain = runner.run(QStringLiteral("bash"), {QStringLiteral("-c"),
            QStringLiteral("set -e; mkdir -p \"$2\"; tar -xf \"$1\" -C \"$2\"; head -c 167772160 /dev/urandom > \"$2/other.bin\"; "
                           "tar -cf \"$3\" -C \"$2\" .; rm -rf \"$2\""),
            QStringLiteral("bash"), m_tar, tree, tar});
        QVERIFY2(madeAgain.exitCode == 0, qPrintable(madeAgain.describe()));
        const Status importedAgain = finish(m_page->importFile(tar, copy));
        QVERIFY2(importedAgain, importedAgain ? "" : importedAgain.error().toString().c_str());
        QFile::remove(tar);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(copy) >= 0, 10000);
        QTest::qWait(500);
        const QStringList beforePush = listing(m_helper->root());
        pullGuard.clear();
        m_page->pushImage(copy);
        QTRY_COMPARE_WITH_TIMEOUT(started.size(), 4, 10000);
        QVERIFY(pullGuard); // the transfer that started last: the push
        QTRY_VERIFY_WITH_TIMEOUT(downloading() || finished.size() > 3, 120000);
        QCOMPARE(finished.size(), 3); // still uploading
        cancel = nullptr;
        for (QAbstractButton *button : m_page->progressPanel()->findChildren<QAbstractButton *>(QStringLiteral("transferCancel")))
            if (button->isVisible())
                cancel = button;
        QVERIFY(cancel);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 4, 20000);
        QCOMPARE(transferResult(finished, 3).error().sysErrno(), ECANCELED);
        const QString tagDir = m_tmp->filePath(QStringLiteral("registry/data/docker/registry/v2/repositories/gui/large-copy/_manifests/tags/v1"));
        QVERIFY2(!QFileInfo::exists(tagDir), qPrintable(tagDir));
        QTRY_VERIFY2_WITH_TIMEOUT(listing(m_helper->root()) == beforePush,
                                  qPrintable(difference(beforePush, listing(m_helper->root()))), 30000);
        QVERIFY(m_page->model()->rowOf(copy) >= 0); // the local image is untouched

        m_page->removeImages({reference, copy}, false);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowOf(reference) < 0 && m_page->model()->rowOf(copy) < 0, 20000);
        m_registry->stop(5000);
        m_registry.reset();
    }

    void losingTheHelperEmptiesNothingAndSaysSo()
    {
        QVERIFY(m_helper->terminate(15000));
        QTRY_VERIFY_WITH_TIMEOUT(!m_connection->isConnected(), 10000);
        // The last list stays for reference; the actions wait for the engine.
        QVERIFY(m_page->model()->rowCount() > 0);
        screenshot(QStringLiteral("images-disconnected"));
    }
};

QTEST_MAIN(tst_ImagesPage)
#include "tst_imagespage.moc"
