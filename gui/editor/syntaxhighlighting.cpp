#include "syntaxhighlighting.h"

#include "dockerfilehighlighter.h"

#include <common/guitr.h>

#include <QPalette>
#include <QTextDocument>

#ifdef BERTH_HAVE_KSYNTAXHIGHLIGHTING
#include <KSyntaxHighlighting/Definition>
#include <KSyntaxHighlighting/Repository>
#include <KSyntaxHighlighting/SyntaxHighlighter>
#include <KSyntaxHighlighting/Theme>
#endif

namespace Berth::Gui {

#ifdef BERTH_HAVE_KSYNTAXHIGHLIGHTING
struct SyntaxHighlighting::Private
{
    KSyntaxHighlighting::Repository repository;

    KSyntaxHighlighting::Theme themeFor(const QPalette &palette) const
    {
        return repository.defaultTheme(palette.color(QPalette::Base).lightness() < 128
                                           ? KSyntaxHighlighting::Repository::DarkTheme
                                           : KSyntaxHighlighting::Repository::LightTheme);
    }
};
#else
struct SyntaxHighlighting::Private
{};
#endif

SyntaxHighlighting::SyntaxHighlighting()
    : d(std::make_unique<Private>())
{}

SyntaxHighlighting::~SyntaxHighlighting() = default;

bool SyntaxHighlighting::usesKSyntaxHighlighting()
{
#ifdef BERTH_HAVE_KSYNTAXHIGHLIGHTING
    return true;
#else
    return false;
#endif
}

QString SyntaxHighlighting::backendName() const
{
#ifdef BERTH_HAVE_KSYNTAXHIGHLIGHTING
    return QStringLiteral("KSyntaxHighlighting " BERTH_KSYNTAXHIGHLIGHTING_VERSION);
#else
    return Tr::tr("Berth's built-in Dockerfile highlighter");
#endif
}

QSyntaxHighlighter *SyntaxHighlighting::attach(QTextDocument *document, const QPalette &palette) const
{
#ifdef BERTH_HAVE_KSYNTAXHIGHLIGHTING
    auto *highlighter = new KSyntaxHighlighting::SyntaxHighlighter(document);
    highlighter->setTheme(d->themeFor(palette));
    highlighter->setDefinition(d->repository.definitionForName(QStringLiteral("Dockerfile")));
    highlighter->rehighlight();
    return highlighter;
#else
    auto *highlighter = new DockerfileHighlighter(document);
    highlighter->setPalette(palette);
    return highlighter;
#endif
}

void SyntaxHighlighting::applyPalette(QSyntaxHighlighter *highlighter, const QPalette &palette) const
{
#ifdef BERTH_HAVE_KSYNTAXHIGHLIGHTING
    if (auto *kf = qobject_cast<KSyntaxHighlighting::SyntaxHighlighter *>(highlighter)) {
        kf->setTheme(d->themeFor(palette));
        kf->rehighlight();
        return;
    }
#endif
    if (auto *builtIn = qobject_cast<DockerfileHighlighter *>(highlighter))
        builtIn->setPalette(palette);
}

} // namespace Berth::Gui
