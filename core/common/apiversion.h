#pragma once

namespace Berth::Common {

// The Docker Engine API versions berthd speaks (engine-api.md section 2).
inline constexpr int kApiMajor = 1;
inline constexpr int kApiMaxMinor = 41;
inline constexpr int kApiMinMinor = 24;
inline constexpr const char kApiVersion[] = "1.41";
inline constexpr const char kMinApiVersion[] = "1.24";

// Default locations of the helper's state and socket (design.md).
inline constexpr const char kDefaultRoot[] = "/var/lib/berth";
inline constexpr const char kDefaultSocket[] = "/run/berth/berth.sock";

} // namespace Berth::Common
