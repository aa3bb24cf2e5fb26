// limits.h: the bounds a decoder enforces on input it did not produce.
//
// One struct, passed to every Reader, so a deployment can tighten all bounds in one place. Each field
// names the attack it stops. The defaults fit every message the system interfaces carry with room to
// spare. Value type; copy freely.
#pragma once

#include <cstddef>
#include <cstdint>

namespace guise::ndr {

struct Limits {
  // Stops stack exhaustion: a chain of unique pointers or nested unions in a 4 MiB body could
  // otherwise recurse a million levels deep.
  std::uint32_t max_depth = 64;
  // Stops memory amplification: every decoded byte of memory is charged here, so a body whose
  // referents are small on the wire but large in memory (a fixed array behind each 4-byte
  // referent id) cannot make us allocate more than this.
  std::size_t max_allocation = 64u << 20;
  // Stops a single claimed conformance from sizing a huge buffer even when the body is large:
  // no array, string or blob may hold more elements than this.
  std::uint32_t max_elements = 16u << 20;
};

}  // namespace guise::ndr
