// A driver for libFuzzer entry points when libFuzzer is not available (any
// compiler but clang): runs every file given (directories are read one level
// deep), then -runs=N deterministic mutations of them (byte flips, inserts
// of the parser's special characters, splices, truncations). Exit status 0
// when nothing crashed; a crash is the finding, with the input on stderr.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QList>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

QList<QByteArray> readInputs(int argc, char **argv, long &runs)
{
    QList<QByteArray> inputs;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "-runs=", 6) == 0) {
            runs = std::strtol(argv[i] + 6, nullptr, 10);
            continue;
        }
        const QFileInfo info(QString::fromLocal8Bit(argv[i]));
        QStringList files;
        if (info.isDir()) {
            for (const QFileInfo &f : QDir(info.filePath()).entryInfoList(QDir::Files, QDir::Name))
                files.append(f.filePath());
        } else {
            files.append(info.filePath());
        }
        for (const QString &path : std::as_const(files)) {
            QFile f(path);
            if (f.open(QIODevice::ReadOnly))
                inputs.append(f.readAll());
        }
    }
    return inputs;
}

// FUZZ_LAST=<file>: each input is written there before it runs, so the
// one that crashed is left behind.
void run(const QByteArray &input)
{
    static const QByteArray last = qgetenv("FUZZ_LAST");
    if (!last.isEmpty()) {
        QFile f(QString::fromLocal8Bit(last));
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            f.write(input);
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(input.constData()), size_t(input.size()));
}

} // namespace

int main(int argc, char **argv)
{
    long runs = 0;
    QList<QByteArray> inputs = readInputs(argc, argv, runs);
    if (inputs.isEmpty())
        inputs.append(QByteArray("FROM busybox\nRUN <<EOF\nx\nEOF\n"));
    for (const QByteArray &input : std::as_const(inputs))
        run(input);
    static const char special[] = "\\`$#{}[]\"'=<-:+?%/\n\r\t \0\xff\xef\xbb\xbf";
    std::mt19937 rng(20261128);
    for (long r = 0; r < runs; ++r) {
        QByteArray m = inputs[rng() % inputs.size()];
        const int edits = 1 + int(rng() % 8);
        for (int e = 0; e < edits; ++e) {
            const qsizetype pos = m.isEmpty() ? 0 : qsizetype(rng() % size_t(m.size() + 1));
            switch (rng() % 5) {
            case 0:
                if (pos < m.size())
                    m[pos] = char(rng() & 0xff);
                break;
            case 1:
                m.insert(pos, special[rng() % (sizeof(special) - 1)]);
                break;
            case 2:
                m.truncate(pos);
                break;
            case 3: {
                const QByteArray &other = inputs[rng() % inputs.size()];
                const qsizetype from = other.isEmpty() ? 0 : qsizetype(rng() % size_t(other.size()));
                m.insert(pos, other.mid(from, qsizetype(rng() % 64)));
                break;
            }
            default:
                m.insert(pos, QByteArray(qsizetype(rng() % 4 + 1), "${<\\"[rng() % 4]));
                break;
            }
        }
        run(m);
    }
    std::printf("replayed %lld inputs and %ld mutations\n", static_cast<long long>(inputs.size()), runs);
    return 0;
}
