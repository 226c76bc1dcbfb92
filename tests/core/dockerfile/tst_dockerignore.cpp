#include <dockerfile/dockerignore.h>

#include <QtTest>

#include <algorithm>
#include <functional>

using namespace Berth;
using namespace Berth::Dockerfile;

namespace {

QString S(const char *s)
{
    return QString::fromUtf8(s);
}

} // namespace

class tst_DockerIgnore : public QObject
{
    Q_OBJECT
private slots:
    // moby/patternmatcher's own match table, one pattern at a time.
    void singlePatternsMatchLikeDocker_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("excluded");
        const auto row = [](const char *p, const char *f, bool m) {
            QTest::newRow(qPrintable(S(p) + u" ~ " + S(f))) << S(p) << S(f) << m;
        };
        row("**", "file", true);
        row("**", "dir/file", true);
        row("**/", "dir/file", true);
        row("**/**", "dir/file", true);
        row("dir/**", "dir/file", true);
        row("dir/**", "dir/dir2/file", true);
        row("**/dir", "dir", true);
        row("**/dir", "dir/file", true);
        row("**/dir2/*", "dir/dir2/file", true);
        row("**/dir2/**", "dir/dir2/dir3/file", true);
        row("**file", "file", true);
        row("**file", "dir/file", true);
        row("**/file", "dir/file", true);
        row("**file", "dir/dir/file", true);
        row("**/file*", "dir/dir/file.txt", true);
        row("**/file*txt", "dir/dir/file.txt", true);
        row("**/**/*.txt", "dir/dir/file.txt", true);
        row("**/**/*.txt2", "dir/dir/file.txt", false);
        row("**/*.txt", "file.txt", true);
        row("a**/*.txt", "a/file.txt", true);
        row("a**/*.txt", "a/dir/dir/file.txt", true);
        row("a/*.txt", "a/dir/file.txt", false);
        row("a/*.txt", "a/file.txt", true);
        row("a/*.txt**", "a/file.txt", true);
        row("a[b-d]e", "ae", false);
        row("a[b-d]e", "ace", true);
        row("a[b-d]e", "aae", false);
        row("a[^b-d]e", "aze", true);
        row(".*", ".foo", true);
        row(".*", "foo", false);
        row("abc.def", "abcdef", false);
        row("abc.def", "abc.def", true);
        row("abc?def", "abcZdef", true);
        row("abc?def", "abcdef", false);
        row("**/foo/bar", "foo/bar", true);
        row("**/foo/bar", "dir/dir2/foo/bar", true);
        row("abc/**", "abc", false);
        row("abc/**", "abc/def/ghi", true);
        row("**/.foo", ".foo", true);
        row("**/.foo", "bar.foo", false);
        row("a(b)c/def", "a(b)c/def", true);
        row("a(b)c/def", "a(b)c/xyz", false);
        row("a.|)$(}+{bc", "a.|)$(}+{bc", true);
        row("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true);
        row("*", "dir/file", true);           // the parent "dir" matches
        row("dir", "dir/sub/file", true);     // so does any ancestor
        row("dir/", "dir/file", true);        // cleaned to "dir"
        row("/dir", "dir/file", true);        // a leading slash means the context root
        row("./a/../b", "b/c", true);
        row("*.o", "src/x.o", false);         // * never crosses a slash
        row("\\*", "*", true);
        row("\\*", "x", false);
    }
    void singlePatternsMatchLikeDocker()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, path);
        QFETCH(bool, excluded);
        const Result<DockerIgnore> ignore = DockerIgnore::parse(pattern.toUtf8());
        QVERIFY2(ignore, ignore ? "" : ignore.error().message().c_str());
        QCOMPARE(ignore->isExcluded(path), excluded);
    }

    void exceptionsReincludeAndTheLastMatchWins_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("excluded");
        const QString docs = S("docs\n!docs/README.md\n");
        QTest::newRow("excluded dir") << docs << S("docs") << true;
        QTest::newRow("file in excluded dir") << docs << S("docs/guide.md") << true;
        QTest::newRow("re-included file") << docs << S("docs/README.md") << false;
        const QString all = S("*\n!keep\n");
        QTest::newRow("all but keep: x") << all << S("x") << true;
        QTest::newRow("all but keep: keep") << all << S("keep") << false;
        QTest::newRow("all but keep: below keep") << all << S("keep/sub/file") << false;
        const QString vendor = S("**/*.go\n!vendor/**\n");
        QTest::newRow("go file") << vendor << S("cmd/main.go") << true;
        QTest::newRow("vendored go file") << vendor << S("vendor/x/y.go") << false;
        const QString relapse = S("*.md\n!README.md\nREADME.md\n");
        QTest::newRow("last line wins") << relapse << S("README.md") << true;
        const QString comments = S("# a comment\n\n   \n  #not-a-comment\nbuild\r\n");
        QTest::newRow("comment line") << comments << S("# a comment") << false;
        QTest::newRow("indented hash is a pattern") << comments << S("#not-a-comment") << true;
        QTest::newRow("crlf line end") << comments << S("build/out") << true;
        QTest::newRow("bom") << S("\xEF\xBB\xBFsecret\n") << S("secret") << true;
        QTest::newRow("spaces around exception") << S("x\n  ! x/y  \n") << S("x/y") << false;
        QTest::newRow("dockerfile itself") << S("Dockerfile\n.dockerignore\n") << S("Dockerfile") << true;
    }
    void exceptionsReincludeAndTheLastMatchWins()
    {
        QFETCH(QString, file);
        QFETCH(QString, path);
        QFETCH(bool, excluded);
        const Result<DockerIgnore> ignore = DockerIgnore::parse(file.toUtf8());
        QVERIFY2(ignore, ignore ? "" : ignore.error().message().c_str());
        QCOMPARE(ignore->isExcluded(path), excluded);
    }

    void theWalkerCanPruneDirectoriesWithoutExceptions_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("dir");
        QTest::addColumn<bool>("mayContain");
        QTest::newRow("no exceptions") << S("build\n") << S("build") << false;
        QTest::newRow("exception below") << S("docs\n!docs/README.md\n") << S("docs") << true;
        QTest::newRow("exception elsewhere") << S("docs\nother\n!docs/README.md\n") << S("other") << false;
        QTest::newRow("exception deeper") << S("a\n!a/b/c/keep\n") << S("a/b") << true;
        QTest::newRow("exception on a sibling path") << S("a\n!a/b/c/keep\n") << S("a/x") << false;
        // docker's prefix rule: wildcards in the exception do not count.
        QTest::newRow("double star exception") << S("build\n!**/keep\n") << S("build/deep") << false;
        QTest::newRow("wildcard component") << S("src\n!src/*/keep.txt\n") << S("src/module") << false;
        QTest::newRow("exception names the dir") << S("*\n!a\n") << S("a") << true;
    }
    void theWalkerCanPruneDirectoriesWithoutExceptions()
    {
        QFETCH(QString, file);
        QFETCH(QString, dir);
        QFETCH(bool, mayContain);
        const Result<DockerIgnore> ignore = DockerIgnore::parse(file.toUtf8());
        QVERIFY(ignore);
        QCOMPARE(ignore->mayContainReincluded(dir), mayContain);
    }

    // What `docker build` (CLI 28, classic builder on Docker Engine 20.10)
    // sent for each .dockerignore over this tree: recorded with
    // COPY . /ctx && find /ctx -type f.
    void contextWalkMatchesTheDockerCli_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("kept");
        QTest::newRow("1") << S("docs\n!docs/README.md\n")
                           << S(".hidden/file README.md a(b)c a.o build/deep/keep build/other cmd/main.go dir/file docs/README.md "
                                "keep/sub/file notes.md src/x.o vendor/x/y.go x");
        QTest::newRow("2") << S("*\n!keep\n") << S("keep/sub/file");
        QTest::newRow("3") << S("**/*.go\n!vendor/**\n")
                           << S(".hidden/file README.md a(b)c a.o build/deep/keep build/other dir/file docs/README.md docs/guide.md "
                                "keep/sub/file notes.md src/x.o vendor/x/y.go x");
        QTest::newRow("4") << S("*.md\n!README.md\n")
                           << S(".hidden/file README.md a(b)c a.o build/deep/keep build/other cmd/main.go dir/file docs/README.md "
                                "docs/guide.md keep/sub/file src/x.o vendor/x/y.go x");
        QTest::newRow("5") << S("**/keep\n!build/deep\n")
                           << S(".hidden/file README.md a(b)c a.o build/other cmd/main.go dir/file docs/README.md docs/guide.md "
                                "notes.md src/x.o vendor/x/y.go x");
        QTest::newRow("6") << S("build\n!build/deep/keep\n")
                           << S(".hidden/file README.md a(b)c a.o build/deep/keep cmd/main.go dir/file docs/README.md docs/guide.md "
                                "keep/sub/file notes.md src/x.o vendor/x/y.go x");
        QTest::newRow("7") << S("*/*\n") << S("README.md a(b)c a.o notes.md x");
        QTest::newRow("8") << S(".*\n")
                           << S("README.md a(b)c a.o build/deep/keep build/other cmd/main.go dir/file docs/README.md docs/guide.md "
                                "keep/sub/file notes.md src/x.o vendor/x/y.go x");
        QTest::newRow("9") << S("/x\n./a.o\nsrc/../cmd\n")
                           << S(".hidden/file README.md a(b)c build/deep/keep build/other dir/file docs/README.md docs/guide.md "
                                "keep/sub/file notes.md src/x.o vendor/x/y.go");
        QTest::newRow("10") << S("**\n!**/keep\n") << S("keep/sub/file");
        QTest::newRow("11") << S("*\n!*/\n")
                            << S(".hidden/file README.md a(b)c a.o build/deep/keep build/other cmd/main.go dir/file docs/README.md "
                                 "docs/guide.md keep/sub/file notes.md src/x.o vendor/x/y.go x");
        QTest::newRow("12") << S("a[(]b)c\n[^a-z].o\n")
                            << S(".hidden/file README.md a.o build/deep/keep build/other cmd/main.go dir/file docs/README.md "
                                 "docs/guide.md keep/sub/file notes.md src/x.o vendor/x/y.go x");
    }
    void contextWalkMatchesTheDockerCli()
    {
        QFETCH(QString, file);
        QFETCH(QString, kept);
        const QStringList files{S("docs/README.md"), S("docs/guide.md"), S("keep/sub/file"), S("x"), S("vendor/x/y.go"),
                                S("cmd/main.go"), S("a.o"), S("src/x.o"), S("build/deep/keep"), S("build/other"),
                                S("a(b)c"), S(".hidden/file"), S("dir/file"), S("README.md"), S("notes.md")};
        const Result<DockerIgnore> ignore = DockerIgnore::parse(file.toUtf8());
        QVERIFY(ignore);
        // filepath.Walk: entries of a directory in byte order, depth first.
        QStringList sent;
        std::function<void(const QString &, const DockerIgnore::MatchInfo &)> walk = [&](const QString &dir,
                                                                                        const DockerIgnore::MatchInfo &parent) {
            QStringList entries;
            for (const QString &f : files) {
                if (!dir.isEmpty() && !f.startsWith(dir + u'/'))
                    continue;
                const QString rest = dir.isEmpty() ? f : f.mid(dir.size() + 1);
                const QString name = rest.section(u'/', 0, 0);
                if (!entries.contains(name))
                    entries.append(name);
            }
            std::sort(entries.begin(), entries.end(), [](const QString &a, const QString &b) { return a.toUtf8() < b.toUtf8(); });
            for (const QString &name : std::as_const(entries)) {
                const QString rel = dir.isEmpty() ? name : dir + u'/' + name;
                const bool isDir = !files.contains(rel);
                DockerIgnore::MatchInfo info;
                const bool skip = ignore->isExcluded(rel, parent, &info);
                if (isDir) {
                    if (skip && !ignore->mayContainReincluded(rel))
                        continue;
                    walk(rel, info);
                } else if (!skip) {
                    sent.append(rel);
                }
            }
        };
        walk(QString(), {});
        std::sort(sent.begin(), sent.end(), [](const QString &a, const QString &b) { return a.toUtf8() < b.toUtf8(); });
        QCOMPARE(sent.join(u' '), kept);
    }

    void badPatternsNameTheirLine()
    {
        const Result<DockerIgnore> bracket = DockerIgnore::parse("ok\n# c\n[abc\n");
        QVERIFY(!bracket);
        QCOMPARE(QString::fromStdString(bracket.error().message()),
                 S(".dockerignore line 3: syntax error in pattern \"[abc\""));
        const Result<DockerIgnore> bang = DockerIgnore::parse("a\n!\n");
        QVERIFY(!bang);
        QCOMPARE(QString::fromStdString(bang.error().message()),
                 S(".dockerignore line 2: illegal exclusion pattern: \"!\""));
        QVERIFY(!DockerIgnore::parse("x\\").has_value());
        QVERIFY(!DockerIgnore::parse("[]a]").has_value());
        QVERIFY(DockerIgnore::parse("[a-c]x").has_value());
        QVERIFY(!DockerIgnore::fromPatterns({S("!")}).has_value());
    }

    void goMatchSemantics()
    {
        QVERIFY(goPathMatch(u"*.go", u"main.go"));
        QVERIFY(!goPathMatch(u"*.go", u"cmd/main.go"));
        QVERIFY(goPathMatch(u"a?c", u"abc"));
        QVERIFY(!goPathMatch(u"a?c", u"a/c"));
        QVERIFY(goPathMatch(u"[^a]x", u"bx"));
        QVERIFY(goPathMatch(u"\\[x", u"[x"));
        QVERIFY(!isValidGoPattern(u"a["));
        QVERIFY(isValidGoPattern(u"a]"));
    }
};

QTEST_GUILESS_MAIN(tst_DockerIgnore)
#include "tst_dockerignore.moc"
