#include <containers/containerfilterproxy.h>
#include <containers/containerlistmodel.h>
#include <containers/runoptions.h>

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace Berth::Gui;
using Berth::Client::ContainerSummary;

namespace {

ContainerSummary container(const QString &name, const QString &state, const QString &status, qint64 created = 1700000000)
{
    // As GET /containers/json sends it (engine-api.md 8.3).
    const QJsonObject o{
        {QStringLiteral("Id"), QString(name + QStringLiteral("0123456789abcdef")).repeated(4).left(64)},
        {QStringLiteral("Names"), QJsonArray{QString(QLatin1Char('/') + name)}},
        {QStringLiteral("Image"), QStringLiteral("busybox:latest")},
        {QStringLiteral("ImageID"), QString(QStringLiteral("sha256:") + QString(64, QLatin1Char('a')))},
        {QStringLiteral("Command"), QStringLiteral("sh -c 'sleep 30'")},
        {QStringLiteral("Created"), created},
        {QStringLiteral("State"), state},
        {QStringLiteral("Status"), status},
        {QStringLiteral("Ports"), QJsonArray{QJsonObject{{QStringLiteral("IP"), QStringLiteral("0.0.0.0")},
                                                         {QStringLiteral("PrivatePort"), 80},
                                                         {QStringLiteral("PublicPort"), 8080},
                                                         {QStringLiteral("Type"), QStringLiteral("tcp")}},
                                             QJsonObject{{QStringLiteral("PrivatePort"), 53}, {QStringLiteral("Type"), QStringLiteral("udp")}}}},
        {QStringLiteral("Labels"), QJsonObject{}},
        {QStringLiteral("Mounts"), QJsonArray{}},
    };
    auto c = ContainerSummary::fromJson(o);
    return c ? *c : ContainerSummary();
}

} // namespace

class tst_ContainerListModel : public QObject
{
    Q_OBJECT

private slots:
    void statesReadAsPeopleSayThem_data()
    {
        QTest::addColumn<QString>("state");
        QTest::addColumn<QString>("status");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("process");
        QTest::newRow("running") << "running" << "Up 6 seconds" << "Running" << true;
        QTest::newRow("exited 0") << "exited" << "Exited (0) 10 seconds ago" << "Exited (0)" << false;
        QTest::newRow("exited 137") << "exited" << "Exited (137) 2 hours ago" << "Exited (137)" << false;
        QTest::newRow("paused") << "paused" << "Up 2 minutes (Paused)" << "Paused" << true;
        QTest::newRow("restarting") << "restarting" << "Restarting (1) 5 seconds ago" << "Restarting" << true;
        QTest::newRow("created") << "created" << "Created" << "Created" << false;
        QTest::newRow("dead") << "dead" << "Dead" << "Dead" << false;
    }

    void statesReadAsPeopleSayThem()
    {
        QFETCH(QString, state);
        QFETCH(QString, status);
        QFETCH(QString, text);
        QFETCH(bool, process);
        ContainerListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setContainers({container(QStringLiteral("web"), state, status)});
        const QModelIndex index = model.index(0, ContainerListModel::StateColumn);
        QCOMPARE(index.data().toString(), text);
        QCOMPARE(index.data(ContainerListModel::IsRunningRole).toBool(), process);
        QVERIFY(!index.data(Qt::DecorationRole).isNull());
        QVERIFY(index.data(Qt::ForegroundRole).isValid());
        QCOMPARE(index.data(Qt::ToolTipRole).toString(), status);
    }

    void portsAreListedAndPublishedOnesAreLinks()
    {
        ContainerListModel model;
        model.setContainers({container(QStringLiteral("web"), QStringLiteral("running"), QStringLiteral("Up 1 second"))});
        const QModelIndex ports = model.index(0, ContainerListModel::PortsColumn);
        QCOMPARE(ports.data().toString(), QStringLiteral("0.0.0.0:8080->80/tcp, 53/udp"));
        QCOMPARE(ports.data(ContainerListModel::PortUrlsRole).toStringList(), QStringList{QStringLiteral("http://localhost:8080/")});
        QCOMPARE(model.index(0, ContainerListModel::NameColumn).data().toString(), QStringLiteral("web"));
        QCOMPARE(model.index(0, ContainerListModel::CommandColumn).data().toString(), QStringLiteral("sh -c 'sleep 30'"));
    }

    void eventsUpdateOneRowAtATime()
    {
        ContainerListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setContainers({container(QStringLiteral("a"), QStringLiteral("running"), QStringLiteral("Up 1 second")),
                             container(QStringLiteral("b"), QStringLiteral("exited"), QStringLiteral("Exited (0) 1 second ago"))});
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        ContainerSummary a = model.container(0);
        a.state = QStringLiteral("exited");
        a.status = QStringLiteral("Exited (137) Less than a second ago");
        model.updateContainer(a);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.index(0, ContainerListModel::StateColumn).data().toString(), QStringLiteral("Exited (137)"));
        model.updateContainer(a); // unchanged: no signal
        QCOMPARE(changed.size(), 1);

        model.updateContainer(container(QStringLiteral("c"), QStringLiteral("created"), QStringLiteral("Created")));
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(model.rowCount(), 3);
        model.removeContainer(model.container(1).id);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOf(QStringLiteral("c")), 1);
        model.removeContainer(QStringLiteral("nothing"));
        QCOMPARE(removed.size(), 1);
    }

    void statsFillCpuAndMemoryUntilCleared()
    {
        ContainerListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setContainers({container(QStringLiteral("a"), QStringLiteral("running"), QStringLiteral("Up 1 second"))});
        const QString id = model.container(0).id;
        QCOMPARE(model.index(0, ContainerListModel::CpuColumn).data().toString(), QString());
        // A docker stats object: 0.5 s of CPU over 2 s of system time on 2 CPUs = 50 %.
        const QJsonObject stats = QJsonDocument::fromJson(R"({
            "read": "2026-11-28T01:02:03.5Z",
            "cpu_stats": {"cpu_usage": {"total_usage": 1500000000}, "system_cpu_usage": 6000000000, "online_cpus": 2},
            "precpu_stats": {"cpu_usage": {"total_usage": 1000000000}, "system_cpu_usage": 4000000000},
            "memory_stats": {"usage": 10000000, "limit": 100000000, "stats": {"total_inactive_file": 2000000}},
            "pids_stats": {"current": 3},
            "networks": {"eth0": {"rx_bytes": 10, "tx_bytes": 20}}
        })").object();
        const auto sample = Berth::Client::StatsSample::fromJson(stats);
        QCOMPARE(sample.cpuPercent, 50.0);
        QCOMPARE(sample.memoryUsage, qint64(8000000));
        QCOMPARE(sample.memoryLimit, qint64(100000000));
        QCOMPARE(sample.pids, qint64(3));
        QCOMPARE(sample.networkRx, qint64(10));
        model.setStats(id, sample);
        QVERIFY(model.index(0, ContainerListModel::CpuColumn).data().toString().startsWith(QLatin1String("50")));
        QCOMPARE(model.index(0, ContainerListModel::MemoryColumn).data().toString(), QStringLiteral("8MB"));
        model.clearStats(id);
        QCOMPARE(model.index(0, ContainerListModel::MemoryColumn).data().toString(), QString());
    }

    void theProxyHidesStoppedContainers()
    {
        ContainerListModel model;
        ContainerFilterProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setContainers({container(QStringLiteral("up"), QStringLiteral("running"), QStringLiteral("Up 1 second")),
                             container(QStringLiteral("down"), QStringLiteral("exited"), QStringLiteral("Exited (0) 1 second ago"))});
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setShowStopped(false);
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("up"));
        // It stops: the row leaves the filtered view.
        ContainerSummary up = model.container(0);
        up.state = QStringLiteral("exited");
        model.updateContainer(up);
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setShowStopped(true);
        proxy.setFilterFixedString(QStringLiteral("DOWN"));
        QCOMPARE(proxy.rowCount(), 1);
    }

    void runOptionsBecomeDockersCreateBody()
    {
        RunOptions o;
        o.image = QStringLiteral("busybox");
        o.ports = QStringLiteral("8080:80, 127.0.0.1:8443:443/tcp 53/udp");
        o.environment = QStringLiteral("A=b\n\n C=d e \n");
        o.volumes = QStringLiteral("/srv:/data:ro\ncache:/cache");
        o.command = QStringLiteral("sh -c 'echo hi; sleep 1'");
        o.autoRemove = true;
        const auto body = o.toCreateBody();
        QVERIFY2(body, body ? "" : body.error().message().c_str());
        QCOMPARE(body->value(QStringLiteral("Image")).toString(), QStringLiteral("busybox"));
        QCOMPARE(body->value(QStringLiteral("Cmd")).toArray(),
                 (QJsonArray{QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("echo hi; sleep 1")}));
        QCOMPARE(body->value(QStringLiteral("Env")).toArray(), (QJsonArray{QStringLiteral("A=b"), QStringLiteral("C=d e")}));
        const QJsonObject exposed = body->value(QStringLiteral("ExposedPorts")).toObject();
        QCOMPARE(exposed.keys(), (QStringList{QStringLiteral("443/tcp"), QStringLiteral("53/udp"), QStringLiteral("80/tcp")}));
        const QJsonObject host = body->value(QStringLiteral("HostConfig")).toObject();
        QCOMPARE(host.value(QStringLiteral("AutoRemove")).toBool(), true);
        QCOMPARE(host.value(QStringLiteral("Binds")).toArray(), (QJsonArray{QStringLiteral("/srv:/data:ro"), QStringLiteral("cache:/cache")}));
        const QJsonObject bindings = host.value(QStringLiteral("PortBindings")).toObject();
        QCOMPARE(bindings.value(QStringLiteral("80/tcp")).toArray().at(0).toObject().value(QStringLiteral("HostPort")).toString(),
                 QStringLiteral("8080"));
        QCOMPARE(bindings.value(QStringLiteral("443/tcp")).toArray().at(0).toObject().value(QStringLiteral("HostIp")).toString(),
                 QStringLiteral("127.0.0.1"));
        QVERIFY(!bindings.contains(QStringLiteral("53/udp")));
        QCOMPARE(body->value(QStringLiteral("Tty")).toBool(), false);

        RunOptions plain;
        plain.image = QStringLiteral("busybox");
        plain.interactive = true;
        const auto minimal = plain.toCreateBody();
        QVERIFY(minimal);
        QVERIFY(minimal->value(QStringLiteral("Cmd")).isNull());
        QCOMPARE(minimal->value(QStringLiteral("Tty")).toBool(), true);
        QCOMPARE(minimal->value(QStringLiteral("OpenStdin")).toBool(), true);
    }

    void badRunOptionsAreRefusedWithDockersWords_data()
    {
        QTest::addColumn<QString>("ports");
        QTest::addColumn<QString>("volumes");
        QTest::addColumn<QString>("message");
        QTest::newRow("container port") << "8080:http" << "" << "invalid containerPort: http";
        QTest::newRow("host port") << "99999:80" << "" << "invalid hostPort: 99999";
        QTest::newRow("proto") << "80/icmp" << "" << "invalid proto: icmp";
        QTest::newRow("volume") << "" << "relative" << "invalid volume specification: 'relative'";
        QTest::newRow("volume target") << "" << "/a:b" << "invalid volume specification: '/a:b'";
        QTest::newRow("command") << "" << "" << "invalid command: sh -c 'echo: unbalanced quotes";
        QTest::newRow("substitution") << "" << "" << "invalid command: echo $(id): command substitution is not allowed";
    }

    void badRunOptionsAreRefusedWithDockersWords()
    {
        QFETCH(QString, ports);
        QFETCH(QString, volumes);
        QFETCH(QString, message);
        RunOptions o;
        o.image = QStringLiteral("busybox");
        o.ports = ports;
        o.volumes = volumes;
        if (qstrcmp(QTest::currentDataTag(), "command") == 0)
            o.command = QStringLiteral("sh -c 'echo");
        if (qstrcmp(QTest::currentDataTag(), "substitution") == 0)
            o.command = QStringLiteral("echo $(id)");
        const auto body = o.toCreateBody();
        QVERIFY(!body);
        QCOMPARE(QString::fromStdString(body.error().message()), message);
        RunOptions none;
        QVERIFY(!none.toCreateBody());
    }
};

QTEST_MAIN(tst_ContainerListModel)
#include "tst_containerlistmodel.moc"
