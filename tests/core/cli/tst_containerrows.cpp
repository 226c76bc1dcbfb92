#include <cli/cpcommand.h>
#include <cli/pscommand.h>
#include <cli/statscommand.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Berth::Cli;

namespace {
QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}
} // namespace

class tst_ContainerRows : public QObject
{
    Q_OBJECT
private slots:
    void psRowsAsDockersContainerContext();
    void untruncatedRowsKeepEverything();
    void portsGroupAsDisplayablePorts_data();
    void portsGroupAsDisplayablePorts();
    void ellipsisCutsAtWidth();
    void statsRowsComputeDockersColumns();
    void cpArgumentsSplitAsDocker();
    void cpPlansFollowPrepareArchiveCopy();
    void cpRebasesEntryNames();
};

void tst_ContainerRows::psRowsAsDockersContainerContext()
{
    // A GET /containers/json item as 20.10 returned it (engine-api.md 8.3).
    const QJsonObject item = json(R"({"Id":"cf2e4233f9057e2e61868e3d22a321711c943fa97e8faa9e9e551247c91a5b25",
        "Names":["/berthprobe-c2"],"Image":"docker.io/library/bb:latest","ImageID":"sha256:6997aaaa",
        "Command":"sh -c 'echo out; echo err >&2; sleep 30'","Created":1000,"State":"running","Status":"Up 6 seconds",
        "Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"}],
        "Labels":{"b":"2","a":"1"},"SizeRw":12,"SizeRootFs":4261550,
        "NetworkSettings":{"Networks":{"none":{},"bridge":{}}},
        "Mounts":[{"Type":"volume","Name":"0123456789abcdef0123","Source":"/var/lib/x","Driver":"local"}]})");
    const QJsonObject r = ContainerRows::row(item, true, 1000 + 3 * 3600);
    QCOMPARE(r.value("ID").toString(), QString("cf2e4233f905"));
    QCOMPARE(r.value("Image").toString(), QString("bb:latest"));
    QCOMPARE(r.value("Command").toString(), QString::fromUtf8("\"sh -c 'echo out; ec…\""));
    QCOMPARE(r.value("RunningFor").toString(), QString("3 hours ago"));
    QCOMPARE(r.value("Status").toString(), QString("Up 6 seconds"));
    QCOMPARE(r.value("State").toString(), QString("running"));
    QCOMPARE(r.value("Ports").toString(), QString("0.0.0.0:8080->80/tcp"));
    QCOMPARE(r.value("Names").toString(), QString("berthprobe-c2"));
    QCOMPARE(r.value("Labels").toString(), QString("a=1,b=2"));
    QCOMPARE(r.value("Size").toString(), QString("12B (virtual 4.26MB)"));
    QCOMPARE(r.value("Networks").toString(), QString("bridge,none"));
    QCOMPARE(r.value("Mounts").toString(), QString::fromUtf8("0123456789abcd…"));
    QCOMPARE(r.value("LocalVolumes").toString(), QString("1"));
}

void tst_ContainerRows::untruncatedRowsKeepEverything()
{
    const QJsonObject item = json(R"({"Id":"cf2e4233f9057e2e61868e3d22a321711c943fa97e8faa9e9e551247c91a5b25",
        "Names":["/a/link","/real"],"Image":"sha256:6997aaaabbbbccccddddeeee","ImageID":"sha256:6997aaaabbbbccccddddeeee",
        "Command":"a \"quoted\" command that is long","Created":1000,"Ports":[],"Labels":null})");
    const QJsonObject t = ContainerRows::row(item, true, 1001);
    QCOMPARE(t.value("Image").toString(), QString("6997aaaabbbb"));
    QCOMPARE(t.value("Names").toString(), QString("real"));
    const QJsonObject r = ContainerRows::row(item, false, 1001);
    QCOMPARE(r.value("ID").toString().size(), 64);
    QCOMPARE(r.value("Image").toString(), QString("sha256:6997aaaabbbbccccddddeeee"));
    QCOMPARE(r.value("Command").toString(), QString("\"a \\\"quoted\\\" command that is long\""));
    QCOMPARE(r.value("Names").toString(), QString("a/link,real"));
    QCOMPARE(r.value("RunningFor").toString(), QString("1 second ago"));
    QCOMPARE(r.value("Size").toString(), QString("0B"));
}

void tst_ContainerRows::portsGroupAsDisplayablePorts_data()
{
    QTest::addColumn<QString>("ports");
    QTest::addColumn<QString>("shown");
    QTest::newRow("none") << "[]" << "";
    QTest::newRow("exposed") << R"([{"PrivatePort":80,"Type":"tcp"}])" << "80/tcp";
    QTest::newRow("exposed range") << R"([{"PrivatePort":81,"Type":"tcp"},{"PrivatePort":80,"Type":"tcp"},{"PrivatePort":82,"Type":"tcp"}])"
                                   << "80-82/tcp";
    QTest::newRow("same public") << R"([{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":80,"Type":"tcp"}])" << "0.0.0.0:80->80/tcp";
    QTest::newRow("mapped") << R"([{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"IP":"::","PrivatePort":80,"PublicPort":8080,"Type":"tcp"}])"
                            << "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp";
    QTest::newRow("mixed") << R"([{"PrivatePort":53,"Type":"udp"},{"IP":"127.0.0.1","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":90,"Type":"tcp"}])"
                           << "53/udp, 90/tcp, 127.0.0.1:8080->80/tcp";
}

void tst_ContainerRows::portsGroupAsDisplayablePorts()
{
    QFETCH(QString, ports);
    QFETCH(QString, shown);
    QCOMPARE(ContainerRows::displayablePorts(QJsonDocument::fromJson(ports.toUtf8()).array()), shown);
}

void tst_ContainerRows::ellipsisCutsAtWidth()
{
    QCOMPARE(ContainerRows::ellipsis("short", 20), QString("short"));
    QCOMPARE(ContainerRows::ellipsis("abcdef", 4), QString::fromUtf8("abc…"));
}

void tst_ContainerRows::statsRowsComputeDockersColumns()
{
    const QJsonObject stats = json(R"({"id":"cf2e4233f9057e2e61868e3d22a321711c943fa97e8faa9e9e551247c91a5b25","name":"/web",
        "read":"2026-11-27T22:36:31Z",
        "cpu_stats":{"cpu_usage":{"total_usage":300000000},"system_cpu_usage":2000000000,"online_cpus":2},
        "precpu_stats":{"cpu_usage":{"total_usage":100000000},"system_cpu_usage":1000000000},
        "memory_stats":{"usage":10485760,"limit":104857600,"stats":{"total_inactive_file":2097152}},
        "networks":{"eth0":{"rx_bytes":1500,"tx_bytes":500},"eth1":{"rx_bytes":500,"tx_bytes":0}},
        "blkio_stats":{"io_service_bytes_recursive":[{"op":"Read","value":4096},{"op":"Write","value":8192},{"op":"read","value":4096}]},
        "pids_stats":{"current":3}})");
    const QJsonObject r = StatsRows::row(stats, "web", true);
    QCOMPARE(r.value("ID").toString(), QString("cf2e4233f905"));
    QCOMPARE(r.value("Name").toString(), QString("web"));
    QCOMPARE(r.value("CPUPerc").toString(), QString("40.00%"));
    QCOMPARE(r.value("MemUsage").toString(), QString("8MiB / 100MiB"));
    QCOMPARE(r.value("MemPerc").toString(), QString("8.00%"));
    QCOMPARE(r.value("NetIO").toString(), QString("2kB / 500B"));
    QCOMPARE(r.value("BlockIO").toString(), QString("8.19kB / 8.19kB"));
    QCOMPARE(r.value("PIDs").toString(), QString("3"));
}

void tst_ContainerRows::cpArgumentsSplitAsDocker()
{
    QCOMPARE(CopyPaths::split("c1:/etc/passwd").container, QString("c1"));
    QCOMPARE(CopyPaths::split("c1:/etc/passwd").path, QString("/etc/passwd"));
    QVERIFY(CopyPaths::split("./a:b").container.isEmpty());
    QVERIFY(CopyPaths::split("/abs:x").container.isEmpty());
    QVERIFY(CopyPaths::split("plain").container.isEmpty());
    QCOMPARE(CopyPaths::split("-").path, QString("-"));
}

void tst_ContainerRows::cpPlansFollowPrepareArchiveCopy()
{
    // Into an existing directory: names kept.
    auto p = CopyPaths::plan("/tmp/d", true, {"/out", true, true});
    QVERIFY(p.has_value());
    QCOMPARE(p->directory, QString("/out"));
    QVERIFY(p->renameFrom.isEmpty());
    // A new name: extracted in the parent, renamed.
    p = CopyPaths::plan("/etc/passwd", false, {"/out/p1", false, false});
    QVERIFY(p.has_value());
    QCOMPARE(p->directory, QString("/out"));
    QCOMPARE(p->renameFrom, QString("passwd"));
    QCOMPARE(p->renameTo, QString("p1"));
    // A directory's contents ("/.") into a new directory.
    p = CopyPaths::plan("/tmp/d/.", true, {"/out/d3", false, false});
    QVERIFY(p.has_value());
    QCOMPARE(p->renameFrom, QString("."));
    QCOMPARE(p->renameTo, QString("d3"));
    // docker's errors.
    auto e = CopyPaths::plan("/tmp/d", true, {"/etc/passwd", true, false});
    QVERIFY(!e);
    QCOMPARE(QString::fromStdString(e.error().message()), QString("cannot copy directory"));
    e = CopyPaths::plan("f.txt", false, {"/nosuchdir/", false, false});
    QVERIFY(!e);
    QCOMPARE(QString::fromStdString(e.error().message()), QString("no such directory"));
}

void tst_ContainerRows::cpRebasesEntryNames()
{
    CopyPaths::Plan p;
    p.directory = "/out";
    p.renameFrom = "d";
    p.renameTo = "x";
    QCOMPARE(CopyPaths::rebase("d", p), QString("x"));
    QCOMPARE(CopyPaths::rebase("d/", p), QString("x/"));
    QCOMPARE(CopyPaths::rebase("d/sub/y", p), QString("x/sub/y"));
    QCOMPARE(CopyPaths::rebase("dd/y", p), QString("dd/y"));
    p.renameFrom = ".";
    QCOMPARE(CopyPaths::rebase("./sub/y", p), QString("x/sub/y"));
    QCOMPARE(CopyPaths::rebase(".", p), QString("x"));
}

QTEST_GUILESS_MAIN(tst_ContainerRows)
#include "tst_containerrows.moc"
