#pragma once

#include "runtimebackend.h"

#include <base/result.h>
#include <engine/containerstore.h>
#include <engine/imagestore.h>

#include <QJsonObject>
#include <QMap>
#include <QString>

#include <functional>

namespace Berth::Daemon {

// Turning a POST /containers/create body into a container record, and a
// record into the shim's spec (core/runtime/README.md 2). Pure functions:
// no I/O except where a hook says so; every rejection carries docker's
// message and status.
namespace ContainerConfig {

struct CreateContext
{
    QString id;
    QString name;
    QString created; // RFC 3339 nano
    Engine::ImageRecord image;
    QString imageRef;     // Config.Image as the client sent it
    int hostCpus = 1;
    // -v NAME:/path: returns the volume's host directory (created on demand).
    std::function<Result<QString>(const QString &name)> volumeMountpoint;
    // -v /host:/path with a missing host directory: docker creates it.
    std::function<Status(const QString &path)> createHostDirectory;
    // Volumes of every kind (-v NAME:/x, -v /x, image VOLUMEs, --mount
    // type=volume): returns the volume's name and mountpoint, creating it
    // (anonymous: a random name, labelled com.docker.volume.anonymous) when
    // missing; `created` says so. Unset: volumeMountpoint for named volumes,
    // anonymous ones refused.
    struct VolumeRequest
    {
        QString name; // empty: anonymous
        QString driver;
        QMap<QString, QString> labels;
        QMap<QString, QString> options;
    };
    struct VolumeGrant
    {
        QString name;
        QString mountpoint;
        bool created = false;
    };
    std::function<Result<VolumeGrant>(const VolumeRequest &request)> provideVolume;
    // Undoes a volume provideVolume created when the create fails later.
    std::function<void(const QString &name)> dropVolume;
    // berthd's root (binds of it or below it are refused).
    QString engineRoot;
    // --volumes-from: the container a reference names (404 "No such
    // container: X" otherwise). Unset: VolumesFrom is refused.
    std::function<Result<Engine::ContainerRecord>(const QString &ref)> findContainer;
};

// Validates the body and builds the record (status Created). 400 for bad
// input with docker's wording ("No command specified", "invalid restart
// policy ...", "Minimum memory limit allowed is 6MB", ...).
Result<Engine::ContainerRecord> buildRecord(const QJsonObject &body, const CreateContext &context);

struct SpecContext
{
    QString layersDir;      // <root>/layers
    QStringList lowerDirs;  // top layer first, relative to layersDir
    QString cgroupParent;
    QString bridge;         // bridge mode
    QString gateway;
    int prefixLength = 16;
    QString address;        // bridge mode: this start's address
    QString macAddress;
    int mtu = 1500;
    QList<RuntimePort> ports;
};

// The shim.json object for the next start of `record`.
QJsonObject shimSpec(const Engine::ContainerRecord &record, const SpecContext &context);

// The ports HostConfig asks for (PortBindings, PublishAllPorts over
// ExposedPorts), hostPort 0 = any free port. 400 for a bad specification.
Result<QList<RuntimePort>> requestedPorts(const Engine::ContainerRecord &record);

// A PortBindings HostPort: "" (any free port: {0, 0}), "8080" ({8080, 8080})
// or a range "8000-8010" ({8000, 8010}). 400 "invalid port specification".
Result<std::pair<int, int>> parseHostPortRange(const QString &text);

// "SIGTERM", "TERM", "15" -> 15; 0 for anything else.
int parseSignal(const QString &text);
// 15 -> "SIGTERM" (docker's event attribute form: the number as text).
QString signalName(int signal);

// Stop signal of a container (Config.StopSignal, default SIGTERM) and its
// stop timeout in seconds (Config.StopTimeout, default 10).
int stopSignal(const Engine::ContainerRecord &record);
int stopTimeout(const Engine::ContainerRecord &record);

// Entrypoint + Cmd as one shell-quoted line (ps COMMAND).
QString commandLine(const Engine::ContainerRecord &record);

// docker's default capability set with CapAdd/CapDrop applied ("ALL" too),
// as CAP_ names. 400 for an unknown capability.
Result<QStringList> capabilities(const QJsonArray &capAdd, const QJsonArray &capDrop);

// go-units HumanDuration (engine-api.md 8.11).
QString humanDuration(qint64 seconds);

// The hosts file of a container in bridge/none mode.
QByteArray hostsFile(const QString &hostname, const QString &address);
// The host's resolv.conf minus loopback nameservers (docker's rule; with
// none left, Google's public resolvers are NOT added: an empty list).
QByteArray resolvConf(const QByteArray &hostResolvConf);

} // namespace ContainerConfig

} // namespace Berth::Daemon
