#pragma once

#include <QAbstractItemModel>
#include <QJsonValue>

#include <memory>
#include <vector>

namespace Berth::Gui {

// A JSON document as a tree (image and container inspect): columns Key,
// Value; objects and arrays are expandable nodes whose Value column shows
// a summary ("{12}", "[3]"). Keys keep the engine's order of Docker's
// fields as QJsonObject gives them (sorted). path() gives the Go-template
// path of a node (".Config.Env[0]", what `docker inspect -f` takes), and
// valueText() the text to copy (compact JSON for objects and arrays).
class JsonTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { KeyColumn, ValueColumn, ColumnCount };
    enum Role { PathRole = Qt::UserRole + 1, CopyTextRole };

    explicit JsonTreeModel(QObject *parent = nullptr);
    ~JsonTreeModel() override;

    void setJson(const QJsonValue &value);
    QJsonValue json() const { return m_root; }

    QString path(const QModelIndex &index) const;
    QString valueText(const QModelIndex &index) const;
    // The index of a path made by path(), invalid when there is none.
    QModelIndex indexForPath(const QString &path) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node
    {
        Node *parent = nullptr;
        int row = 0;
        QString key;      // object member name; empty for array items
        bool isArrayItem = false;
        QJsonValue value; // scalars only; containers keep children
        QJsonValue::Type type = QJsonValue::Null;
        std::vector<std::unique_ptr<Node>> children;
    };

    static void build(Node *node, const QJsonValue &value);
    static QJsonValue toJson(const Node *node);
    Node *nodeFor(const QModelIndex &index) const;

    QJsonValue m_root;
    std::unique_ptr<Node> m_tree;
};

} // namespace Berth::Gui
