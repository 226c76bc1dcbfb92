#include "containeroptions.h"

#include "portspec.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>

#include <cmath>

namespace Berth::Cli {

namespace {

std::unexpected<OptionError> optionError(const QString &message, bool usage = false)
{
    return std::unexpected(OptionError{message, usage});
}

// pflag's wording for a value its type rejects.
std::unexpected<OptionError> badValue(const QString &value, const QString &flagName, const QString &why)
{
    return optionError(QStringLiteral("invalid argument \"%1\" for \"%2\" flag: %3").arg(value, flagName, why), true);
}

QJsonArray toArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

QJsonValue listOrNull(const QStringList &list)
{
    return list.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(toArray(list));
}

// strconv.ParseInt(s, 10, 64) as pflag's int flags use it.
std::optional<qint64> parseInt(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^[+-]?[0-9]+$"));
    if (!re.match(text).hasMatch())
        return std::nullopt;
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    return ok ? std::optional(v) : std::nullopt;
}

} // namespace

QList<OptionSpec> containerCreateOptions(bool forRun)
{
    QList<OptionSpec> o;
    o << valueOption("add-host", 0, "list", "Add a custom host-to-IP mapping (host:ip)", OptionSpec::Kind::List);
    o << valueOption("attach", 'a', "list", "Attach to STDIN, STDOUT or STDERR", OptionSpec::Kind::List);
    o << valueOption("cap-add", 0, "list", "Add Linux capabilities", OptionSpec::Kind::List);
    o << valueOption("cap-drop", 0, "list", "Drop Linux capabilities", OptionSpec::Kind::List);
    o << valueOption("cpu-shares", 'c', "int", "CPU shares (relative weight)");
    o << valueOption("cpus", 0, "decimal", "Number of CPUs");
    o << valueOption("cpuset-cpus", 0, "string", "CPUs in which to allow execution (0-3, 0,1)");
    if (forRun) {
        o << boolOption("detach", 'd', "Run container in background and print container ID");
        o << valueOption("detach-keys", 0, "string", "Override the key sequence for detaching a container");
    }
    o << valueOption("dns", 0, "list", "Set custom DNS servers", OptionSpec::Kind::List);
    o << valueOption("entrypoint", 0, "string", "Overwrite the default ENTRYPOINT of the image");
    o << valueOption("env", 'e', "list", "Set environment variables", OptionSpec::Kind::List);
    o << valueOption("env-file", 0, "list", "Read in a file of environment variables", OptionSpec::Kind::List);
    o << valueOption("expose", 0, "list", "Expose a port or a range of ports", OptionSpec::Kind::List);
    o << valueOption("group-add", 0, "list", "Add additional groups to join", OptionSpec::Kind::List);
    o << valueOption("hostname", 'h', "string", "Container host name");
    o << boolOption("init", 0, "Run an init inside the container that forwards signals and reaps processes");
    o << boolOption("interactive", 'i', "Keep STDIN open even if not attached");
    o << valueOption("label", 'l', "list", "Set meta data on a container", OptionSpec::Kind::List);
    o << valueOption("label-file", 0, "list", "Read in a line delimited file of labels", OptionSpec::Kind::List);
    o << valueOption("log-driver", 0, "string", "Logging driver for the container");
    o << valueOption("log-opt", 0, "list", "Log driver options", OptionSpec::Kind::List);
    o << valueOption("memory", 'm', "bytes", "Memory limit");
    o << valueOption("memory-swap", 0, "bytes", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
    o << valueOption("mount", 0, "mount", "Attach a filesystem mount to the container", OptionSpec::Kind::List);
    o << valueOption("name", 0, "string", "Assign a name to the container");
    o << valueOption("network", 0, "network", "Connect a container to a network");
    OptionSpec net = valueOption("net", 0, "network", "Connect a container to a network");
    net.hidden = true;
    o << net;
    o << valueOption("pids-limit", 0, "int", "Tune container pids limit (set -1 for unlimited)");
    o << valueOption("platform", 0, "string", "Set platform if server is multi-platform capable");
    o << boolOption("privileged", 0, "Give extended privileges to this container");
    o << valueOption("publish", 'p', "list", "Publish a container's port(s) to the host", OptionSpec::Kind::List);
    o << boolOption("publish-all", 'P', "Publish all exposed ports to random ports");
    OptionSpec pull = valueOption("pull", 0, "string", "Pull image before running (\"always\", \"missing\", \"never\")");
    pull.defaultValue = QStringLiteral("\"missing\"");
    o << pull;
    o << boolOption("quiet", 'q', "Suppress the pull output");
    o << boolOption("read-only", 0, "Mount the container's root filesystem as read only");
    OptionSpec restart = valueOption("restart", 0, "string", "Restart policy to apply when a container exits");
    restart.defaultValue = QStringLiteral("\"no\"");
    o << restart;
    o << boolOption("rm", 0, "Automatically remove the container and its associated anonymous volumes when it exits");
    o << valueOption("security-opt", 0, "list", "Security Options", OptionSpec::Kind::List);
    o << valueOption("shm-size", 0, "bytes", "Size of /dev/shm");
    if (forRun) {
        OptionSpec sigProxy = boolOption("sig-proxy", 0, "Proxy received signals to the process");
        sigProxy.defaultValue = QStringLiteral("true");
        o << sigProxy;
    }
    o << valueOption("stop-signal", 0, "string", "Signal to stop the container");
    o << valueOption("stop-timeout", 0, "int", "Timeout (in seconds) to stop a container");
    o << valueOption("tmpfs", 0, "list", "Mount a tmpfs directory", OptionSpec::Kind::List);
    o << boolOption("tty", 't', "Allocate a pseudo-TTY");
    o << valueOption("ulimit", 0, "ulimit", "Ulimit options", OptionSpec::Kind::List);
    o << valueOption("user", 'u', "string", "Username or UID (format: <name|uid>[:<group|gid>])");
    o << valueOption("volume", 'v', "list", "Bind mount a volume", OptionSpec::Kind::List);
    o << valueOption("volumes-from", 0, "list", "Mount volumes from the specified container(s)", OptionSpec::Kind::List);
    o << valueOption("workdir", 'w', "string", "Working directory inside the container");
    return o;
}

Result<qint64> parseRamSize(const QString &text)
{
    // go-units parseSize with the binary map.
    const std::string s = text.toStdString();
    const auto sep = s.find_last_of("01234567890. ");
    if (sep == std::string::npos)
        return fail(ErrorCode::InvalidArgument, "invalid size: '" + s + "'");
    std::string num;
    std::string sfx;
    if (s[sep] != ' ') {
        num = s.substr(0, sep + 1);
        sfx = s.substr(sep + 1);
    } else {
        num = s.substr(0, sep);
        sfx = s.substr(sep + 1);
    }
    bool ok = false;
    double size = QString::fromStdString(num).toDouble(&ok);
    if (!ok)
        return fail(ErrorCode::InvalidArgument, "strconv.ParseFloat: parsing \"" + num + "\": invalid syntax");
    if (size < 0)
        return fail(ErrorCode::InvalidArgument, "invalid size: '" + s + "'");
    if (sfx.empty())
        return qint64(size);
    const auto badSuffix = [&] { return fail(ErrorCode::InvalidArgument, "invalid suffix: '" + sfx + "'"); };
    if (sfx.size() > 3)
        return badSuffix();
    for (char &c : sfx)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    if (sfx[0] == 'b') {
        if (sfx.size() > 1)
            return badSuffix();
        return qint64(size);
    }
    static const std::string units = "kmgtp";
    const auto unit = units.find(sfx[0]);
    if (unit == std::string::npos)
        return badSuffix();
    size *= std::pow(1024.0, double(unit + 1));
    if ((sfx.size() == 2 && sfx[1] != 'b') || (sfx.size() == 3 && sfx.substr(1) != "ib"))
        return badSuffix();
    return qint64(size);
}

Result<qint64> parseNanoCpus(const QString &text)
{
    // big.Rat SetString accepts decimals ("1.5") and fractions ("3/2").
    static const QRegularExpression decimal(QStringLiteral("^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$"));
    static const QRegularExpression fraction(QStringLiteral("^([+-]?[0-9]+)/([0-9]+)$"));
    const auto notRational = fail(ErrorCode::InvalidArgument, "failed to parse " + text.toStdString() + " as a rational number");
    if (const auto m = fraction.match(text); m.hasMatch()) {
        const double den = m.captured(2).toDouble();
        if (den == 0)
            return notRational;
        const double nano = m.captured(1).toDouble() * 1e9 / den;
        if (nano != std::floor(nano))
            return fail(ErrorCode::InvalidArgument, "value is too precise");
        return qint64(nano);
    }
    if (!decimal.match(text).hasMatch())
        return notRational;
    // Exact decimal arithmetic: digits after the point beyond 9 must be 0.
    QString mantissa = text;
    int exponent = 0;
    if (const qsizetype e = mantissa.indexOf(QLatin1Char('e'), 0, Qt::CaseInsensitive); e >= 0) {
        exponent = mantissa.mid(e + 1).toInt();
        mantissa = mantissa.left(e);
    }
    bool negative = mantissa.startsWith(QLatin1Char('-'));
    if (negative || mantissa.startsWith(QLatin1Char('+')))
        mantissa = mantissa.mid(1);
    QString intPart = mantissa.section(QLatin1Char('.'), 0, 0);
    QString fracPart = mantissa.contains(QLatin1Char('.')) ? mantissa.section(QLatin1Char('.'), 1) : QString();
    QString digits = intPart + fracPart;
    int scale = 9 + exponent - int(fracPart.size()); // value * 1e9 = digits * 10^scale
    if (scale < 0) {
        const QString dropped = digits.right(-scale);
        if (dropped.count(QLatin1Char('0')) != dropped.size())
            return fail(ErrorCode::InvalidArgument, "value is too precise");
        digits.chop(-scale);
        scale = 0;
    }
    digits += QString(scale, QLatin1Char('0'));
    if (digits.isEmpty())
        digits = QStringLiteral("0");
    bool ok = false;
    const qint64 v = digits.toLongLong(&ok);
    if (!ok)
        return notRational;
    return negative ? -v : v;
}

Result<QJsonObject> parseRestartPolicy(const QString &text)
{
    QJsonObject p{{QStringLiteral("Name"), QStringLiteral("no")}, {QStringLiteral("MaximumRetryCount"), 0}};
    if (text.isEmpty())
        return p;
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    const QString name = colon < 0 ? text : text.left(colon);
    const QString count = colon < 0 ? QString() : text.mid(colon + 1);
    if (colon >= 0 && name.isEmpty())
        return fail(ErrorCode::InvalidArgument, "invalid restart policy format: no policy provided before colon");
    if (!count.isEmpty()) {
        bool ok = false;
        const int n = count.toInt(&ok);
        if (!ok)
            return fail(ErrorCode::InvalidArgument, "invalid restart policy format: maximum retry count must be an integer");
        p.insert(QStringLiteral("MaximumRetryCount"), n);
    }
    p.insert(QStringLiteral("Name"), name);
    return p;
}

Result<VolumeSpec> parseVolumeSpec(const QString &spec)
{
    if (spec.isEmpty())
        return fail(ErrorCode::InvalidArgument, "invalid empty volume spec");
    const QStringList parts = spec.split(QLatin1Char(':'));
    for (const QString &p : parts) {
        if (p.isEmpty())
            return fail(ErrorCode::InvalidArgument, "invalid spec: " + spec.toStdString() + ": empty section between colons");
    }
    if (parts.size() > 3)
        return fail(ErrorCode::InvalidArgument, "invalid spec: " + spec.toStdString() + ": too many colons");
    VolumeSpec v;
    if (parts.size() == 1) {
        v.target = parts.at(0);
        return v;
    }
    v.source = parts.at(0);
    v.target = parts.at(1);
    if (parts.size() == 3)
        v.mode = parts.at(2);
    v.bind = v.source.startsWith(QLatin1Char('/')) || v.source.startsWith(QLatin1Char('.'))
             || v.source.startsWith(QLatin1Char('~'));
    return v;
}

namespace {

// strconv.ParseBool.
std::optional<bool> parseGoBool(const QString &text)
{
    static const QStringList yes{QStringLiteral("1"), QStringLiteral("t"), QStringLiteral("T"), QStringLiteral("TRUE"),
                                 QStringLiteral("true"), QStringLiteral("True")};
    static const QStringList no{QStringLiteral("0"), QStringLiteral("f"), QStringLiteral("F"), QStringLiteral("FALSE"),
                                QStringLiteral("false"), QStringLiteral("False")};
    if (yes.contains(text))
        return true;
    if (no.contains(text))
        return false;
    return std::nullopt;
}

// encoding/csv's reading of one record: fields split on ',', a field may
// be quoted ("a,b" and "" for a quote inside).
Result<QStringList> csvFields(const QString &line)
{
    QStringList fields;
    QString field;
    bool quoted = false, wasQuoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (quoted) {
            if (c == u'"') {
                if (i + 1 < line.size() && line.at(i + 1) == u'"') {
                    field += u'"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                field += c;
            }
        } else if (c == u'"' && field.isEmpty() && !wasQuoted) {
            quoted = wasQuoted = true;
        } else if (c == u',') {
            fields << field;
            field.clear();
            wasQuoted = false;
        } else if (c == u'"') {
            return fail(ErrorCode::InvalidArgument, "parse error on line 1, column " + std::to_string(i + 1)
                                                        + ": bare \" in non-quoted-field");
        } else {
            field += c;
        }
    }
    if (quoted)
        return fail(ErrorCode::InvalidArgument, "parse error on line 1, column " + std::to_string(line.size() + 1)
                                                    + ": extraneous or missing \" in quoted-field");
    fields << field;
    return fields;
}

} // namespace

Result<QJsonObject> parseMountSpec(const QString &spec)
{
    auto fields = csvFields(spec);
    if (!fields)
        return fail(fields.error());
    auto bad = [](const QString &message) { return fail(ErrorCode::InvalidArgument, message.toStdString()); };
    QString type = QStringLiteral("volume");
    QString source, target, consistency;
    std::optional<bool> readOnly;
    QJsonObject bind, volume, tmpfs, driver, labels, driverOptions;
    bool hasBind = false, hasVolume = false, hasTmpfs = false;
    auto setOnMap = [](QJsonObject &map, const QString &value) {
        const qsizetype eq = value.indexOf(u'=');
        map.insert(eq < 0 ? value : value.left(eq), eq < 0 ? QString() : value.mid(eq + 1));
    };
    for (const QString &field : std::as_const(*fields)) {
        const qsizetype eq = field.indexOf(u'=');
        const QString key = (eq < 0 ? field : field.left(eq)).toLower();
        const QString value = eq < 0 ? QString() : field.mid(eq + 1);
        if (eq < 0) {
            if (key == QLatin1String("readonly") || key == QLatin1String("ro")) {
                readOnly = true;
            } else if (key == QLatin1String("volume-nocopy")) {
                volume.insert(QStringLiteral("NoCopy"), true);
                hasVolume = true;
            } else if (key == QLatin1String("bind-nonrecursive")) {
                bind.insert(QStringLiteral("NonRecursive"), true);
                hasBind = true;
            } else {
                return bad(QStringLiteral("invalid field '%1' must be a key=value pair").arg(field));
            }
            continue;
        }
        if (key == QLatin1String("type")) {
            type = value.toLower();
        } else if (key == QLatin1String("source") || key == QLatin1String("src")) {
            source = value;
            if (value == QLatin1String(".") || value.startsWith(QLatin1String("./")))
                source = QDir::cleanPath(QDir::current().absoluteFilePath(value));
        } else if (key == QLatin1String("target") || key == QLatin1String("dst") || key == QLatin1String("destination")) {
            target = value;
        } else if (key == QLatin1String("readonly") || key == QLatin1String("ro")) {
            readOnly = parseGoBool(value);
            if (!readOnly)
                return bad(QStringLiteral("invalid value for %1: %2").arg(key, value));
        } else if (key == QLatin1String("consistency")) {
            consistency = value.toLower();
        } else if (key == QLatin1String("bind-propagation")) {
            bind.insert(QStringLiteral("Propagation"), value.toLower());
            hasBind = true;
        } else if (key == QLatin1String("bind-nonrecursive")) {
            const auto b = parseGoBool(value);
            if (!b)
                return bad(QStringLiteral("invalid value for %1: %2").arg(key, value));
            bind.insert(QStringLiteral("NonRecursive"), *b);
            hasBind = true;
        } else if (key == QLatin1String("volume-subpath")) {
            volume.insert(QStringLiteral("Subpath"), value);
            hasVolume = true;
        } else if (key == QLatin1String("volume-nocopy")) {
            const auto b = parseGoBool(value);
            if (!b)
                return bad(QStringLiteral("invalid value for volume-nocopy: %1").arg(value));
            volume.insert(QStringLiteral("NoCopy"), *b);
            hasVolume = true;
        } else if (key == QLatin1String("volume-label")) {
            setOnMap(labels, value);
            hasVolume = true;
        } else if (key == QLatin1String("volume-driver")) {
            driver.insert(QStringLiteral("Name"), value);
            hasVolume = true;
        } else if (key == QLatin1String("volume-opt")) {
            setOnMap(driverOptions, value);
            hasVolume = true;
        } else if (key == QLatin1String("tmpfs-size")) {
            auto size = parseRamSize(value);
            if (!size)
                return bad(QStringLiteral("invalid value for %1: %2").arg(key, value));
            tmpfs.insert(QStringLiteral("SizeBytes"), *size);
            hasTmpfs = true;
        } else if (key == QLatin1String("tmpfs-mode")) {
            bool ok = false;
            const qulonglong mode = value.toULongLong(&ok, 8);
            if (!ok || mode > 0xffffffffULL)
                return bad(QStringLiteral("invalid value for %1: %2").arg(key, value));
            tmpfs.insert(QStringLiteral("Mode"), qint64(mode));
            hasTmpfs = true;
        } else {
            return bad(QStringLiteral("unexpected key '%1' in '%2'").arg(key, field));
        }
    }
    if (type.isEmpty())
        return bad(QStringLiteral("type is required"));
    if (target.isEmpty())
        return bad(QStringLiteral("target is required"));
    if (hasVolume && type != QLatin1String("volume"))
        return bad(QStringLiteral("cannot mix 'volume-*' options with mount type '%1'").arg(type));
    if (hasBind && type != QLatin1String("bind"))
        return bad(QStringLiteral("cannot mix 'bind-*' options with mount type '%1'").arg(type));
    if (hasTmpfs && type != QLatin1String("tmpfs"))
        return bad(QStringLiteral("cannot mix 'tmpfs-*' options with mount type '%1'").arg(type));
    QJsonObject m{{QStringLiteral("Type"), type}, {QStringLiteral("Target"), target}};
    if (!source.isEmpty())
        m.insert(QStringLiteral("Source"), source);
    if (readOnly.value_or(false))
        m.insert(QStringLiteral("ReadOnly"), true);
    if (!consistency.isEmpty())
        m.insert(QStringLiteral("Consistency"), consistency);
    if (hasBind)
        m.insert(QStringLiteral("BindOptions"), bind);
    if (hasVolume) {
        if (!labels.isEmpty())
            volume.insert(QStringLiteral("Labels"), labels);
        if (!driver.isEmpty() || !driverOptions.isEmpty()) {
            if (!driverOptions.isEmpty())
                driver.insert(QStringLiteral("Options"), driverOptions);
            volume.insert(QStringLiteral("DriverConfig"), driver);
        }
        m.insert(QStringLiteral("VolumeOptions"), volume);
    }
    if (hasTmpfs)
        m.insert(QStringLiteral("TmpfsOptions"), tmpfs);
    return m;
}

std::expected<CreateSpec, OptionError> buildCreateSpec(const ParsedArgs &args, bool forRun, const EnvLookup &lookup,
                                                       std::optional<std::pair<int, int>> consoleSize)
{
    CreateSpec spec;
    const QStringList positionals = args.positionals();
    spec.image = positionals.value(0);
    const QStringList command = positionals.mid(1);
    spec.name = args.value(QStringLiteral("name"));
    spec.platform = args.value(QStringLiteral("platform"));
    spec.tty = args.flag(QStringLiteral("tty"));
    spec.interactive = args.flag(QStringLiteral("interactive"));
    spec.autoRemove = args.flag(QStringLiteral("rm"));
    spec.quiet = args.flag(QStringLiteral("quiet"));
    spec.detach = forRun && args.flag(QStringLiteral("detach"));
    spec.sigProxy = !args.isSet(QStringLiteral("sig-proxy")) || args.flag(QStringLiteral("sig-proxy"));
    spec.detachKeys = args.value(QStringLiteral("detach-keys"));

    const QString pull = args.value(QStringLiteral("pull"), QStringLiteral("missing"));
    if (pull == QLatin1String("missing"))
        spec.pull = CreateSpec::Pull::Missing;
    else if (pull == QLatin1String("never"))
        spec.pull = CreateSpec::Pull::Never;
    else if (pull == QLatin1String("always"))
        spec.pull = CreateSpec::Pull::Always;
    else
        return optionError(QStringLiteral("invalid pull option: '%1': must be one of \"always\", \"missing\" or \"never\"").arg(pull));

    // Which streams to attach (run without -d; create records them too).
    const QStringList attach = args.values(QStringLiteral("attach"));
    for (const QString &a : attach) {
        const QString s = a.toLower();
        if (s != QLatin1String("stdin") && s != QLatin1String("stdout") && s != QLatin1String("stderr"))
            return optionError(QStringLiteral("invalid argument \"%1\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR").arg(a), true);
    }
    if (spec.detach) {
        if (!attach.isEmpty())
            return optionError(QStringLiteral("conflicting options: cannot specify both --attach and --detach"));
    } else if (!attach.isEmpty()) {
        for (const QString &a : attach) {
            const QString s = a.toLower();
            spec.attachStdin |= s == QLatin1String("stdin");
            spec.attachStdout |= s == QLatin1String("stdout");
            spec.attachStderr |= s == QLatin1String("stderr");
        }
    } else {
        spec.attachStdout = true;
        spec.attachStderr = true;
        spec.attachStdin = spec.interactive;
    }
    if (!forRun) {
        // create: docker records the streams as run would attach them.
        spec.attachStdin = attach.isEmpty() ? spec.interactive : spec.attachStdin;
    }

    // Environment: env files first, then -e, as docker merges them.
    QStringList env;
    for (const QString &file : args.values(QStringLiteral("env-file"))) {
        auto lines = readEnvFile(file, lookup);
        if (!lines)
            return optionError(QString::fromStdString(lines.error().message()));
        env << *lines;
    }
    for (const QString &e : args.values(QStringLiteral("env"))) {
        auto v = resolveEnvValue(e, lookup);
        if (!v)
            return badValue(e, QStringLiteral("-e, --env"), QString::fromStdString(v.error().message()));
        env << *v;
    }

    // Labels: label files, then -l.
    QJsonObject labels;
    QStringList labelValues;
    for (const QString &file : args.values(QStringLiteral("label-file"))) {
        auto lines = readEnvFile(file, nullptr);
        if (!lines)
            return optionError(QString::fromStdString(lines.error().message()));
        labelValues << *lines;
    }
    for (const QString &l : args.values(QStringLiteral("label"))) {
        if (l.section(QLatin1Char('='), 0, 0).isEmpty())
            return badValue(l, QStringLiteral("-l, --label"), QStringLiteral("invalid label '%1': empty name").arg(l));
        labelValues << l;
    }
    for (const QString &l : std::as_const(labelValues)) {
        const qsizetype eq = l.indexOf(QLatin1Char('='));
        labels.insert(eq < 0 ? l : l.left(eq), eq < 0 ? QString() : l.mid(eq + 1));
    }

    auto ports = buildPublishedPorts(args.values(QStringLiteral("publish")), args.values(QStringLiteral("expose")));
    if (!ports)
        return optionError(QString::fromStdString(ports.error().message()));

    // Volumes: bind and named sources go to Binds, bare targets to Volumes.
    QStringList binds;
    QJsonObject volumes;
    for (const QString &v : args.values(QStringLiteral("volume"))) {
        auto parsed = parseVolumeSpec(v);
        if (!parsed)
            return optionError(QString::fromStdString(parsed.error().message()));
        if (parsed->source.isEmpty()) {
            volumes.insert(v, QJsonObject());
            continue;
        }
        QString bind = v;
        if (parsed->bind && parsed->source.startsWith(QLatin1Char('.'))) {
            const qsizetype colon = v.indexOf(QLatin1Char(':'));
            bind = QDir::cleanPath(QDir::current().absoluteFilePath(parsed->source)) + v.mid(colon);
        }
        binds << bind;
    }
    QJsonArray mountList;
    for (const QString &m : args.values(QStringLiteral("mount"))) {
        auto parsed = parseMountSpec(m);
        if (!parsed)
            return badValue(m, QStringLiteral("--mount"), QString::fromStdString(parsed.error().message()));
        mountList.append(*parsed);
    }
    QJsonObject tmpfs;
    for (const QString &t : args.values(QStringLiteral("tmpfs"))) {
        const qsizetype colon = t.indexOf(QLatin1Char(':'));
        tmpfs.insert(colon < 0 ? t : t.left(colon), colon < 0 ? QString() : t.mid(colon + 1));
    }

    qint64 memory = 0;
    if (args.isSet(QStringLiteral("memory"))) {
        auto m = parseRamSize(args.value(QStringLiteral("memory")));
        if (!m)
            return badValue(args.value(QStringLiteral("memory")), QStringLiteral("-m, --memory"), QString::fromStdString(m.error().message()));
        memory = *m;
    }
    qint64 memorySwap = 0;
    if (args.isSet(QStringLiteral("memory-swap"))) {
        const QString v = args.value(QStringLiteral("memory-swap"));
        if (v == QLatin1String("-1")) {
            memorySwap = -1;
        } else {
            auto m = parseRamSize(v);
            if (!m)
                return badValue(v, QStringLiteral("--memory-swap"), QString::fromStdString(m.error().message()));
            memorySwap = *m;
        }
    }
    qint64 shmSize = 0;
    if (args.isSet(QStringLiteral("shm-size"))) {
        auto m = parseRamSize(args.value(QStringLiteral("shm-size")));
        if (!m)
            return badValue(args.value(QStringLiteral("shm-size")), QStringLiteral("--shm-size"), QString::fromStdString(m.error().message()));
        shmSize = *m;
    }
    qint64 nanoCpus = 0;
    if (args.isSet(QStringLiteral("cpus"))) {
        auto c = parseNanoCpus(args.value(QStringLiteral("cpus")));
        if (!c)
            return badValue(args.value(QStringLiteral("cpus")), QStringLiteral("--cpus"), QString::fromStdString(c.error().message()));
        nanoCpus = *c;
    }
    const auto intOption = [&](const char *name, const QString &flagName) -> std::expected<std::optional<qint64>, OptionError> {
        const QString key = QLatin1String(name);
        if (!args.isSet(key))
            return std::optional<qint64>();
        const QString v = args.value(key);
        const auto n = parseInt(v);
        if (!n)
            return badValue(v, flagName, QStringLiteral("strconv.ParseInt: parsing \"%1\": invalid syntax").arg(v));
        return n;
    };
    auto pidsLimit = intOption("pids-limit", QStringLiteral("--pids-limit"));
    if (!pidsLimit)
        return std::unexpected(pidsLimit.error());
    auto stopTimeout = intOption("stop-timeout", QStringLiteral("--stop-timeout"));
    if (!stopTimeout)
        return std::unexpected(stopTimeout.error());
    auto cpuShares = intOption("cpu-shares", QStringLiteral("-c, --cpu-shares"));
    if (!cpuShares)
        return std::unexpected(cpuShares.error());

    auto restart = parseRestartPolicy(args.value(QStringLiteral("restart")));
    if (!restart)
        return optionError(QString::fromStdString(restart.error().message()));
    if (spec.autoRemove && restart->value(QStringLiteral("Name")).toString() != QLatin1String("no")
        && !restart->value(QStringLiteral("Name")).toString().isEmpty())
        return optionError(QStringLiteral("conflicting options: cannot specify both --restart and --rm"));

    QJsonObject logOptions;
    for (const QString &o : args.values(QStringLiteral("log-opt"))) {
        const qsizetype eq = o.indexOf(QLatin1Char('='));
        logOptions.insert(eq < 0 ? o : o.left(eq), eq < 0 ? QString() : o.mid(eq + 1));
    }

    if (spec.detach && spec.autoRemove == false && !args.values(QStringLiteral("attach")).isEmpty())
        return optionError(QStringLiteral("conflicting options: cannot specify both --attach and --detach"));

    QString network = args.value(QStringLiteral("network"), args.value(QStringLiteral("net")));
    if (network.isEmpty())
        network = QStringLiteral("default");

    QJsonObject &b = spec.body;
    b.insert(QStringLiteral("Hostname"), args.value(QStringLiteral("hostname")));
    b.insert(QStringLiteral("Domainname"), QString());
    b.insert(QStringLiteral("User"), args.value(QStringLiteral("user")));
    b.insert(QStringLiteral("AttachStdin"), spec.attachStdin && !spec.detach);
    b.insert(QStringLiteral("AttachStdout"), spec.attachStdout && !spec.detach);
    b.insert(QStringLiteral("AttachStderr"), spec.attachStderr && !spec.detach);
    if (!ports->exposedPorts.isEmpty())
        b.insert(QStringLiteral("ExposedPorts"), ports->exposedPorts);
    b.insert(QStringLiteral("Tty"), spec.tty);
    b.insert(QStringLiteral("OpenStdin"), spec.interactive);
    b.insert(QStringLiteral("StdinOnce"), spec.interactive && spec.attachStdin && !spec.detach);
    b.insert(QStringLiteral("Env"), listOrNull(env));
    b.insert(QStringLiteral("Cmd"), listOrNull(command));
    b.insert(QStringLiteral("Image"), spec.image);
    b.insert(QStringLiteral("Volumes"), volumes);
    b.insert(QStringLiteral("WorkingDir"), args.value(QStringLiteral("workdir")));
    if (args.isSet(QStringLiteral("entrypoint")))
        b.insert(QStringLiteral("Entrypoint"), QJsonArray{args.value(QStringLiteral("entrypoint"))});
    else
        b.insert(QStringLiteral("Entrypoint"), QJsonValue::Null);
    b.insert(QStringLiteral("OnBuild"), QJsonValue::Null);
    b.insert(QStringLiteral("Labels"), labels);
    if (args.isSet(QStringLiteral("stop-signal")))
        b.insert(QStringLiteral("StopSignal"), args.value(QStringLiteral("stop-signal")));
    if (*stopTimeout)
        b.insert(QStringLiteral("StopTimeout"), qint64(**stopTimeout));

    QJsonObject h;
    h.insert(QStringLiteral("Binds"), listOrNull(binds));
    h.insert(QStringLiteral("ContainerIDFile"), QString());
    h.insert(QStringLiteral("LogConfig"), QJsonObject{{QStringLiteral("Type"), args.value(QStringLiteral("log-driver"))},
                                                      {QStringLiteral("Config"), logOptions}});
    h.insert(QStringLiteral("NetworkMode"), network);
    h.insert(QStringLiteral("PortBindings"), ports->portBindings);
    h.insert(QStringLiteral("RestartPolicy"), *restart);
    h.insert(QStringLiteral("AutoRemove"), spec.autoRemove);
    h.insert(QStringLiteral("VolumeDriver"), QString());
    h.insert(QStringLiteral("VolumesFrom"), listOrNull(args.values(QStringLiteral("volumes-from"))));
    QJsonArray console{0, 0};
    if (consoleSize && spec.tty)
        console = QJsonArray{consoleSize->first, consoleSize->second};
    h.insert(QStringLiteral("ConsoleSize"), console);
    h.insert(QStringLiteral("CapAdd"), listOrNull(args.values(QStringLiteral("cap-add"))));
    h.insert(QStringLiteral("CapDrop"), listOrNull(args.values(QStringLiteral("cap-drop"))));
    h.insert(QStringLiteral("CgroupnsMode"), QString());
    h.insert(QStringLiteral("Dns"), toArray(args.values(QStringLiteral("dns"))));
    h.insert(QStringLiteral("DnsOptions"), QJsonArray());
    h.insert(QStringLiteral("DnsSearch"), QJsonArray());
    h.insert(QStringLiteral("ExtraHosts"), listOrNull(args.values(QStringLiteral("add-host"))));
    h.insert(QStringLiteral("GroupAdd"), listOrNull(args.values(QStringLiteral("group-add"))));
    h.insert(QStringLiteral("IpcMode"), QString());
    h.insert(QStringLiteral("Cgroup"), QString());
    h.insert(QStringLiteral("Links"), QJsonValue::Null);
    h.insert(QStringLiteral("OomScoreAdj"), 0);
    h.insert(QStringLiteral("PidMode"), QString());
    h.insert(QStringLiteral("Privileged"), args.flag(QStringLiteral("privileged")));
    h.insert(QStringLiteral("PublishAllPorts"), args.flag(QStringLiteral("publish-all")));
    h.insert(QStringLiteral("ReadonlyRootfs"), args.flag(QStringLiteral("read-only")));
    h.insert(QStringLiteral("SecurityOpt"), listOrNull(args.values(QStringLiteral("security-opt"))));
    if (!tmpfs.isEmpty())
        h.insert(QStringLiteral("Tmpfs"), tmpfs);
    if (!mountList.isEmpty())
        h.insert(QStringLiteral("Mounts"), mountList);
    h.insert(QStringLiteral("UTSMode"), QString());
    h.insert(QStringLiteral("UsernsMode"), QString());
    h.insert(QStringLiteral("ShmSize"), shmSize);
    h.insert(QStringLiteral("Isolation"), QString());
    h.insert(QStringLiteral("CpuShares"), cpuShares->value_or(0));
    h.insert(QStringLiteral("Memory"), memory);
    h.insert(QStringLiteral("NanoCpus"), nanoCpus);
    h.insert(QStringLiteral("CgroupParent"), QString());
    h.insert(QStringLiteral("CpuPeriod"), 0);
    h.insert(QStringLiteral("CpuQuota"), 0);
    h.insert(QStringLiteral("CpusetCpus"), args.value(QStringLiteral("cpuset-cpus")));
    h.insert(QStringLiteral("CpusetMems"), QString());
    h.insert(QStringLiteral("Devices"), QJsonArray());
    h.insert(QStringLiteral("MemoryReservation"), 0);
    h.insert(QStringLiteral("MemorySwap"), memorySwap);
    h.insert(QStringLiteral("MemorySwappiness"), -1);
    h.insert(QStringLiteral("OomKillDisable"), false);
    h.insert(QStringLiteral("PidsLimit"), pidsLimit->value_or(0));
    h.insert(QStringLiteral("Ulimits"), QJsonArray());
    if (args.flag(QStringLiteral("init")))
        h.insert(QStringLiteral("Init"), true);
    b.insert(QStringLiteral("HostConfig"), h);

    QJsonObject endpoint{{QStringLiteral("IPAMConfig"), QJsonValue::Null}, {QStringLiteral("Links"), QJsonValue::Null},
                         {QStringLiteral("Aliases"), QJsonValue::Null}, {QStringLiteral("MacAddress"), QString()},
                         {QStringLiteral("DriverOpts"), QJsonValue::Null}, {QStringLiteral("NetworkID"), QString()},
                         {QStringLiteral("EndpointID"), QString()}, {QStringLiteral("Gateway"), QString()},
                         {QStringLiteral("IPAddress"), QString()}, {QStringLiteral("IPPrefixLen"), 0},
                         {QStringLiteral("IPv6Gateway"), QString()}, {QStringLiteral("GlobalIPv6Address"), QString()},
                         {QStringLiteral("GlobalIPv6PrefixLen"), 0}, {QStringLiteral("DNSNames"), QJsonValue::Null}};
    b.insert(QStringLiteral("NetworkingConfig"),
             QJsonObject{{QStringLiteral("EndpointsConfig"), QJsonObject{{network, endpoint}}}});
    return spec;
}

} // namespace Berth::Cli
