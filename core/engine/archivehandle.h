#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>

// RAII owners for libarchive handles (style.md C11). Internal header.
namespace Berth::Engine::Internal {

struct ArchiveReadDeleter { void operator()(struct archive *a) const { archive_read_free(a); } };
struct ArchiveWriteDeleter { void operator()(struct archive *a) const { archive_write_free(a); } };
struct ArchiveEntryDeleter { void operator()(struct archive_entry *e) const { archive_entry_free(e); } };

using ArchiveReadPtr = std::unique_ptr<struct archive, ArchiveReadDeleter>;
using ArchiveWritePtr = std::unique_ptr<struct archive, ArchiveWriteDeleter>;
using ArchiveEntryPtr = std::unique_ptr<struct archive_entry, ArchiveEntryDeleter>;

} // namespace Berth::Engine::Internal
