#include "containerconfig.h"

#include "mountconfig.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <csignal>

namespace Berth::Daemon::ContainerConfig {

using Engine::ContainerRecord;

namespace {

constexpr qint64 kMinMemory = 6 * 1024 * 1024;
constexpr qint64 kDefaultCpuPeriod = 100000;

std::unexpected<Error> invalid(const QString &message)
{
    return fail(ErrorCode::InvalidArgument, message.toStdString());
}

const QStringList &defaultCapabilities()
{
    static const QStringList caps{
        QStringLiteral("CAP_CHOWN"),      QStringLiteral("CAP_DAC_OVERRIDE"), QStringLiteral("CAP_FSETID"),
        QStringLiteral("CAP_FOWNER"),     QStringLiteral("CAP_MKNOD"),        QStringLiteral("CAP_NET_RAW"),
        QStringLiteral("CAP_SETGID"),     QStringLiteral("CAP_SETUID"),       QStringLiteral("CAP_SETFCAP"),
        QStringLiteral("CAP_SETPCAP"),    QStringLiteral("CAP_NET_BIND_SERVICE"), QStringLiteral("CAP_SYS_CHROOT"),
        QStringLiteral("CAP_KILL"),       QStringLiteral("CAP_AUDIT_WRITE"),
    };
    return caps;
}

// Every capability the kernel headers this engine targets know (0..40).
const QStringList &allCapabilities()
{
    static const QStringList caps{
        QStringLiteral("CAP_CHOWN"), QStringLiteral("CAP_DAC_OVERRIDE"), QStringLiteral("CAP_DAC_READ_SEARCH"),
        QStringLiteral("CAP_FOWNER"), QStringLiteral("CAP_FSETID"), QStringLiteral("CAP_KILL"),
        QStringLiteral("CAP_SETGID"), QStringLiteral("CAP_SETUID"), QStringLiteral("CAP_SETPCAP"),
        QStringLiteral("CAP_LINUX_IMMUTABLE"), QStringLiteral("CAP_NET_BIND_SERVICE"),
        QStringLiteral("CAP_NET_BROADCAST"), QStringLiteral("CAP_NET_ADMIN"), QStringLiteral("CAP_NET_RAW"),
        QStringLiteral("CAP_IPC_LOCK"), QStringLiteral("CAP_IPC_OWNER"), QStringLiteral("CAP_SYS_MODULE"),
        QStringLiteral("CAP_SYS_RAWIO"), QStringLiteral("CAP_SYS_CHROOT"), QStringLiteral("CAP_SYS_PTRACE"),
        QStringLiteral("CAP_SYS_PACCT"), QStringLiteral("CAP_SYS_ADMIN"), QStringLiteral("CAP_SYS_BOOT"),
        QStringLiteral("CAP_SYS_NICE"), QStringLiteral("CAP_SYS_RESOURCE"), QStringLiteral("CAP_SYS_TIME"),
        QStringLiteral("CAP_SYS_TTY_CONFIG"), QStringLiteral("CAP_MKNOD"), QStringLiteral("CAP_LEASE"),
        QStringLiteral("CAP_AUDIT_WRITE"), QStringLiteral("CAP_AUDIT_CONTROL"), QStringLiteral("CAP_SETFCAP"),
        QStringLiteral("CAP_MAC_OVERRIDE"), QStringLiteral("CAP_MAC_ADMIN"), QStringLiteral("CAP_SYSLOG"),
        QStringLiteral("CAP_WAKE_ALARM"), QStringLiteral("CAP_BLOCK_SUSPEND"), QStringLiteral("CAP_AUDIT_READ"),
        QStringLiteral("CAP_PERFMON"), QStringLiteral("CAP_BPF"), QStringLiteral("CAP_CHECKPOINT_RESTORE"),
    };
    return caps;
}

QString normalizeCap(const QString &cap)
{
    QString c = cap.toUpper();
    if (c == QLatin1String("ALL"))
        return c;
    if (!c.startsWith(QLatin1String("CAP_")))
        c.prepend(QStringLiteral("CAP_"));
    return c;
}

QStringList stringList(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &v : value.toArray())
        out.append(v.toString());
    return out;
}

QJsonArray toArray(const QStringList &list)
{
    QJsonArray a;
    for (const QString &s : list)
        a.append(s);
    return a;
}

QString envKey(const QString &entry)
{
    const qsizetype eq = entry.indexOf(u'=');
    return eq < 0 ? entry : entry.left(eq);
}

// "10m", "1g", "512k", "100" -> bytes (docker's RAMInBytes, for log max-size).
std::optional<qint64> parseSize(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^(\\d+(?:\\.\\d+)?)\\s*([kKmMgGtT]?)[bB]?$"));
    const auto m = re.match(text.trimmed());
    if (!m.hasMatch())
        return std::nullopt;
    double v = m.captured(1).toDouble();
    const QString unit = m.captured(2).toLower();
    if (unit == QLatin1String("k"))
        v *= 1024;
    else if (unit == QLatin1String("m"))
        v *= 1024.0 * 1024;
    else if (unit == QLatin1String("g"))
        v *= 1024.0 * 1024 * 1024;
    else if (unit == QLatin1String("t"))
        v *= 1024.0 * 1024 * 1024 * 1024;
    return qint64(v);
}

bool isNullOrEmptyArray(const QJsonValue &v)
{
    return v.isNull() || v.isUndefined() || (v.isArray() && v.toArray().isEmpty());
}

// Config.Volumes: the request's plus the image's (dockerd's merge); null
// when neither has any.
QJsonValue mergedVolumes(const QJsonValue &request, const QJsonValue &image)
{
    QJsonObject merged = image.toObject();
    const QJsonObject requested = request.toObject();
    for (auto it = requested.begin(); it != requested.end(); ++it)
        merged.insert(it.key(), QJsonObject());
    if (merged.isEmpty())
        return request.isObject() || image.isObject() ? QJsonValue(QJsonObject()) : QJsonValue();
    return merged;
}

QString shellQuote(const QString &word)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    if (!word.isEmpty() && safe.match(word).hasMatch())
        return word;
    QString q = word;
    q.replace(u'\'', QStringLiteral("'\"'\"'"));
    return u'\'' + q + u'\'';
}

} // namespace

int parseSignal(const QString &text)
{
    static const QMap<QString, int> names{
        {QStringLiteral("HUP"), SIGHUP},   {QStringLiteral("INT"), SIGINT},     {QStringLiteral("QUIT"), SIGQUIT},
        {QStringLiteral("ILL"), SIGILL},   {QStringLiteral("TRAP"), SIGTRAP},   {QStringLiteral("ABRT"), SIGABRT},
        {QStringLiteral("IOT"), SIGIOT},   {QStringLiteral("BUS"), SIGBUS},     {QStringLiteral("FPE"), SIGFPE},
        {QStringLiteral("KILL"), SIGKILL}, {QStringLiteral("USR1"), SIGUSR1},   {QStringLiteral("SEGV"), SIGSEGV},
        {QStringLiteral("USR2"), SIGUSR2}, {QStringLiteral("PIPE"), SIGPIPE},   {QStringLiteral("ALRM"), SIGALRM},
        {QStringLiteral("TERM"), SIGTERM}, {QStringLiteral("STKFLT"), SIGSTKFLT}, {QStringLiteral("CHLD"), SIGCHLD},
        {QStringLiteral("CONT"), SIGCONT}, {QStringLiteral("STOP"), SIGSTOP},   {QStringLiteral("TSTP"), SIGTSTP},
        {QStringLiteral("TTIN"), SIGTTIN}, {QStringLiteral("TTOU"), SIGTTOU},   {QStringLiteral("URG"), SIGURG},
        {QStringLiteral("XCPU"), SIGXCPU}, {QStringLiteral("XFSZ"), SIGXFSZ},   {QStringLiteral("VTALRM"), SIGVTALRM},
        {QStringLiteral("PROF"), SIGPROF}, {QStringLiteral("WINCH"), SIGWINCH}, {QStringLiteral("IO"), SIGIO},
        {QStringLiteral("POLL"), SIGPOLL}, {QStringLiteral("PWR"), SIGPWR},     {QStringLiteral("SYS"), SIGSYS},
    };
    bool ok = false;
    const int n = text.toInt(&ok);
    if (ok)
        return n > 0 && n <= SIGRTMAX ? n : 0;
    QString name = text.toUpper();
    if (name.startsWith(QLatin1String("SIG")))
        name = name.mid(3);
    if (names.contains(name))
        return names.value(name);
    static const QRegularExpression rt(QStringLiteral("^RTMIN\\+(\\d+)$"));
    if (const auto m = rt.match(name); m.hasMatch()) {
        const int s = SIGRTMIN + m.captured(1).toInt();
        return s <= SIGRTMAX ? s : 0;
    }
    return 0;
}

QString signalName(int signal)
{
    return QString::number(signal);
}

int stopSignal(const ContainerRecord &record)
{
    const int s = parseSignal(record.config.value(QStringLiteral("StopSignal")).toString());
    return s > 0 ? s : SIGTERM;
}

int stopTimeout(const ContainerRecord &record)
{
    const QJsonValue t = record.config.value(QStringLiteral("StopTimeout"));
    return t.isDouble() ? t.toInt() : 10;
}

QString commandLine(const ContainerRecord &record)
{
    QStringList words;
    if (!record.path.isEmpty())
        words.append(shellQuote(record.path));
    for (const QString &a : record.args)
        words.append(shellQuote(a));
    return words.join(u' ');
}

Result<QStringList> capabilities(const QJsonArray &capAdd, const QJsonArray &capDrop)
{
    const QStringList &all = allCapabilities();
    QStringList add, drop;
    for (const QJsonValue &v : capAdd) {
        const QString c = normalizeCap(v.toString());
        if (c != QLatin1String("ALL") && !all.contains(c))
            return invalid(QStringLiteral("invalid CapAdd: unknown capability: \"%1\"").arg(c));
        add.append(c);
    }
    for (const QJsonValue &v : capDrop) {
        const QString c = normalizeCap(v.toString());
        if (c != QLatin1String("ALL") && !all.contains(c))
            return invalid(QStringLiteral("invalid CapDrop: unknown capability: \"%1\"").arg(c));
        drop.append(c);
    }
    // moby's TweakCapabilities: ALL in add wins over a plain drop list;
    // ALL in drop starts from nothing, then adds.
    QStringList caps;
    if (add.contains(QLatin1String("ALL"))) {
        caps = all;
        for (const QString &d : drop)
            caps.removeAll(d);
        return caps;
    }
    if (!drop.contains(QLatin1String("ALL"))) {
        for (const QString &c : defaultCapabilities()) {
            if (!drop.contains(c))
                caps.append(c);
        }
    }
    for (const QString &a : add) {
        if (!caps.contains(a))
            caps.append(a);
    }
    return caps;
}

QString humanDuration(qint64 seconds)
{
    if (seconds < 1)
        return QStringLiteral("Less than a second");
    if (seconds == 1)
        return QStringLiteral("1 second");
    if (seconds < 60)
        return QStringLiteral("%1 seconds").arg(seconds);
    const qint64 minutes = seconds / 60;
    if (minutes == 1)
        return QStringLiteral("About a minute");
    if (minutes < 60)
        return QStringLiteral("%1 minutes").arg(minutes);
    const qint64 hours = qint64(double(seconds) / 3600 + 0.5);
    if (hours == 1)
        return QStringLiteral("About an hour");
    if (hours < 48)
        return QStringLiteral("%1 hours").arg(hours);
    if (hours < 24 * 7 * 2)
        return QStringLiteral("%1 days").arg(hours / 24);
    if (hours < 24 * 30 * 2)
        return QStringLiteral("%1 weeks").arg(hours / 24 / 7);
    if (hours < 24 * 365 * 2)
        return QStringLiteral("%1 months").arg(hours / 24 / 30);
    return QStringLiteral("%1 years").arg(hours / 24 / 365);
}

QByteArray hostsFile(const QString &hostname, const QString &address)
{
    QByteArray out = "127.0.0.1\tlocalhost\n"
                     "::1\tlocalhost ip6-localhost ip6-loopback\n"
                     "fe00::0\tip6-localnet\n"
                     "ff00::0\tip6-mcastprefix\n"
                     "ff02::1\tip6-allnodes\n"
                     "ff02::2\tip6-allrouters\n";
    if (!address.isEmpty())
        out += address.toLatin1() + '\t' + hostname.toUtf8() + '\n';
    return out;
}

QByteArray resolvConf(const QByteArray &hostResolvConf)
{
    QByteArray out;
    for (const QByteArray &rawLine : hostResolvConf.split('\n')) {
        const QByteArray line = rawLine.trimmed();
        if (line.startsWith("nameserver")) {
            const QByteArray addr = line.mid(10).trimmed();
            if (addr.startsWith("127.") || addr == "::1" || addr.startsWith("0:0:0:0:0:0:0:1"))
                continue;
        }
        if (line.isEmpty() && rawLine.isEmpty())
            continue;
        out += rawLine + '\n';
    }
    return out;
}

Result<ContainerRecord> buildRecord(const QJsonObject &body, const CreateContext &context)
{
    const QJsonObject image = context.image.config.value(QStringLiteral("config")).toObject();
    const QJsonObject hostIn = body.value(QStringLiteral("HostConfig")).toObject();

    ContainerRecord r;
    r.id = context.id;
    r.name = context.name;
    r.created = context.created;
    r.image = context.imageRef;
    r.imageId = context.image.id;

    // Entrypoint and Cmd (engine-api.md 9): an Entrypoint in the request
    // replaces the image's and drops the image's Cmd with it.
    QStringList entrypoint, cmd;
    const QJsonValue epIn = body.value(QStringLiteral("Entrypoint"));
    const QJsonValue cmdIn = body.value(QStringLiteral("Cmd"));
    if (!epIn.isNull() && !epIn.isUndefined()) {
        entrypoint = epIn.isString() ? QStringList{epIn.toString()} : stringList(epIn);
        if (entrypoint == QStringList{QString()})
            entrypoint.clear();
        cmd = cmdIn.isString() ? QStringList{cmdIn.toString()} : stringList(cmdIn);
    } else {
        entrypoint = stringList(image.value(QStringLiteral("Entrypoint")));
        cmd = isNullOrEmptyArray(cmdIn) ? stringList(image.value(QStringLiteral("Cmd")))
                                        : (cmdIn.isString() ? QStringList{cmdIn.toString()} : stringList(cmdIn));
    }
    const QStringList argv = entrypoint + cmd;
    if (argv.isEmpty())
        return invalid(QStringLiteral("No command specified"));
    r.path = argv.first();
    r.args = argv.mid(1);

    // Env: the image's, then the request's by key.
    QStringList env = stringList(image.value(QStringLiteral("Env")));
    for (const QString &e : stringList(body.value(QStringLiteral("Env")))) {
        const QString key = envKey(e);
        if (key.isEmpty())
            return invalid(QStringLiteral("invalid environment variable: %1").arg(e));
        bool replaced = false;
        for (QString &existing : env) {
            if (envKey(existing) == key) {
                existing = e;
                replaced = true;
            }
        }
        if (!replaced)
            env.append(e);
    }
    if (std::none_of(env.begin(), env.end(), [](const QString &e) { return envKey(e) == QLatin1String("PATH"); }))
        env.prepend(QStringLiteral("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));

    QJsonObject labels = image.value(QStringLiteral("Labels")).toObject();
    const QJsonObject labelsIn = body.value(QStringLiteral("Labels")).toObject();
    for (auto it = labelsIn.begin(); it != labelsIn.end(); ++it)
        labels.insert(it.key(), it.value().toString());

    QJsonObject exposed = image.value(QStringLiteral("ExposedPorts")).toObject();
    const QJsonObject exposedIn = body.value(QStringLiteral("ExposedPorts")).toObject();
    for (auto it = exposedIn.begin(); it != exposedIn.end(); ++it)
        exposed.insert(it.key(), QJsonObject());
    const QJsonObject bindingsIn = hostIn.value(QStringLiteral("PortBindings")).toObject();
    for (auto it = bindingsIn.begin(); it != bindingsIn.end(); ++it)
        exposed.insert(it.key(), QJsonObject());

    QString hostname = body.value(QStringLiteral("Hostname")).toString();
    if (hostname.isEmpty())
        hostname = context.id.left(12);
    static const QRegularExpression validHost(QStringLiteral("^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$"));
    if (!validHost.match(hostname).hasMatch())
        return invalid(QStringLiteral("invalid hostname format: %1").arg(hostname));

    QString workingDir = body.value(QStringLiteral("WorkingDir")).toString();
    if (workingDir.isEmpty())
        workingDir = image.value(QStringLiteral("WorkingDir")).toString();
    if (!workingDir.isEmpty() && !workingDir.startsWith(u'/'))
        return invalid(QStringLiteral("the working directory '%1' is invalid, it needs to be an absolute path").arg(workingDir));
    QString user = body.value(QStringLiteral("User")).toString();
    if (user.isEmpty())
        user = image.value(QStringLiteral("User")).toString();

    QString stopSignalText = body.value(QStringLiteral("StopSignal")).toString();
    if (stopSignalText.isEmpty())
        stopSignalText = image.value(QStringLiteral("StopSignal")).toString();
    if (!stopSignalText.isEmpty() && parseSignal(stopSignalText) == 0)
        return invalid(QStringLiteral("Invalid signal: %1").arg(stopSignalText));

    QJsonObject config{
        {QStringLiteral("Hostname"), hostname},
        {QStringLiteral("Domainname"), body.value(QStringLiteral("Domainname")).toString()},
        {QStringLiteral("User"), user},
        {QStringLiteral("AttachStdin"), body.value(QStringLiteral("AttachStdin")).toBool()},
        {QStringLiteral("AttachStdout"), body.value(QStringLiteral("AttachStdout")).toBool()},
        {QStringLiteral("AttachStderr"), body.value(QStringLiteral("AttachStderr")).toBool()},
        {QStringLiteral("Tty"), body.value(QStringLiteral("Tty")).toBool()},
        {QStringLiteral("OpenStdin"), body.value(QStringLiteral("OpenStdin")).toBool()},
        {QStringLiteral("StdinOnce"), body.value(QStringLiteral("StdinOnce")).toBool()},
        {QStringLiteral("Env"), toArray(env)},
        {QStringLiteral("Cmd"), cmd.isEmpty() ? QJsonValue() : QJsonValue(toArray(cmd))},
        {QStringLiteral("Image"), context.imageRef},
        {QStringLiteral("Volumes"), mergedVolumes(body.value(QStringLiteral("Volumes")), image.value(QStringLiteral("Volumes")))},
        {QStringLiteral("WorkingDir"), workingDir},
        {QStringLiteral("Entrypoint"), entrypoint.isEmpty() ? QJsonValue() : QJsonValue(toArray(entrypoint))},
        {QStringLiteral("OnBuild"), QJsonValue()},
        {QStringLiteral("Labels"), labels},
    };
    if (!exposed.isEmpty())
        config.insert(QStringLiteral("ExposedPorts"), exposed);
    if (!stopSignalText.isEmpty())
        config.insert(QStringLiteral("StopSignal"), stopSignalText);
    if (body.value(QStringLiteral("StopTimeout")).isDouble()) {
        const int t = body.value(QStringLiteral("StopTimeout")).toInt();
        config.insert(QStringLiteral("StopTimeout"), t);
    }
    if (body.contains(QStringLiteral("Healthcheck")))
        config.insert(QStringLiteral("Healthcheck"), body.value(QStringLiteral("Healthcheck")));
    r.config = config;

    // HostConfig: validated, defaults filled as dockerd fills them.
    QJsonObject host = hostIn;
    QString networkMode = host.value(QStringLiteral("NetworkMode")).toString();
    if (networkMode.isEmpty() || networkMode == QLatin1String("default"))
        networkMode = QStringLiteral("bridge");
    if (networkMode != QLatin1String("bridge") && networkMode != QLatin1String("host")
        && networkMode != QLatin1String("none")) {
        if (networkMode.startsWith(QLatin1String("container:")))
            return invalid(QStringLiteral("network mode \"%1\" is not supported").arg(networkMode));
        return fail(ErrorCode::NotFound, QStringLiteral("network %1 not found").arg(networkMode).toStdString());
    }
    host.insert(QStringLiteral("NetworkMode"), networkMode);
    if (networkMode == QLatin1String("host") && !bindingsIn.isEmpty()) {
        // dockerd drops published ports in host mode (with a warning).
        host.insert(QStringLiteral("PortBindings"), QJsonObject());
    }

    QJsonObject restart = host.value(QStringLiteral("RestartPolicy")).toObject();
    QString policy = restart.value(QStringLiteral("Name")).toString();
    if (policy.isEmpty())
        policy = QStringLiteral("no");
    const int maxRetry = restart.value(QStringLiteral("MaximumRetryCount")).toInt();
    if (policy != QLatin1String("no") && policy != QLatin1String("always") && policy != QLatin1String("on-failure")
        && policy != QLatin1String("unless-stopped"))
        return invalid(QStringLiteral("invalid restart policy: unknown policy '%1'; use one of 'no', 'always', "
                                      "'on-failure', or 'unless-stopped'").arg(policy));
    if (maxRetry < 0)
        return invalid(QStringLiteral("invalid restart policy: maximum retry count cannot be negative"));
    if (maxRetry > 0 && policy != QLatin1String("on-failure"))
        return invalid(QStringLiteral("invalid restart policy: maximum retry count can only be used with 'on-failure'"));
    if (host.value(QStringLiteral("AutoRemove")).toBool() && policy != QLatin1String("no"))
        return invalid(QStringLiteral("can't create 'AutoRemove' container with restart policy"));
    host.insert(QStringLiteral("RestartPolicy"),
                QJsonObject{{QStringLiteral("Name"), policy}, {QStringLiteral("MaximumRetryCount"), maxRetry}});

    const qint64 memory = host.value(QStringLiteral("Memory")).toInteger();
    const qint64 memorySwap = host.value(QStringLiteral("MemorySwap")).toInteger();
    if (memory < 0)
        return invalid(QStringLiteral("invalid memory limit: it cannot be negative"));
    if (memory > 0 && memory < kMinMemory)
        return invalid(QStringLiteral("Minimum memory limit allowed is 6MB"));
    if (memory == 0 && memorySwap > 0)
        return invalid(QStringLiteral("You should always set the Memory limit when using Memoryswap limit, see usage"));
    if (memory > 0 && memorySwap > 0 && memorySwap < memory)
        return invalid(QStringLiteral("Minimum memoryswap limit should be larger than memory limit, see usage"));
    const qint64 nanoCpus = host.value(QStringLiteral("NanoCpus")).toInteger();
    const qint64 cpuQuota = host.value(QStringLiteral("CpuQuota")).toInteger();
    const qint64 cpuPeriod = host.value(QStringLiteral("CpuPeriod")).toInteger();
    if (nanoCpus > 0 && (cpuQuota > 0 || cpuPeriod > 0))
        return invalid(QStringLiteral("Conflicting options: Nano CPUs and CPU Period cannot both be set"));
    if (nanoCpus < 0 || (nanoCpus > 0 && nanoCpus > qint64(context.hostCpus) * 1000000000))
        return invalid(QStringLiteral("Range of CPUs is from 0.01 to %1.00, as there are only %1 CPUs available")
                           .arg(context.hostCpus));
    if (cpuPeriod != 0 && (cpuPeriod < 1000 || cpuPeriod > 1000000))
        return invalid(QStringLiteral("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"));
    if (cpuQuota != 0 && cpuQuota < 1000)
        return invalid(QStringLiteral("CPU cfs quota can not be less than 1ms (i.e. 1000)"));
    if (host.value(QStringLiteral("PidsLimit")).toInteger() < -1)
        return invalid(QStringLiteral("invalid PidsLimit"));

    auto caps = capabilities(host.value(QStringLiteral("CapAdd")).toArray(), host.value(QStringLiteral("CapDrop")).toArray());
    if (!caps)
        return fail(caps.error());

    QJsonObject logConfig = host.value(QStringLiteral("LogConfig")).toObject();
    QString logType = logConfig.value(QStringLiteral("Type")).toString();
    if (logType.isEmpty())
        logType = QStringLiteral("json-file");
    if (logType != QLatin1String("json-file"))
        return invalid(QStringLiteral("logger: no log driver named '%1' is registered").arg(logType));
    const QJsonObject logOpts = logConfig.value(QStringLiteral("Config")).toObject();
    for (auto it = logOpts.begin(); it != logOpts.end(); ++it) {
        const QString key = it.key();
        const QString value = it.value().toString();
        if (key == QLatin1String("max-size")) {
            if (value != QLatin1String("-1") && !parseSize(value))
                return invalid(QStringLiteral("failed to create logger: invalid max-size: %1").arg(value));
        } else if (key == QLatin1String("max-file")) {
            bool ok = false;
            const int n = value.toInt(&ok);
            if (!ok || n < 1)
                return invalid(QStringLiteral("failed to create logger: max-file cannot be less than 1"));
        } else if (key != QLatin1String("compress") && key != QLatin1String("labels") && key != QLatin1String("env")
                   && key != QLatin1String("tag")) {
            return invalid(QStringLiteral("unknown log opt '%1' for json-file log driver").arg(key));
        }
    }
    host.insert(QStringLiteral("LogConfig"), QJsonObject{{QStringLiteral("Type"), logType}, {QStringLiteral("Config"), logOpts}});

    // Ports: checked now so a bad -p fails create, not start.
    r.hostConfig = host;
    r.config = config;
    if (auto ports = requestedPorts(r); !ports)
        return fail(ports.error());

    // Mounts: -v binds (host paths created when missing, as dockerd does),
    // named and anonymous volumes, --mount, --tmpfs. Everything is checked
    // before any volume or directory is made; a failure after that undoes
    // the volumes this create made.
    MountConfig::Checks checks;
    checks.engineRoot = context.engineRoot;
    checks.pathExists = [](const QString &path) { return QFileInfo::exists(path); };
    // --volumes-from first (dockerd's order): the other container's binds
    // and volumes at the same destinations, read-only with :ro; a mount of
    // this container's own at the same destination replaces one.
    QJsonArray inherited;
    QSet<QString> inheritedDestinations;
    for (const QString &from : stringList(host.value(QStringLiteral("VolumesFrom")))) {
        const qsizetype colon = from.lastIndexOf(u':');
        QString ref = from, mode;
        if (colon > 0) {
            ref = from.left(colon);
            mode = from.mid(colon + 1);
        }
        if (!mode.isEmpty() && mode != QLatin1String("ro") && mode != QLatin1String("rw"))
            return invalid(QStringLiteral("invalid mode for volumes-from: %1").arg(mode));
        if (!context.findContainer)
            return fail(ErrorCode::NotImplemented, "volumes-from is not available in this engine");
        auto source = context.findContainer(ref);
        if (!source)
            return fail(source.error());
        for (const QJsonValue &v : std::as_const(source->mounts)) {
            QJsonObject m = v.toObject();
            const QString type = m.value(QStringLiteral("Type")).toString();
            if (type != QLatin1String("bind") && type != QLatin1String("volume"))
                continue;
            m.insert(QStringLiteral("RW"), m.value(QStringLiteral("RW")).toBool() && mode != QLatin1String("ro"));
            m.insert(QStringLiteral("Mode"), QString());
            const QString destination = m.value(QStringLiteral("Destination")).toString();
            if (inheritedDestinations.contains(destination))
                continue;
            inheritedDestinations.insert(destination);
            inherited.append(m);
        }
    }
    auto plans = MountConfig::plan(host, config.value(QStringLiteral("Volumes")).toObject(), checks);
    if (!plans)
        return fail(plans.error());
    QSet<QString> ownDestinations;
    for (auto it = plans->begin(); it != plans->end();) {
        if (it->fromConfigVolumes && inheritedDestinations.contains(it->destination)) {
            it = plans->erase(it);
            continue;
        }
        ownDestinations.insert(it->destination);
        ++it;
    }
    QJsonArray mounts;
    for (const QJsonValue &v : std::as_const(inherited)) {
        if (!ownDestinations.contains(v.toObject().value(QStringLiteral("Destination")).toString()))
            mounts.append(v);
    }
    QStringList createdVolumes;
    auto undo = [&] {
        if (context.dropVolume) {
            for (const QString &n : std::as_const(createdVolumes))
                context.dropVolume(n);
        }
    };
    for (const MountConfig::MountPlan &plan : std::as_const(*plans)) {
        if (plan.kind == MountConfig::Kind::Volume) {
            CreateContext::VolumeGrant grant;
            if (context.provideVolume) {
                auto got = context.provideVolume(
                    CreateContext::VolumeRequest{plan.source, plan.volumeDriver, plan.volumeLabels, plan.volumeOptions});
                if (!got) {
                    undo();
                    return fail(got.error());
                }
                grant = *got;
            } else if (!plan.source.isEmpty() && context.volumeMountpoint) {
                auto mountpoint = context.volumeMountpoint(plan.source);
                if (!mountpoint)
                    return fail(mountpoint.error());
                grant = CreateContext::VolumeGrant{plan.source, *mountpoint, false};
            } else {
                undo();
                return fail(ErrorCode::NotImplemented, "volumes are not available in this engine");
            }
            if (grant.created)
                createdVolumes.append(grant.name);
            mounts.append(MountConfig::inspectEntry(plan, grant.name, grant.mountpoint));
            continue;
        }
        if (plan.kind == MountConfig::Kind::Bind && plan.createSource && !QFileInfo::exists(plan.source)) {
            Status made = context.createHostDirectory
                              ? context.createHostDirectory(plan.source)
                              : Status(fail(ErrorCode::InvalidArgument,
                                            QStringLiteral("invalid mount config for type \"bind\": bind source path "
                                                           "does not exist: %1").arg(plan.source).toStdString()));
            if (!made) {
                undo();
                if (!context.createHostDirectory)
                    return fail(made.error());
                return fail(Error(made.error()).wrap("error while creating mount source path '"
                                                     + plan.source.toStdString() + "'"));
            }
        }
        if (plan.inspected)
            mounts.append(MountConfig::inspectEntry(plan, QString(), QString()));
    }
    r.mounts = mounts;
    r.networkingConfig = body.value(QStringLiteral("NetworkingConfig")).toObject();
    r.network.mode = networkMode;
    r.state.status = Engine::ContainerStatus::Created;
    return r;
}

Result<std::pair<int, int>> parseHostPortRange(const QString &text)
{
    // nat.ParsePortRangeToInt: "" (any port), "8080" or "8000-8010".
    if (text.isEmpty())
        return std::pair<int, int>{0, 0};
    const auto bad = [&text] { return invalid(QStringLiteral("invalid port specification: \"%1\"").arg(text)); };
    const QStringList parts = text.split(u'-');
    if (parts.size() > 2)
        return bad();
    bool ok = false;
    const int first = parts.at(0).toInt(&ok);
    if (!ok || first < 0 || first > 65535)
        return bad();
    int last = first;
    if (parts.size() == 2) {
        last = parts.at(1).toInt(&ok);
        if (!ok || last < first || last > 65535 || first == 0)
            return bad();
    }
    return std::pair<int, int>{first, last};
}

Result<QList<RuntimePort>> requestedPorts(const ContainerRecord &record)
{
    QList<RuntimePort> ports;
    if (record.hostConfig.value(QStringLiteral("NetworkMode")).toString() != QLatin1String("bridge"))
        return ports;
    auto parseKey = [](const QString &key, int *port, QString *proto) -> bool {
        const QStringList parts = key.split(u'/');
        bool ok = false;
        *port = parts.at(0).toInt(&ok);
        *proto = parts.size() > 1 ? parts.at(1).toLower() : QStringLiteral("tcp");
        return ok && *port > 0 && *port < 65536 && parts.size() <= 2
            && (*proto == QLatin1String("tcp") || *proto == QLatin1String("udp") || *proto == QLatin1String("sctp"));
    };
    const QJsonObject bindings = record.hostConfig.value(QStringLiteral("PortBindings")).toObject();
    QSet<QString> bound;
    for (auto it = bindings.begin(); it != bindings.end(); ++it) {
        int containerPort = 0;
        QString proto;
        if (!parseKey(it.key(), &containerPort, &proto))
            return invalid(QStringLiteral("invalid port specification: \"%1\"").arg(it.key()));
        bound.insert(it.key());
        const QJsonArray list = it.value().toArray();
        for (const QJsonValue &v : list) {
            const QJsonObject b = v.toObject();
            const QString hostPortText = b.value(QStringLiteral("HostPort")).toString();
            auto hostRange = parseHostPortRange(hostPortText);
            if (!hostRange)
                return fail(hostRange.error());
            QString hostIp = b.value(QStringLiteral("HostIp")).toString();
            if (hostIp.isEmpty())
                hostIp = QStringLiteral("0.0.0.0");
            ports.append(RuntimePort{proto, hostIp, hostRange->first, containerPort,
                                     hostRange->second > hostRange->first ? hostRange->second : 0});
        }
        if (list.isEmpty())
            ports.append(RuntimePort{proto, QStringLiteral("0.0.0.0"), 0, containerPort});
    }
    if (record.hostConfig.value(QStringLiteral("PublishAllPorts")).toBool()) {
        const QJsonObject exposed = record.config.value(QStringLiteral("ExposedPorts")).toObject();
        for (auto it = exposed.begin(); it != exposed.end(); ++it) {
            if (bound.contains(it.key()))
                continue;
            int containerPort = 0;
            QString proto;
            if (!parseKey(it.key(), &containerPort, &proto))
                return invalid(QStringLiteral("invalid port specification: \"%1\"").arg(it.key()));
            ports.append(RuntimePort{proto, QStringLiteral("0.0.0.0"), 0, containerPort});
        }
    }
    return ports;
}

QJsonObject shimSpec(const ContainerRecord &record, const SpecContext &context)
{
    const QJsonObject &config = record.config;
    const QJsonObject &host = record.hostConfig;
    const bool tty = config.value(QStringLiteral("Tty")).toBool();
    QStringList env = stringList(config.value(QStringLiteral("Env")));
    const QString hostname = config.value(QStringLiteral("Hostname")).toString();
    if (std::none_of(env.begin(), env.end(), [](const QString &e) { return envKey(e) == QLatin1String("HOSTNAME"); }))
        env.append(QStringLiteral("HOSTNAME=") + hostname);
    if (tty && std::none_of(env.begin(), env.end(), [](const QString &e) { return envKey(e) == QLatin1String("TERM"); }))
        env.append(QStringLiteral("TERM=xterm"));
    const bool privileged = host.value(QStringLiteral("Privileged")).toBool();
    QStringList caps = privileged ? allCapabilities()
                                  : capabilities(host.value(QStringLiteral("CapAdd")).toArray(),
                                                 host.value(QStringLiteral("CapDrop")).toArray())
                                        .value_or(defaultCapabilities());
    QString seccomp = QStringLiteral("default");
    bool noNewPrivileges = false;
    for (const QString &opt : stringList(host.value(QStringLiteral("SecurityOpt")))) {
        if (opt == QLatin1String("seccomp=unconfined") || opt == QLatin1String("seccomp:unconfined"))
            seccomp = QStringLiteral("unconfined");
        if (opt == QLatin1String("no-new-privileges") || opt == QLatin1String("no-new-privileges:true")
            || opt == QLatin1String("no-new-privileges=true"))
            noNewPrivileges = true;
    }
    if (privileged)
        seccomp = QStringLiteral("unconfined");
    QJsonArray consoleSize{24, 80};
    const QJsonArray cs = host.value(QStringLiteral("ConsoleSize")).toArray();
    if (cs.size() == 2 && cs.at(0).toInt() > 0 && cs.at(1).toInt() > 0)
        consoleSize = cs;
    QJsonArray rlimits;
    for (const QJsonValue &v : host.value(QStringLiteral("Ulimits")).toArray()) {
        const QJsonObject u = v.toObject();
        rlimits.append(QJsonObject{{QStringLiteral("type"), QString(QStringLiteral("RLIMIT_") + u.value(QStringLiteral("Name")).toString().toUpper())},
                                   {QStringLiteral("soft"), u.value(QStringLiteral("Soft")).toInteger()},
                                   {QStringLiteral("hard"), u.value(QStringLiteral("Hard")).toInteger()}});
    }
    // Without --ulimit the process inherits the shim's limits (dockerd does
    // the same unless it has default-ulimits).

    QJsonObject process{
        {QStringLiteral("args"), toArray(QStringList{record.path} + record.args)},
        {QStringLiteral("env"), toArray(env)},
        {QStringLiteral("cwd"), config.value(QStringLiteral("WorkingDir")).toString().isEmpty()
                                    ? QStringLiteral("/")
                                    : config.value(QStringLiteral("WorkingDir")).toString()},
        {QStringLiteral("user"), config.value(QStringLiteral("User")).toString()},
        {QStringLiteral("terminal"), tty},
        {QStringLiteral("openStdin"), config.value(QStringLiteral("OpenStdin")).toBool()},
        {QStringLiteral("stdinOnce"), config.value(QStringLiteral("StdinOnce")).toBool()},
        {QStringLiteral("consoleSize"), consoleSize},
        {QStringLiteral("capabilities"), toArray(caps)},
        {QStringLiteral("noNewPrivileges"), noNewPrivileges},
        {QStringLiteral("seccomp"), seccomp},
        {QStringLiteral("rlimits"), rlimits},
    };

    // The mounts as planned at create (options, copy-up, propagation,
    // --tmpfs) with the sources recorded then (volume mountpoints).
    QJsonArray mounts;
    QMap<QString, QString> sources;
    QMap<QString, bool> writable;
    for (const QJsonValue &v : record.mounts) {
        const QJsonObject m = v.toObject();
        const QString destination = m.value(QStringLiteral("Destination")).toString();
        sources.insert(destination, m.value(QStringLiteral("Source")).toString());
        writable.insert(destination, m.value(QStringLiteral("RW")).toBool(true));
    }
    if (auto plans = MountConfig::plan(host, config.value(QStringLiteral("Volumes")).toObject(), MountConfig::Checks{})) {
        QList<QJsonObject> entries;
        QSet<QString> planned;
        for (const MountConfig::MountPlan &plan : std::as_const(*plans)) {
            if (plan.kind != MountConfig::Kind::Tmpfs && !sources.contains(plan.destination))
                continue;
            planned.insert(plan.destination);
            MountConfig::MountPlan effective = plan;
            // The record decides read-only: an image VOLUME path that
            // --volumes-from filled is the other container's volume,
            // read-only with :ro. (Its copy-up stays on: the shim copies
            // only into an empty volume, which the other container's start
            // has normally filled already.)
            if (plan.kind != MountConfig::Kind::Tmpfs)
                effective.readOnly = !writable.value(plan.destination, !plan.readOnly);
            entries.append(MountConfig::shimEntry(effective, sources.value(plan.destination)));
        }
        // What --volumes-from brought: plain binds of the recorded sources.
        for (const QJsonValue &v : record.mounts) {
            const QJsonObject m = v.toObject();
            const QString destination = m.value(QStringLiteral("Destination")).toString();
            if (planned.contains(destination) || m.value(QStringLiteral("Type")).toString() == QLatin1String("tmpfs"))
                continue;
            QJsonObject e{{QStringLiteral("type"), QStringLiteral("bind")},
                          {QStringLiteral("source"), m.value(QStringLiteral("Source")).toString()},
                          {QStringLiteral("destination"), destination},
                          {QStringLiteral("readonly"), !m.value(QStringLiteral("RW")).toBool(true)}};
            const QString propagation = m.value(QStringLiteral("Propagation")).toString();
            if (!propagation.isEmpty() && propagation != QLatin1String("rprivate"))
                e.insert(QStringLiteral("propagation"), propagation);
            entries.append(e);
        }
        std::stable_sort(entries.begin(), entries.end(), [](const QJsonObject &a, const QJsonObject &b) {
            return MountConfig::depth(a.value(QStringLiteral("destination")).toString())
                 < MountConfig::depth(b.value(QStringLiteral("destination")).toString());
        });
        for (const QJsonObject &e : std::as_const(entries))
            mounts.append(e);
    } else {
        // Records are checked at create; one written by an older berthd
        // that no longer parses keeps its plain binds.
        for (const QJsonValue &v : record.mounts) {
            const QJsonObject m = v.toObject();
            mounts.append(QJsonObject{{QStringLiteral("source"), m.value(QStringLiteral("Source")).toString()},
                                      {QStringLiteral("destination"), m.value(QStringLiteral("Destination")).toString()},
                                      {QStringLiteral("readonly"), !m.value(QStringLiteral("RW")).toBool(true)}});
        }
    }

    QJsonArray ports;
    for (const RuntimePort &p : context.ports)
        ports.append(QJsonObject{{QStringLiteral("protocol"), p.protocol},
                                 {QStringLiteral("hostIp"), p.hostIp},
                                 {QStringLiteral("hostPort"), p.hostPort},
                                 {QStringLiteral("hostPortEnd"), p.hostPortEnd},
                                 {QStringLiteral("containerPort"), p.containerPort}});
    const QString mode = host.value(QStringLiteral("NetworkMode")).toString();
    QJsonObject network{{QStringLiteral("mode"), mode}};
    if (mode == QLatin1String("bridge")) {
        network.insert(QStringLiteral("bridge"), context.bridge);
        network.insert(QStringLiteral("gateway"), context.gateway);
        network.insert(QStringLiteral("prefixLength"), context.prefixLength);
        network.insert(QStringLiteral("address"), context.address);
        network.insert(QStringLiteral("mac"), context.macAddress);
        network.insert(QStringLiteral("mtu"), context.mtu);
        network.insert(QStringLiteral("ports"), ports);
    }

    qint64 cpuQuota = host.value(QStringLiteral("CpuQuota")).toInteger();
    qint64 cpuPeriod = host.value(QStringLiteral("CpuPeriod")).toInteger();
    const qint64 nanoCpus = host.value(QStringLiteral("NanoCpus")).toInteger();
    if (nanoCpus > 0) {
        cpuPeriod = kDefaultCpuPeriod;
        cpuQuota = nanoCpus * kDefaultCpuPeriod / 1000000000;
    }
    if (cpuPeriod == 0)
        cpuPeriod = kDefaultCpuPeriod;
    QString cgroupParent = host.value(QStringLiteral("CgroupParent")).toString();
    if (cgroupParent.isEmpty())
        cgroupParent = context.cgroupParent;
    qint64 pids = host.value(QStringLiteral("PidsLimit")).toInteger();
    if (pids < 0)
        pids = 0;
    const QJsonObject cgroup{{QStringLiteral("parent"), cgroupParent},
                             {QStringLiteral("memory"), host.value(QStringLiteral("Memory")).toInteger()},
                             {QStringLiteral("memorySwap"), host.value(QStringLiteral("MemorySwap")).toInteger()},
                             {QStringLiteral("cpuQuota"), cpuQuota},
                             {QStringLiteral("cpuPeriod"), cpuPeriod},
                             {QStringLiteral("cpuShares"), host.value(QStringLiteral("CpuShares")).toInteger()},
                             {QStringLiteral("pidsLimit"), pids}};

    const QJsonObject logOpts = host.value(QStringLiteral("LogConfig")).toObject().value(QStringLiteral("Config")).toObject();
    qint64 maxSize = 0;
    int maxFiles = 1;
    if (logOpts.contains(QStringLiteral("max-size")))
        maxSize = std::max<qint64>(0, parseSize(logOpts.value(QStringLiteral("max-size")).toString()).value_or(0));
    if (logOpts.contains(QStringLiteral("max-file")))
        maxFiles = std::max(1, logOpts.value(QStringLiteral("max-file")).toString().toInt());

    QJsonArray lower;
    for (const QString &l : context.lowerDirs)
        lower.append(l);
    return QJsonObject{
        {QStringLiteral("id"), record.id},
        {QStringLiteral("rootfs"), QJsonObject{{QStringLiteral("layersDir"), context.layersDir},
                                               {QStringLiteral("lower"), lower},
                                               {QStringLiteral("upper"), QStringLiteral("upper")},
                                               {QStringLiteral("work"), QStringLiteral("work")},
                                               {QStringLiteral("mountPoint"), QStringLiteral("rootfs")},
                                               {QStringLiteral("readonly"), host.value(QStringLiteral("ReadonlyRootfs")).toBool()},
                                               // --rm: the upper dir is deleted after the exit,
                                               // so nothing in it needs syncing (podman does the same).
                                               {QStringLiteral("volatile"), host.value(QStringLiteral("AutoRemove")).toBool()}}},
        {QStringLiteral("process"), process},
        {QStringLiteral("init"), host.value(QStringLiteral("Init")).toBool()},
        {QStringLiteral("privileged"), privileged},
        {QStringLiteral("hostname"), hostname},
        {QStringLiteral("etcFiles"), QJsonObject{{QStringLiteral("hostname"), QStringLiteral("hostname")},
                                                 {QStringLiteral("hosts"), QStringLiteral("hosts")},
                                                 {QStringLiteral("resolv.conf"), QStringLiteral("resolv.conf")}}},
        {QStringLiteral("mounts"), mounts},
        {QStringLiteral("network"), network},
        {QStringLiteral("cgroup"), cgroup},
        {QStringLiteral("log"), QJsonObject{{QStringLiteral("path"), QStringLiteral("container.log")},
                                            {QStringLiteral("maxSize"), maxSize},
                                            {QStringLiteral("maxFiles"), maxFiles}}},
        {QStringLiteral("stopSignal"), stopSignal(record)},
    };
}

} // namespace Berth::Daemon::ContainerConfig
