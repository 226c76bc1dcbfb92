#pragma once

#include <QJsonValue>
#include <QWidget>

class QLabel;
class QTreeView;

namespace Berth::Gui {

class JsonTreeModel;

// Inspect output as a collapsible tree with "Copy value" and "Copy path"
// (context menu, Ctrl+C, Ctrl+Shift+C), expand and collapse all, and a
// line that shows the selected node's path. Shared by image and container
// inspect.
class JsonTreeView : public QWidget
{
    Q_OBJECT
public:
    explicit JsonTreeView(QWidget *parent = nullptr);

    void setJson(const QJsonValue &value);
    // Shows a message instead of a document (loading, an error).
    void setMessage(const QString &text);

    JsonTreeModel *model() const { return m_model; }
    QTreeView *treeView() const { return m_tree; }

    void copyValue();
    void copyPath();

private:
    JsonTreeModel *m_model = nullptr;
    QTreeView *m_tree = nullptr;
    QLabel *m_path = nullptr;
};

} // namespace Berth::Gui
