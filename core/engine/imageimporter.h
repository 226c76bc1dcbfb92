#pragma once

#include "blobwriter.h"
#include "digest.h"

#include <base/result.h>

#include <QJsonObject>
#include <QStringList>

#include <memory>

namespace Berth::Engine {

class ImageStore;

// docker import: a rootfs tar (plain, gzip or zstd) pushed in chunks as the
// HTTP body arrives becomes a one-layer image. The stream is stored as a
// verified blob first, then applied as a layer; the image and its optional
// repository:tag appear only once everything is complete.
class ImageImporter
{
public:
    struct Options
    {
        QString repository;   // optional, "name" or "name:tag"
        QString tag;          // optional; overrides a tag in repository
        QStringList changes;  // --change lines
        QString message;      // -m, stored as the config comment
        QString source = QStringLiteral("-"); // shown in history: "Imported from -"
    };

    // Validates the options (reference and change lines) before any byte is read.
    static Result<std::unique_ptr<ImageImporter>> start(ImageStore &store, const Options &options);
    ~ImageImporter();

    Status write(QByteArrayView chunk);
    // Returns the new image's ID.
    Result<Digest> finish();

    // Applies Dockerfile-style --change lines to a container config object
    // (the "config" member of an image config). Supported: CMD, ENTRYPOINT,
    // ENV, WORKDIR, EXPOSE, USER, LABEL, VOLUME, STOPSIGNAL.
    static Result<QJsonObject> applyChanges(QJsonObject config, const QStringList &changes);
    // "amd64", "arm64", ... for this machine.
    static QString goArchitecture();

private:
    ImageImporter(ImageStore &store, Options options, QJsonObject config, std::unique_ptr<BlobWriter> writer);

    ImageStore &m_store;
    Options m_options;
    QJsonObject m_config;
    std::unique_ptr<BlobWriter> m_writer;
};

} // namespace Berth::Engine
