#include <base/result.h>
#include <base/uniquefd.h>

#include <QtTest>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

using namespace Berth;

class tst_Error : public QObject
{
    Q_OBJECT
private slots:
    void contextIsPrintedOutermostFirst()
    {
        Error e(ErrorCode::NotFound, "open /x");
        e.wrap("read config").wrap("start helper");
        QCOMPARE(QString::fromStdString(e.toString()), QStringLiteral("start helper: read config: open /x"));
        QCOMPARE(e.code(), ErrorCode::NotFound);
    }
    void errnoIsNamedInTheMessage()
    {
        errno = ENOENT;
        Result<int> r = failErrno("open /nonexistent");
        QVERIFY(!r);
        QCOMPARE(r.error().code(), ErrorCode::NotFound);
        QVERIFY(QString::fromStdString(r.error().toString()).contains(QLatin1String("ENOENT")));
    }
    void uniqueFdClosesOnDestruction()
    {
        int raw = -1;
        {
            UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            QVERIFY(fd.isValid());
            raw = fd.get();
        }
        QCOMPARE(::fcntl(raw, F_GETFD), -1);
        QCOMPARE(errno, EBADF);
    }
    void uniqueFdMovesOwnership()
    {
        UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        const int raw = a.get();
        UniqueFd b(std::move(a));
        QVERIFY(!a.isValid());
        QCOMPARE(b.get(), raw);
        QVERIFY(::fcntl(raw, F_GETFD) != -1);
    }
};

QTEST_GUILESS_MAIN(tst_Error)
#include "tst_error.moc"
