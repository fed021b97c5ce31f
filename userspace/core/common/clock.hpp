#pragma once
// Engines never read a clock: drivers pass `now` in, tests pass a virtual time.
#include <chrono>

namespace bootgate {
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
}  // namespace bootgate
