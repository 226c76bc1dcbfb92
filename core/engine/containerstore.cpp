#include "containerstore.h"

#include "atomicfile.h"
#include "enginelogging.h"
#include "fsutil.h"

#include <base/uniquefd.h>

#include <QDir>
#include <QHash>
#include <QJsonDocument>
#include <QMutexLocker>
#include <QRandomGenerator>
#include <QRegularExpression>

#include <QSet>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace Berth::Engine {

using namespace Internal;

namespace {

const QString kRecordFile = QStringLiteral("config.v2.json");
const QString kHostConfigFile = QStringLiteral("hostconfig.json");
constexpr qint64 kMaxRecordSize = 16 * 1024 * 1024;

const char *const kAdjectives[] = {
    "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful", "blissful",
    "bold", "boring", "brave", "busy", "charming", "clever", "compassionate", "competent", "condescending",
    "confident", "cool", "cranky", "crazy", "dazzling", "determined", "distracted", "dreamy", "eager",
    "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic", "exciting", "fervent", "festive",
    "flamboyant", "focused", "friendly", "frosty", "funny", "gallant", "gifted", "goofy", "gracious", "great",
    "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible", "inspiring", "intelligent",
    "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving", "lucid", "magical", "modest",
    "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic", "objective", "optimistic",
    "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical", "recursing",
    "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange",
    "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant",
    "vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen",
};
const char *const kSurnames[] = {
    "agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin", "babbage",
    "banach", "bardeen", "bartik", "bassi", "bell", "bhabha", "bhaskara", "blackwell", "bohr", "booth",
    "borg", "bose", "boyd", "brahmagupta", "brattain", "brown", "carson", "cerf", "chandrasekhar", "chatelet",
    "chatterjee", "chebyshev", "clarke", "colden", "cori", "cray", "curie", "darwin", "davinci", "dijkstra",
    "dubinsky", "easley", "edison", "einstein", "elion", "engelbart", "euclid", "euler", "fermat", "fermi",
    "feynman", "franklin", "galileo", "gates", "goldberg", "goldstine", "golick", "goodall", "hamilton",
    "hawking", "heisenberg", "hermann", "hertz", "hodgkin", "hofstadter", "hoover", "hopper", "hypatia",
    "jackson", "jang", "jennings", "jepsen", "johnson", "joliot", "jones", "kalam", "kapitsa", "keldysh",
    "keller", "kepler", "khorana", "kilby", "kirch", "knuth", "kowalevski", "lalande", "lamarr", "lamport",
    "leakey", "leavitt", "lewin", "lichterman", "liskov", "lovelace", "lumiere", "mahavira", "mayer",
    "mccarthy", "mcclintock", "mclean", "meitner", "mendel", "merkle", "minsky", "mirzakhani", "moore",
    "morse", "napier", "nash", "neumann", "newton", "nobel", "noether", "northcutt", "noyce", "panini",
    "pare", "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "poitras", "ptolemy", "raman",
    "ramanujan", "ride", "ritchie", "robinson", "roentgen", "rosalind", "saha", "sammet", "shannon",
    "shaw", "shirley", "shockley", "sinoussi", "snyder", "spence", "stonebraker", "sutherland", "swanson",
    "swartz", "swirles", "taussig", "tesla", "thompson", "torvalds", "turing", "varahamihira", "visvesvaraya",
    "volhard", "wescoff", "wiles", "williams", "wilson", "wing", "wozniak", "wright", "yalow", "yonath",
};

QJsonArray stringArray(const QStringList &list)
{
    QJsonArray a;
    for (const QString &s : list)
        a.append(s);
    return a;
}

QStringList stringList(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &v : value.toArray())
        out.append(v.toString());
    return out;
}

QJsonObject portToJson(const ContainerPort &p)
{
    return QJsonObject{{QStringLiteral("protocol"), p.protocol},
                       {QStringLiteral("containerPort"), p.containerPort},
                       {QStringLiteral("hostIp"), p.hostIp},
                       {QStringLiteral("hostPort"), p.hostPort}};
}

ContainerPort portFromJson(const QJsonObject &o)
{
    ContainerPort p;
    p.protocol = o.value(QStringLiteral("protocol")).toString(QStringLiteral("tcp"));
    p.containerPort = o.value(QStringLiteral("containerPort")).toInt();
    p.hostIp = o.value(QStringLiteral("hostIp")).toString();
    p.hostPort = o.value(QStringLiteral("hostPort")).toInt();
    return p;
}

std::unexpected<Error> noSuchContainer(const QString &ref)
{
    return failWith(ErrorCode::NotFound, QStringLiteral("No such container: ") + ref);
}

QString nameConflictMessage(const QString &name, const QString &id)
{
    return QStringLiteral("Conflict. The container name \"/%1\" is already in use by container \"%2\". You have to "
                          "remove (or rename) that container to be able to reuse that name.")
        .arg(name, id);
}

} // namespace

QString containerStatusName(ContainerStatus status)
{
    switch (status) {
    case ContainerStatus::Created: return QStringLiteral("created");
    case ContainerStatus::Running: return QStringLiteral("running");
    case ContainerStatus::Paused: return QStringLiteral("paused");
    case ContainerStatus::Restarting: return QStringLiteral("restarting");
    case ContainerStatus::Removing: return QStringLiteral("removing");
    case ContainerStatus::Exited: return QStringLiteral("exited");
    case ContainerStatus::Dead: return QStringLiteral("dead");
    }
    return QStringLiteral("dead");
}

std::optional<ContainerStatus> containerStatusFromName(const QString &name)
{
    static const ContainerStatus all[] = {ContainerStatus::Created, ContainerStatus::Running,
                                          ContainerStatus::Paused, ContainerStatus::Restarting,
                                          ContainerStatus::Removing, ContainerStatus::Exited,
                                          ContainerStatus::Dead};
    for (ContainerStatus s : all) {
        if (containerStatusName(s) == name)
            return s;
    }
    return std::nullopt;
}

QJsonObject ContainerRecord::toJson() const
{
    QJsonObject st{{QStringLiteral("status"), containerStatusName(state.status)},
                   {QStringLiteral("pid"), state.pid},
                   {QStringLiteral("shimPid"), state.shimPid},
                   {QStringLiteral("exitCode"), state.exitCode},
                   {QStringLiteral("error"), state.error},
                   {QStringLiteral("oomKilled"), state.oomKilled},
                   {QStringLiteral("startedAt"), state.startedAt},
                   {QStringLiteral("finishedAt"), state.finishedAt},
                   {QStringLiteral("restartCount"), state.restartCount},
                   {QStringLiteral("manuallyStopped"), state.manuallyStopped},
                   {QStringLiteral("hasBeenStarted"), state.hasBeenStarted}};
    QJsonArray ports;
    for (const ContainerPort &p : network.ports)
        ports.append(portToJson(p));
    QJsonObject net{{QStringLiteral("mode"), network.mode},
                    {QStringLiteral("bridge"), network.bridge},
                    {QStringLiteral("ipAddress"), network.ipAddress},
                    {QStringLiteral("gateway"), network.gateway},
                    {QStringLiteral("prefixLength"), network.prefixLength},
                    {QStringLiteral("macAddress"), network.macAddress},
                    {QStringLiteral("endpointId"), network.endpointId},
                    {QStringLiteral("ports"), ports}};
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("name"), name},
                       {QStringLiteral("created"), created},
                       {QStringLiteral("image"), image},
                       {QStringLiteral("imageId"), imageId.toString()},
                       {QStringLiteral("path"), path},
                       {QStringLiteral("args"), stringArray(args)},
                       {QStringLiteral("config"), config},
                       {QStringLiteral("hostConfig"), hostConfig},
                       {QStringLiteral("networkingConfig"), networkingConfig},
                       {QStringLiteral("mounts"), mounts},
                       {QStringLiteral("state"), st},
                       {QStringLiteral("network"), net},
                       {QStringLiteral("execIds"), stringArray(execIds)},
                       {QStringLiteral("lowerDirs"), stringArray(lowerDirs)}};
}

Result<ContainerRecord> ContainerRecord::fromJson(const QJsonObject &json)
{
    ContainerRecord r;
    r.id = json.value(QStringLiteral("id")).toString();
    if (!Digest::isValidHex(r.id))
        return failWith(ErrorCode::Protocol, QStringLiteral("container record: invalid id \"%1\"").arg(r.id));
    r.name = json.value(QStringLiteral("name")).toString();
    r.created = json.value(QStringLiteral("created")).toString();
    r.image = json.value(QStringLiteral("image")).toString();
    auto imageId = Digest::parse(json.value(QStringLiteral("imageId")).toString());
    if (!imageId)
        return fail(Error(imageId.error()).wrap("container record " + r.id.toStdString() + ": image id"));
    r.imageId = *imageId;
    r.path = json.value(QStringLiteral("path")).toString();
    r.args = stringList(json.value(QStringLiteral("args")));
    r.config = json.value(QStringLiteral("config")).toObject();
    r.hostConfig = json.value(QStringLiteral("hostConfig")).toObject();
    r.networkingConfig = json.value(QStringLiteral("networkingConfig")).toObject();
    r.mounts = json.value(QStringLiteral("mounts")).toArray();
    r.execIds = stringList(json.value(QStringLiteral("execIds")));
    r.lowerDirs = stringList(json.value(QStringLiteral("lowerDirs")));

    const QJsonObject st = json.value(QStringLiteral("state")).toObject();
    auto status = containerStatusFromName(st.value(QStringLiteral("status")).toString());
    if (!status)
        return failWith(ErrorCode::Protocol, QStringLiteral("container record %1: invalid status").arg(r.id));
    r.state.status = *status;
    r.state.pid = st.value(QStringLiteral("pid")).toInteger();
    r.state.shimPid = st.value(QStringLiteral("shimPid")).toInteger();
    r.state.exitCode = st.value(QStringLiteral("exitCode")).toInt();
    r.state.error = st.value(QStringLiteral("error")).toString();
    r.state.oomKilled = st.value(QStringLiteral("oomKilled")).toBool();
    r.state.startedAt = st.value(QStringLiteral("startedAt")).toString();
    r.state.finishedAt = st.value(QStringLiteral("finishedAt")).toString();
    r.state.restartCount = st.value(QStringLiteral("restartCount")).toInt();
    r.state.manuallyStopped = st.value(QStringLiteral("manuallyStopped")).toBool();
    r.state.hasBeenStarted = st.value(QStringLiteral("hasBeenStarted")).toBool();

    const QJsonObject net = json.value(QStringLiteral("network")).toObject();
    r.network.mode = net.value(QStringLiteral("mode")).toString();
    r.network.bridge = net.value(QStringLiteral("bridge")).toString();
    r.network.ipAddress = net.value(QStringLiteral("ipAddress")).toString();
    r.network.gateway = net.value(QStringLiteral("gateway")).toString();
    r.network.prefixLength = net.value(QStringLiteral("prefixLength")).toInt();
    r.network.macAddress = net.value(QStringLiteral("macAddress")).toString();
    r.network.endpointId = net.value(QStringLiteral("endpointId")).toString();
    for (const QJsonValue &p : net.value(QStringLiteral("ports")).toArray())
        r.network.ports.append(portFromJson(p.toObject()));
    return r;
}

namespace {

// temp + rename: readers and a berthd killed at any instant see the old or
// the new content (the page cache survives the process). Making it durable
// against a machine crash is the flusher's job, moments later and off the
// engine thread. The temp name carries AtomicFile's prefix so load() clears
// leftovers.
Status replaceFile(const QString &path, QByteArrayView data, unsigned mode)
{
    const qsizetype slash = path.lastIndexOf(u'/');
    const QString tmpPath = path.left(slash + 1) + QLatin1String(AtomicFile::tempPrefix()) + path.mid(slash + 1);
    const QByteArray tmp = encodePath(tmpPath);
    UniqueFd fd(::open(tmp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd)
        return sysFail(QStringLiteral("create ") + tmpPath, errno);
    const auto failWith = [&](const QString &what, int err) {
        ::unlink(tmp.constData());
        return sysFail(what + tmpPath, err);
    };
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd.get(), data.data() + done, size_t(data.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return failWith(QStringLiteral("write "), n < 0 ? errno : EIO);
        done += n;
    }
    if (::fchmod(fd.get(), mode) != 0)
        return failWith(QStringLiteral("chmod "), errno);
    fd.reset();
    if (::rename(tmp.constData(), encodePath(path).constData()) != 0) {
        const int err = errno;
        ::unlink(tmp.constData());
        return sysFail(QStringLiteral("rename ") + tmpPath + QStringLiteral(" to ") + path, err);
    }
    return {};
}

} // namespace

// fsyncs what replaceFile() renamed into place, on its own thread, each path
// once however often it changed meanwhile; writes what writeLater() was
// given, the last content of each path only. Drained on destruction.
class ContainerStore::Flusher
{
public:
    Flusher() : m_thread([this] { loop(); }) {}
    ~Flusher()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }
    // A file whose content and directory entry are to be made durable.
    void schedule(const QString &path)
    {
        {
            std::lock_guard lock(m_mutex);
            m_pending.insert(path);
        }
        m_wake.notify_one();
    }
    // Replaces `path` by `data` (temp + rename, then fsync) on this thread;
    // a pending write of the same path is replaced. For records whose
    // content a crashed berthd rebuilds anyway: each rename over an old
    // file makes ext4 write the new data back and free the old blocks (a
    // discard on this machine), 0.3-1 ms apiece on the engine thread.
    void writeLater(const QString &path, QByteArray data, unsigned mode)
    {
        {
            std::lock_guard lock(m_mutex);
            m_writes.insert(path, PendingWrite{std::move(data), mode});
        }
        m_wake.notify_one();
    }
    // Drops a pending writeLater() of `path` and waits for one in progress,
    // so that what the caller writes or removes next is not overwritten by
    // older content. The caller serializes its own writes of `path`.
    void supersede(const QString &path)
    {
        std::lock_guard writing(m_writeMutex);
        std::lock_guard lock(m_mutex);
        m_writes.remove(path);
    }
    // A removed container's directory, already renamed out of containers/:
    // deleted here, off the engine thread (on ext4 mounted with discard an
    // unlink waits for the device; a bundle took tens of ms to delete).
    void discard(const QString &tree)
    {
        {
            std::lock_guard lock(m_mutex);
            m_trees.append(tree);
        }
        m_wake.notify_one();
    }

private:
    struct PendingWrite
    {
        QByteArray data;
        unsigned mode = 0600;
    };

    // One pending write at a time, under m_writeMutex (see supersede()).
    bool writeOne()
    {
        std::lock_guard writing(m_writeMutex);
        QString path;
        PendingWrite write;
        {
            std::lock_guard lock(m_mutex);
            if (m_writes.isEmpty())
                return false;
            auto it = m_writes.begin();
            path = it.key();
            write = std::move(it.value());
            m_writes.erase(it);
        }
        // A bundle removed meanwhile has no directory left: nothing to write.
        if (auto ok = replaceFile(path, write.data, write.mode); !ok) {
            if (ok.error().sysErrno() != ENOENT)
                qCWarning(lcEngine).noquote() << QString::fromStdString(ok.error().toString());
            return true;
        }
        std::lock_guard lock(m_mutex);
        m_pending.insert(path);
        return true;
    }

    void loop()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] {
                return m_stop || !m_pending.isEmpty() || !m_trees.isEmpty() || !m_writes.isEmpty();
            });
            if (m_pending.isEmpty() && m_trees.isEmpty() && m_writes.isEmpty())
                return; // stopping, nothing left
            lock.unlock();
            while (writeOne()) {
            }
            lock.lock();
            const QSet<QString> batch = std::exchange(m_pending, {});
            const QStringList trees = std::exchange(m_trees, {});
            lock.unlock();
            QSet<QString> dirs;
            for (const QString &path : batch) {
                // Gone already (a removal): nothing to make durable.
                UniqueFd fd(::open(encodePath(path).constData(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
                if (fd && ::fsync(fd.get()) != 0)
                    qCWarning(lcEngine).noquote() << "fsync" << path << std::strerror(errno);
                dirs.insert(path.left(path.lastIndexOf(u'/')));
            }
            for (const QString &dir : dirs) {
                // A directory scheduled itself (a new bundle) is synced already.
                if (batch.contains(dir) || ::access(encodePath(dir).constData(), F_OK) != 0)
                    continue;
                if (auto ok = syncDirectory(dir); !ok)
                    qCWarning(lcEngine).noquote() << QString::fromStdString(ok.error().toString());
            }
            for (const QString &tree : trees) {
                if (auto ok = removeTree(tree); !ok)
                    qCWarning(lcEngine).noquote() << "removed container's directory" << tree
                                                  << "is left:" << QString::fromStdString(ok.error().toString());
            }
            lock.lock();
        }
    }

    std::mutex m_writeMutex; // held while a writeLater() content is written
    std::mutex m_mutex;
    std::condition_variable m_wake;
    QHash<QString, PendingWrite> m_writes;
    QSet<QString> m_pending;
    QStringList m_trees;
    bool m_stop = false;
    std::thread m_thread; // last: starts after the rest is built
};

ContainerStore::ContainerStore(const QString &root)
    : m_root(root)
    , m_flusher(std::make_unique<Flusher>())
{}

ContainerStore::~ContainerStore() = default;

Result<std::unique_ptr<ContainerStore>> ContainerStore::open(const QString &root)
{
    std::unique_ptr<ContainerStore> store(new ContainerStore(root));
    if (auto ok = makeDirs(store->containersDir(), 0711); !ok)
        return fail(ok.error());
    if (auto ok = makeDirs(store->trashDir(), 0700); !ok)
        return fail(ok.error());
    // Directories of removed containers a stop or crash left undeleted.
    for (const QString &entry : QDir(store->trashDir()).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden))
        store->m_flusher->discard(store->trashDir() + u'/' + entry);
    if (auto ok = store->load(); !ok)
        return fail(ok.error());
    return store;
}

QString ContainerStore::containersDir() const
{
    return m_root + QStringLiteral("/containers");
}

QString ContainerStore::trashDir() const
{
    return m_root + QStringLiteral("/containers-removed");
}

QString ContainerStore::bundlePath(const QString &id) const
{
    return containersDir() + u'/' + id;
}

Status ContainerStore::load()
{
    const QDir dir(containersDir());
    const QStringList entries = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
    for (const QString &entry : entries) {
        const QString bundle = bundlePath(entry);
        AtomicFile::removeLeftovers(bundle);
        auto data = AtomicFile::read(bundle + u'/' + kRecordFile, kMaxRecordSize);
        if (!data) {
            if (data.error().sysErrno() == ENOENT && Digest::isValidHex(entry)) {
                // A crash between mkdir and the first record write, or in
                // the middle of a removal (the record goes first): the
                // container never existed or is already gone.
                qCWarning(lcEngine).noquote() << "removing incomplete container directory" << bundle;
                if (auto ok = removeTree(bundle); !ok)
                    qCWarning(lcEngine).noquote() << QString::fromStdString(ok.error().toString());
            } else {
                qCWarning(lcEngine).noquote() << "skipping" << bundle << QString::fromStdString(data.error().toString());
            }
            continue;
        }
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(*data, &parseError);
        if (!doc.isObject()) {
            qCWarning(lcEngine).noquote() << "skipping" << bundle << "unreadable record:" << parseError.errorString();
            continue;
        }
        auto record = ContainerRecord::fromJson(doc.object());
        if (!record || record->id != entry) {
            qCWarning(lcEngine).noquote() << "skipping" << bundle << "invalid record";
            continue;
        }
        m_containers.insert(record->id, std::move(*record));
    }
    return {};
}

Status ContainerStore::writeRecord(const ContainerRecord &record) const
{
    const QString bundle = bundlePath(record.id);
    // hostconfig.json first: the record is what makes a container exist.
    if (auto ok = AtomicFile::write(bundle + u'/' + kHostConfigFile,
                                    QJsonDocument(record.hostConfig).toJson(QJsonDocument::Compact), 0600);
        !ok)
        return ok;
    return AtomicFile::write(bundle + u'/' + kRecordFile, QJsonDocument(record.toJson()).toJson(QJsonDocument::Compact),
                             0600);
}

QString ContainerStore::newId() const
{
    QMutexLocker lock(&m_mutex);
    for (;;) {
        QByteArray bytes(32, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), 8);
        const QString id = QString::fromLatin1(bytes.toHex());
        // docker avoids ids that look like numbers (they confuse prefix use)
        // and ids whose short form is taken.
        bool numeric = false;
        id.left(12).toLongLong(&numeric, 10);
        if (numeric)
            continue;
        const bool clash = std::any_of(m_containers.keyBegin(), m_containers.keyEnd(),
                                       [&](const QString &other) { return other.left(12) == id.left(12); });
        if (!clash)
            return id;
    }
}

QString ContainerStore::newName() const
{
    QMutexLocker lock(&m_mutex);
    auto *rng = QRandomGenerator::system();
    for (int attempt = 0;; ++attempt) {
        QString name = QString::fromLatin1(kAdjectives[rng->bounded(int(std::size(kAdjectives)))]) + u'_'
            + QString::fromLatin1(kSurnames[rng->bounded(int(std::size(kSurnames)))]);
        if (attempt >= 10)
            name += QString::number(rng->bounded(10));
        if (!idOfNameLocked(name))
            return name;
    }
}

Status ContainerStore::validateName(const QString &name)
{
    static const QRegularExpression valid(QStringLiteral("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$"));
    if (!valid.match(name).hasMatch())
        return failWith(ErrorCode::InvalidArgument,
                        QStringLiteral("Invalid container name (%1), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed").arg(name));
    return {};
}

std::optional<QString> ContainerStore::idOfNameLocked(const QString &name) const
{
    for (auto it = m_containers.cbegin(); it != m_containers.cend(); ++it) {
        if (it->name == name)
            return it.key();
    }
    return std::nullopt;
}

Result<QString> ContainerStore::resolve(const QString &ref) const
{
    if (ref.isEmpty())
        return failWith(ErrorCode::InvalidArgument, QStringLiteral("No container name or ID supplied"));
    QMutexLocker lock(&m_mutex);
    if (m_containers.contains(ref))
        return ref;
    QString name = ref.startsWith(u'/') ? ref.mid(1) : ref;
    if (auto id = idOfNameLocked(name))
        return *id;
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]+$"));
    if (!hex.match(ref).hasMatch())
        return noSuchContainer(ref);
    QString found;
    for (auto it = m_containers.cbegin(); it != m_containers.cend(); ++it) {
        if (it.key().startsWith(ref)) {
            if (!found.isEmpty())
                return failWith(ErrorCode::InvalidArgument,
                                QStringLiteral("multiple IDs found with provided prefix: ") + ref);
            found = it.key();
        }
    }
    if (found.isEmpty())
        return noSuchContainer(ref);
    return found;
}

Result<ContainerRecord> ContainerStore::find(const QString &ref) const
{
    auto id = resolve(ref);
    if (!id)
        return fail(id.error());
    auto record = get(*id);
    if (!record)
        return noSuchContainer(ref); // removed in between
    return std::move(*record);
}

std::optional<ContainerRecord> ContainerStore::get(const QString &id) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_containers.constFind(id);
    if (it == m_containers.cend())
        return std::nullopt;
    return *it;
}

QList<ContainerRecord> ContainerStore::list() const
{
    QList<ContainerRecord> out;
    {
        QMutexLocker lock(&m_mutex);
        out = m_containers.values();
    }
    std::stable_sort(out.begin(), out.end(), [](const ContainerRecord &a, const ContainerRecord &b) {
        return a.created > b.created; // RFC 3339 nano in UTC sorts as text
    });
    return out;
}

int ContainerStore::count() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_containers.size());
}

Status ContainerStore::add(const ContainerRecord &record)
{
    if (!Digest::isValidHex(record.id))
        return failWith(ErrorCode::InvalidArgument, QStringLiteral("invalid container id \"%1\"").arg(record.id));
    if (auto ok = validateName(record.name); !ok)
        return ok;
    QMutexLocker lock(&m_mutex);
    if (m_containers.contains(record.id))
        return failWith(ErrorCode::Conflict, QStringLiteral("container %1 already exists").arg(record.id));
    if (auto other = idOfNameLocked(record.name))
        return failWith(ErrorCode::Conflict, nameConflictMessage(record.name, *other));
    const QString bundle = bundlePath(record.id);
    if (::mkdir(encodePath(bundle).constData(), 0710) != 0)
        return sysFail(QStringLiteral("create container directory ") + bundle, errno);
    // Renamed into place before the client hears of the container, so a
    // berthd killed from here on restarts with it. The flusher then makes
    // both files and both directory entries (the files in the bundle, the
    // bundle in containers/) durable against a machine crash, off the engine
    // thread: four fsyncs here cost 1-4 ms of every create on this disk, and
    // a `run --rm` container is often gone before they would finish. A crash
    // in that window loses the container, or leaves a record load() skips
    // with a warning; it never leaves one half-read.
    const QString hostConfigPath = bundle + u'/' + kHostConfigFile;
    const QString recordPath = bundle + u'/' + kRecordFile;
    Status ok = replaceFile(hostConfigPath, QJsonDocument(record.hostConfig).toJson(QJsonDocument::Compact), 0600);
    if (ok)
        ok = replaceFile(recordPath, QJsonDocument(record.toJson()).toJson(QJsonDocument::Compact), 0600);
    if (!ok) {
        removeTree(bundle);
        return ok;
    }
    m_flusher->schedule(hostConfigPath);
    m_flusher->schedule(recordPath);
    m_flusher->schedule(bundle); // the bundle's own entry: syncs containers/
    m_containers.insert(record.id, record);
    return {};
}

Status ContainerStore::save(const ContainerRecord &record)
{
    QMutexLocker lock(&m_mutex);
    if (!m_containers.contains(record.id))
        return noSuchContainer(record.id);
    m_flusher->supersede(bundlePath(record.id) + u'/' + kRecordFile);
    if (auto ok = writeRecord(record); !ok)
        return ok;
    m_containers[record.id] = record;
    return {};
}

Result<ContainerRecord> ContainerStore::update(const QString &id, const std::function<void(ContainerRecord &)> &change,
                                               Write write)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_containers.find(id);
    if (it == m_containers.end())
        return noSuchContainer(id);
    ContainerRecord copy = *it;
    change(copy);
    copy.id = id;
    QJsonObject before = it->toJson();
    QJsonObject after = copy.toJson();
    if (before == after) {
        *it = copy;
        return copy;
    }
    // Run state only: adoption rebuilds it from the runtime after a crash.
    for (const QLatin1String key : {QLatin1String("state"), QLatin1String("network"), QLatin1String("execIds")}) {
        before.remove(key);
        after.remove(key);
    }
    const QString recordPath = bundlePath(id) + u'/' + kRecordFile;
    if (before == after && write == Write::Later) {
        // Written (and fsync'ed) by the flusher, off this thread: the record
        // in memory is what every reader sees.
        m_flusher->writeLater(recordPath, QJsonDocument(copy.toJson()).toJson(QJsonDocument::Compact), 0600);
        *it = copy;
        return copy;
    }
    // Whatever is written now must not be overwritten by an older pending write.
    m_flusher->supersede(recordPath);
    if (before == after) {
        if (auto ok = replaceFile(recordPath, QJsonDocument(copy.toJson()).toJson(QJsonDocument::Compact), 0600); !ok)
            return fail(ok.error());
        m_flusher->schedule(recordPath);
    } else if (copy.hostConfig == it->hostConfig) {
        if (auto ok = AtomicFile::write(recordPath, QJsonDocument(copy.toJson()).toJson(QJsonDocument::Compact), 0600);
            !ok)
            return fail(ok.error());
    } else if (auto ok = writeRecord(copy); !ok) {
        return fail(ok.error());
    }
    *it = copy;
    return copy;
}

Status ContainerStore::writeBundleFile(const QString &id, const QString &name, QByteArrayView data, unsigned mode)
{
    {
        QMutexLocker lock(&m_mutex);
        if (!m_containers.contains(id))
            return noSuchContainer(id);
    }
    // No fsync: these are runtime inputs, rewritten before every start. A
    // killed berthd finds them in the page cache; after a machine crash no
    // container runs on them, and the next start writes them again. (Five
    // background fsyncs per start queued journal commits in front of the
    // ones create and the record really need.)
    return replaceFile(bundlePath(id) + u'/' + name, data, mode);
}

Status ContainerStore::rename(const QString &id, const QString &newName)
{
    const QString name = newName.startsWith(u'/') ? newName.mid(1) : newName;
    if (auto ok = validateName(name); !ok)
        return ok;
    QMutexLocker lock(&m_mutex);
    auto it = m_containers.find(id);
    if (it == m_containers.end())
        return noSuchContainer(id);
    if (it->name == name)
        return failWith(ErrorCode::InvalidArgument, QStringLiteral("Renaming a container with the same name as its current name"));
    if (auto other = idOfNameLocked(name))
        return failWith(ErrorCode::Conflict, nameConflictMessage(name, *other));
    ContainerRecord copy = *it;
    copy.name = name;
    m_flusher->supersede(bundlePath(id) + u'/' + kRecordFile);
    if (auto ok = writeRecord(copy); !ok)
        return ok;
    *it = copy;
    return {};
}

Status ContainerStore::remove(const QString &id)
{
    QMutexLocker lock(&m_mutex);
    if (!m_containers.contains(id))
        return noSuchContainer(id);
    const QString bundle = bundlePath(id);
    m_flusher->supersede(bundle + u'/' + kRecordFile);
    // Never recurse into a root that is still mounted (a bind mount in it
    // would take host files with it): rootfs/ must be on the bundle's device.
    struct stat bundleStat {};
    struct stat rootStat {};
    if (::lstat(encodePath(bundle).constData(), &bundleStat) == 0
        && ::lstat(encodePath(bundle + QStringLiteral("/rootfs")).constData(), &rootStat) == 0
        && bundleStat.st_dev != rootStat.st_dev)
        return failWith(ErrorCode::Conflict,
                        QStringLiteral("remove container %1: its root filesystem is still mounted at %2/rootfs").arg(id, bundle));
    // One rename takes the bundle, record and all, out of containers/: the
    // container is gone at once (and after a crash, load() never sees it);
    // the files are deleted on the flusher's thread.
    const QString trash = trashDir() + u'/' + id + u'-'
        + QString::number(QRandomGenerator::global()->generate64(), 16);
    if (::rename(encodePath(bundle).constData(), encodePath(trash).constData()) == 0) {
        m_containers.remove(id);
        m_flusher->schedule(bundle); // syncs containers/ (the bundle is gone)
        m_flusher->discard(trash);
        return {};
    }
    qCWarning(lcEngine).noquote() << "move" << bundle << "to" << trash << std::strerror(errno)
                                  << "- removing it in place";
    if (::unlink(encodePath(bundle + u'/' + kRecordFile).constData()) != 0 && errno != ENOENT)
        return sysFail(QStringLiteral("remove container record in ") + bundle, errno);
    m_containers.remove(id);
    if (auto ok = removeTree(bundle); !ok)
        qCWarning(lcEngine).noquote() << "container" << id << "removed, but its directory is not:"
                                      << QString::fromStdString(ok.error().toString());
    // The flusher syncs the containers directory (the bundle is gone): the
    // journal keeps the record's unlink ahead of the tree's removal.
    m_flusher->schedule(bundle);
    return {};
}

std::optional<ImageUsage> ContainerStore::imageUsage(const Digest &imageId) const
{
    QMutexLocker lock(&m_mutex);
    std::optional<ImageUsage> found;
    for (const ContainerRecord &r : m_containers) {
        if (r.imageId != imageId)
            continue;
        if (r.isRunning())
            return ImageUsage{r.id, true};
        if (!found)
            found = ImageUsage{r.id, false};
    }
    return found;
}

} // namespace Berth::Engine
