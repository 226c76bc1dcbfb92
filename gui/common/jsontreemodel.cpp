#include "jsontreemodel.h"

#include <QColor>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace Berth::Gui {

JsonTreeModel::JsonTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_tree(std::make_unique<Node>())
{
}

JsonTreeModel::~JsonTreeModel() = default;

void JsonTreeModel::build(Node *node, const QJsonValue &value)
{
    node->type = value.type();
    if (value.isObject()) {
        const QJsonObject o = value.toObject();
        node->children.reserve(size_t(o.size()));
        for (auto it = o.begin(); it != o.end(); ++it) {
            auto child = std::make_unique<Node>();
            child->parent = node;
            child->row = int(node->children.size());
            child->key = it.key();
            build(child.get(), it.value());
            node->children.push_back(std::move(child));
        }
    } else if (value.isArray()) {
        const QJsonArray a = value.toArray();
        node->children.reserve(size_t(a.size()));
        for (qsizetype i = 0; i < a.size(); ++i) {
            auto child = std::make_unique<Node>();
            child->parent = node;
            child->row = int(i);
            child->isArrayItem = true;
            build(child.get(), a.at(i));
            node->children.push_back(std::move(child));
        }
    } else {
        node->value = value;
    }
}

QJsonValue JsonTreeModel::toJson(const Node *node)
{
    if (node->type == QJsonValue::Object) {
        QJsonObject o;
        for (const auto &child : node->children)
            o.insert(child->key, toJson(child.get()));
        return o;
    }
    if (node->type == QJsonValue::Array) {
        QJsonArray a;
        for (const auto &child : node->children)
            a.append(toJson(child.get()));
        return a;
    }
    return node->value;
}

void JsonTreeModel::setJson(const QJsonValue &value)
{
    beginResetModel();
    m_root = value;
    m_tree = std::make_unique<Node>();
    build(m_tree.get(), value);
    endResetModel();
}

JsonTreeModel::Node *JsonTreeModel::nodeFor(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_tree.get();
}

QString JsonTreeModel::path(const QModelIndex &index) const
{
    QString path;
    static const QRegularExpression plainKey(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    for (const Node *node = nodeFor(index); node && node->parent; node = node->parent) {
        if (node->isArrayItem)
            path.prepend(QStringLiteral("[%1]").arg(node->row));
        else if (plainKey.match(node->key).hasMatch())
            path.prepend(QLatin1Char('.') + node->key);
        else // ".Labels["com.example.x"]": Go templates need index for such keys
            path.prepend(QStringLiteral("[\"%1\"]").arg(node->key));
    }
    return path.isEmpty() ? QStringLiteral(".") : path;
}

QString JsonTreeModel::valueText(const QModelIndex &index) const
{
    const Node *node = nodeFor(index);
    switch (node->type) {
    case QJsonValue::Object:
    case QJsonValue::Array: {
        const QJsonValue v = toJson(node);
        return QString::fromUtf8(v.isObject() ? QJsonDocument(v.toObject()).toJson(QJsonDocument::Indented)
                                              : QJsonDocument(v.toArray()).toJson(QJsonDocument::Indented))
            .trimmed();
    }
    case QJsonValue::String:
        return node->value.toString();
    case QJsonValue::Bool:
        return node->value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
        const double d = node->value.toDouble();
        if (d == double(qint64(d)))
            return QString::number(qint64(d));
        return QString::number(d, 'g', 17);
    }
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("null");
}

QModelIndex JsonTreeModel::indexForPath(const QString &path) const
{
    static const QRegularExpression step(QStringLiteral("\\.([A-Za-z_][A-Za-z0-9_]*)|\\[(\\d+)\\]|\\[\"([^\"]*)\"\\]"));
    QModelIndex current;
    qsizetype consumed = 0;
    auto it = step.globalMatch(path);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        if (m.capturedStart() != consumed)
            return {};
        consumed = m.capturedEnd();
        const Node *node = nodeFor(current);
        const Node *found = nullptr;
        if (m.hasCaptured(2)) {
            const int row = m.captured(2).toInt();
            if (node->type == QJsonValue::Array && row < int(node->children.size()))
                found = node->children[size_t(row)].get();
        } else {
            const QString key = m.hasCaptured(1) ? m.captured(1) : m.captured(3);
            if (node->type == QJsonValue::Object) {
                for (const auto &child : node->children) {
                    if (child->key == key) {
                        found = child.get();
                        break;
                    }
                }
            }
        }
        if (!found)
            return {};
        current = createIndex(found->row, 0, const_cast<Node *>(found));
    }
    return consumed == path.size() ? current : QModelIndex();
}

QModelIndex JsonTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    Node *node = nodeFor(parent);
    return createIndex(row, column, node->children[size_t(row)].get());
}

QModelIndex JsonTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const Node *node = nodeFor(child);
    Node *parentNode = node->parent;
    if (!parentNode || parentNode == m_tree.get())
        return {};
    return createIndex(parentNode->row, 0, parentNode);
}

int JsonTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(nodeFor(parent)->children.size());
}

int JsonTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant JsonTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node *node = nodeFor(index);
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == KeyColumn)
            return node->isArrayItem ? QStringLiteral("[%1]").arg(node->row) : node->key;
        if (node->type == QJsonValue::Object)
            return QStringLiteral("{%1}").arg(node->children.size());
        if (node->type == QJsonValue::Array)
            return QStringLiteral("[%1]").arg(node->children.size());
        if (node->type == QJsonValue::String)
            return node->value.toString();
        return valueText(index);
    case Qt::ToolTipRole:
        return path(index);
    case PathRole:
        return path(index);
    case CopyTextRole:
        return valueText(index);
    case Qt::ForegroundRole:
        if (index.column() == ValueColumn) {
            switch (node->type) {
            case QJsonValue::String:
                return QColor(0x2e, 0x7d, 0x32);
            case QJsonValue::Double:
                return QColor(0x15, 0x65, 0xc0);
            case QJsonValue::Bool:
            case QJsonValue::Null:
                return QColor(0x8e, 0x24, 0xaa);
            default:
                return {};
            }
        }
        return {};
    default:
        return {};
    }
}

QVariant JsonTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == KeyColumn ? tr("Key") : tr("Value");
}

} // namespace Berth::Gui
