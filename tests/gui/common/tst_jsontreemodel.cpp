#include <common/jsontreemodel.h>
#include <common/jsontreeview.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QTreeView>

using namespace Berth::Gui;

namespace {

QJsonObject sample()
{
    return QJsonDocument::fromJson(R"({
        "Id": "sha256:abc",
        "Size": 4261234,
        "Config": {"Env": ["PATH=/usr/bin", "A=b"], "Cmd": ["sh"], "Labels": {"com.example.x": "y"}, "Tty": false},
        "Comment": null,
        "RepoTags": []
    })").object();
}

} // namespace

class tst_JsonTreeModel : public QObject
{
    Q_OBJECT

private slots:
    void theTreeFollowsTheDocument()
    {
        JsonTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setJson(sample());
        QCOMPARE(model.rowCount(), 5);
        // QJsonObject keeps its keys sorted.
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("Comment"));
        QCOMPARE(model.index(0, 1).data().toString(), QStringLiteral("null"));
        const QModelIndex config = model.index(1, 0);
        QCOMPARE(config.data().toString(), QStringLiteral("Config"));
        QCOMPARE(model.index(1, 1).data().toString(), QStringLiteral("{4}"));
        QCOMPARE(model.rowCount(config), 4);
        const QModelIndex env = model.index(1, 0, config);
        QCOMPARE(env.data().toString(), QStringLiteral("Env"));
        QCOMPARE(model.rowCount(env), 2);
        QCOMPARE(model.index(1, 0, env).data().toString(), QStringLiteral("[1]"));
        QCOMPARE(model.index(1, 1, env).data().toString(), QStringLiteral("A=b"));
        QCOMPARE(model.parent(model.index(1, 1, env)), env.siblingAtColumn(0));
        QCOMPARE(model.index(3, 0).data().toString(), QStringLiteral("RepoTags"));
        QCOMPARE(model.index(3, 1).data().toString(), QStringLiteral("[0]"));
        QCOMPARE(model.rowCount(model.index(3, 0)), 0);
        QCOMPARE(model.index(4, 1).data().toString(), QStringLiteral("4261234"));
    }

    void pathsAreGoTemplatePaths_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("value");
        QTest::newRow("root scalar") << ".Id" << "sha256:abc";
        QTest::newRow("array item") << ".Config.Env[1]" << "A=b";
        QTest::newRow("dotted key") << ".Config.Labels[\"com.example.x\"]" << "y";
        QTest::newRow("bool") << ".Config.Tty" << "false";
        QTest::newRow("number") << ".Size" << "4261234";
        QTest::newRow("array") << ".Config.Cmd" << "[\n    \"sh\"\n]";
    }

    void pathsAreGoTemplatePaths()
    {
        QFETCH(QString, path);
        QFETCH(QString, value);
        JsonTreeModel model;
        model.setJson(sample());
        const QModelIndex index = model.indexForPath(path);
        QVERIFY2(index.isValid(), qPrintable(path));
        QCOMPARE(model.path(index), path);
        QCOMPARE(model.valueText(index), value);
        QCOMPARE(index.data(JsonTreeModel::PathRole).toString(), path);
    }

    void unknownPathsFindNothing()
    {
        JsonTreeModel model;
        model.setJson(sample());
        QVERIFY(!model.indexForPath(QStringLiteral(".Nope")).isValid());
        QVERIFY(!model.indexForPath(QStringLiteral(".Config.Env[5]")).isValid());
        QVERIFY(!model.indexForPath(QStringLiteral("Config")).isValid());
    }

    void resettingKeepsTheTesterHappy()
    {
        JsonTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setJson(sample());
        model.setJson(QJsonArray{1, 2, QJsonObject{{QStringLiteral("a"), 1}}});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.path(model.index(0, 0, model.index(2, 0))), QStringLiteral("[2].a"));
        model.setJson(QJsonValue());
        QCOMPARE(model.rowCount(), 0);
    }

    void theViewCopiesValueAndPath()
    {
        JsonTreeView view;
        view.setJson(sample());
        const QModelIndex env = view.model()->indexForPath(QStringLiteral(".Config.Env[0]"));
        QVERIFY(env.isValid());
        view.treeView()->setCurrentIndex(env);
        view.copyValue();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("PATH=/usr/bin"));
        view.copyPath();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral(".Config.Env[0]"));
    }
};

QTEST_MAIN(tst_JsonTreeModel)
#include "tst_jsontreemodel.moc"
