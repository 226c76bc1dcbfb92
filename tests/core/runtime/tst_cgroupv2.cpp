// Berth's cgroup v2 code (Cgroup, Freezer) against a private sub-tree of a
// real cgroup2 mount: /sys/fs/cgroup on a v2 host, /sys/fs/cgroup/unified
// on a v1 hybrid host (where it has no resource controllers, or only
// hugetlb). Root only; skipped when no cgroup2 mount exists. Every cgroup
// the test makes is removed in cleanup(), also after a failure.

#include <runtime/cgroup.h>
#include <runtime/freezer.h>
#include <runtime/spec.h>

#include <QFile>
#include <QString>
#include <QTest>

#include <csignal>
#include <string>
#include <vector>

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace Berth::Runtime;

namespace {

bool isCgroup2(const char *path)
{
    struct statfs fs;
    return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

QString readText(const std::string &path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll());
}

bool exists(const std::string &path)
{
    return access(path.c_str(), F_OK) == 0;
}

// A child that only sleeps: async-signal-safe calls after fork.
pid_t forkSleeper()
{
    const pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    return pid;
}

} // namespace

class tst_CgroupV2 : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (geteuid() != 0)
            QSKIP("needs root: creates cgroups in the cgroup2 hierarchy");
        for (const char *candidate : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
            if (isCgroup2(candidate)) {
                m_mount = candidate;
                break;
            }
        }
        if (m_mount.empty())
            QSKIP("no cgroup2 file system at /sys/fs/cgroup or /sys/fs/cgroup/unified");
        m_parent = "berth-test-cgv2-" + std::to_string(getpid());
        m_spec.parent = m_parent;
        qInfo("cgroup2 mount %s, controllers: %s", m_mount.c_str(),
              qPrintable(readText(m_mount + "/cgroup.controllers").trimmed()));
    }

    void cleanup()
    {
        for (pid_t pid : m_children) {
            ::kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        m_children.clear();
        // Deepest first: the container cgroups, then the private parent.
        for (const char *id : {"c1", "limits", "missing"}) {
            const std::string dir = m_mount + "/" + m_parent + "/" + id;
            if (exists(dir) && rmdir(dir.c_str()) != 0)
                qWarning("cleanup: rmdir %s: %s", dir.c_str(), strerror(errno));
        }
        const std::string parent = m_mount + "/" + m_parent;
        if (!m_parent.empty() && exists(parent) && rmdir(parent.c_str()) != 0)
            qWarning("cleanup: rmdir %s: %s", parent.c_str(), strerror(errno));
    }

    void locateUnifiedRefusesADirectoryThatIsNotCgroup2()
    {
        auto located = Cgroup::locateUnified("/proc", m_spec, "c1");
        QVERIFY(!located);
        QVERIFY2(located.error().message().find("not a cgroup2 mount") != std::string::npos,
                 located.error().message().c_str());
    }

    void createJoinFreezeThawKillAndRemove()
    {
        auto located = Cgroup::locateUnified(m_mount, m_spec, "c1");
        QVERIFY2(located, located ? "" : located.error().toString().c_str());
        Cgroup &cg = *located;
        QVERIFY(cg.isUnified());
        const std::string dir = m_mount + "/" + m_parent + "/c1";
        QCOMPARE(cg.paths(), std::vector<std::string>{dir});

        auto created = cg.create(m_spec, false);
        QVERIFY2(created, created ? "" : created.error().toString().c_str());
        QVERIFY(exists(dir + "/cgroup.procs"));

        const pid_t pid = forkSleeper();
        QVERIFY(pid > 0);
        m_children.push_back(pid);
        auto joined = cg.join(pid);
        QVERIFY2(joined, joined ? "" : joined.error().toString().c_str());
        QVERIFY(readText(dir + "/cgroup.procs").split(u'\n').contains(QString::number(pid)));
        // The process sees itself in the cgroup (0:: is the v2 line).
        const QString self = readText("/proc/" + std::to_string(pid) + "/cgroup");
        QVERIFY2(self.contains(QString::fromStdString("/" + m_parent + "/c1\n")), qPrintable(self));

        auto freezer = Freezer::forCgroup(cg);
        QVERIFY2(freezer, freezer ? "" : freezer.error().toString().c_str());
        QVERIFY(freezer->isUnified());
        QCOMPARE(freezer->path(), dir);
        auto frozen = freezer->isFrozen();
        QVERIFY(frozen && !*frozen);

        auto ok = freezer->freeze();
        QVERIFY2(ok, ok ? "" : ok.error().toString().c_str());
        frozen = freezer->isFrozen();
        QVERIFY(frozen && *frozen);
        // The kernel's own word: cgroup.events says frozen 1, cgroup.freeze 1.
        QVERIFY(readText(dir + "/cgroup.events").contains(QStringLiteral("frozen 1")));
        QCOMPARE(readText(dir + "/cgroup.freeze").trimmed(), QStringLiteral("1"));

        ok = freezer->thaw();
        QVERIFY2(ok, ok ? "" : ok.error().toString().c_str());
        frozen = freezer->isFrozen();
        QVERIFY(frozen && !*frozen);
        QVERIFY(readText(dir + "/cgroup.events").contains(QStringLiteral("frozen 0")));

        // Freeze again, then kill everything: a frozen cgroup's processes
        // still die from SIGKILL.
        ok = freezer->freeze();
        QVERIFY2(ok, ok ? "" : ok.error().toString().c_str());
        ok = cg.killAll();
        QVERIFY2(ok, ok ? "" : ok.error().toString().c_str());
        int status = 0;
        QCOMPARE(waitpid(pid, &status, 0), pid);
        m_children.clear();
        QVERIFY(WIFSIGNALED(status));
        QCOMPARE(WTERMSIG(status), SIGKILL);
        QTRY_VERIFY(readText(dir + "/cgroup.procs").trimmed().isEmpty());
        QVERIFY(readText(dir + "/cgroup.events").contains(QStringLiteral("populated 0")));

        ok = cg.remove();
        QVERIFY2(ok, ok ? "" : ok.error().toString().c_str());
        QVERIFY(!exists(dir));
        // Idempotent: a second remove of a missing directory is fine.
        QVERIFY(cg.remove());
        QVERIFY(cg.killAll());
    }

    void limitsForControllersThatAreNotEnabledFailClearly()
    {
        const QString available = readText(m_mount + "/cgroup.controllers");
        CgroupSpec spec = m_spec;
        // The first of memory, pids, cpu this mount does not offer.
        const QStringList offered = available.simplified().split(u' ', Qt::SkipEmptyParts);
        QString missing;
        for (const QString &controller : {QStringLiteral("memory"), QStringLiteral("pids"), QStringLiteral("cpu")}) {
            if (!offered.contains(controller)) {
                missing = controller;
                break;
            }
        }
        if (missing.isEmpty())
            QSKIP("this cgroup2 mount offers memory, pids and cpu: every limit can be applied");
        if (missing == u"memory")
            spec.memory = 64 * 1024 * 1024;
        else if (missing == u"pids")
            spec.pidsLimit = 100;
        else
            spec.cpuQuota = 50000;

        auto located = Cgroup::locateUnified(m_mount, spec, "missing");
        QVERIFY(located);
        auto created = located->create(spec, false);
        QVERIFY2(!created, "a limit for a controller that is not enabled was accepted");
        const std::string message = created.error().toString();
        qInfo("refused as: %s", message.c_str());
        QVERIFY2(message.find("the " + missing.toStdString() + " controller is not enabled") != std::string::npos,
                 message.c_str());
        QVERIFY2(message.find(m_parent + "/missing") != std::string::npos, message.c_str());
        // Nothing is left behind by the failed create.
        QVERIFY(!exists(m_mount + "/" + m_parent + "/missing"));
    }

    void aCgroupWithoutLimitsNeedsNoControllers()
    {
        auto located = Cgroup::locateUnified(m_mount, m_spec, "limits");
        QVERIFY(located);
        auto created = located->create(m_spec, false);
        QVERIFY2(created, created ? "" : created.error().toString().c_str());
        QVERIFY(exists(m_mount + "/" + m_parent + "/limits"));
        QVERIFY(located->remove());
        QVERIFY(!exists(m_mount + "/" + m_parent + "/limits"));
    }

private:
    std::string m_mount;
    std::string m_parent;
    CgroupSpec m_spec;
    std::vector<pid_t> m_children;
};

QTEST_GUILESS_MAIN(tst_CgroupV2)
#include "tst_cgroupv2.moc"
