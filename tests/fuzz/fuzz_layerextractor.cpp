// Fuzz target for layer extraction, the P0 cases of security-checklist.md
// 4.A (entries with "..", absolute paths, symlinks and hardlinks out of the
// layer, the same name as dir/symlink/file, whiteouts under symlinks, bombs):
// the input is a (possibly compressed) layer tar applied by LayerExtractor
// into a fresh directory four levels down a private sandbox. Whatever the
// tar says, the sandbox must afterwards hold exactly what it held before
// plus the layer directory: the canary file unchanged, no new entry
// anywhere else. Refusals must name what was wrong.

#include "fuzzcheck.h"

#include <engine/fsutil.h>
#include <engine/layerextractor.h>

#include <QByteArray>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QStringList>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <sys/mman.h>
#include <unistd.h>

using Berth::Engine::ExtractLimits;
using Berth::Engine::LayerExtractor;
using Berth::Fuzz::check;

namespace {

const QByteArray kCanary = "canary: must never change\n";

struct Sandbox
{
    QString root;  // /tmp/berth-fuzz-layer-XXXXXX
    QString layer; // root/a/b/c/layer

    Sandbox()
    {
        QByteArray tmpl = QDir::tempPath().toLocal8Bit() + "/berth-fuzz-layer-XXXXXX";
        check(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
        root = QString::fromLocal8Bit(tmpl);
        layer = root + QStringLiteral("/a/b/c/layer");
        QFile canary(root + QStringLiteral("/canary"));
        check(canary.open(QIODevice::WriteOnly) && canary.write(kCanary) == kCanary.size(), "write the canary");
    }

    ~Sandbox() { (void)Berth::Engine::Internal::removeTree(root); }

    static Sandbox &sandbox()
    {
        static Sandbox s;
        return s;
    }

    // Every path below root, the layer's own content left out.
    QStringList outsideTheLayer() const
    {
        QStringList out;
        QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            if (!path.startsWith(layer + u'/'))
                out.append(path.mid(root.size()));
        }
        out.sort();
        return out;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Sandbox &box = Sandbox::sandbox();
    check(QDir().mkpath(box.layer), "make the layer dir");

    const int fd = ::memfd_create("layer", MFD_CLOEXEC);
    check(fd >= 0, "memfd_create");
    for (size_t done = 0; done < size;) {
        const ssize_t n = ::write(fd, data + done, size - done);
        check(n > 0, "write the input");
        done += size_t(n);
    }
    check(::lseek(fd, 0, SEEK_SET) == 0, "rewind the input");

    ExtractLimits limits;
    limits.maxEntries = 10000;
    limits.maxUncompressedBytes = 64 * 1024 * 1024; // the bombs stop here
    LayerExtractor extractor(limits);
    const auto diff = extractor.apply(fd, box.layer);
    ::close(fd);
    if (!diff)
        check(!diff.error().message().empty(), "a refused layer says why");

    static const QStringList expected{QStringLiteral("/a"), QStringLiteral("/a/b"), QStringLiteral("/a/b/c"),
                                      QStringLiteral("/a/b/c/layer"), QStringLiteral("/canary")};
    check(box.outsideTheLayer() == expected, "nothing appears or goes outside the layer directory");
    QFile canary(box.root + QStringLiteral("/canary"));
    check(canary.open(QIODevice::ReadOnly) && canary.readAll() == kCanary, "the canary is unchanged");
    // By raw names (a layer may hold names that are not UTF-8), without
    // following a symlink.
    const auto removed = Berth::Engine::Internal::removeTree(box.layer);
    if (!removed)
        std::fprintf(stderr, "%s\n", removed.error().toString().c_str());
    check(removed.has_value(), "the layer dir can be removed");
    return 0;
}
