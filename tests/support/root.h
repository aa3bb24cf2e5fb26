// root.h: skip a test that needs root, with the reason.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#define GUISE_REQUIRE_ROOT()                                                          \
  do {                                                                                \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch uids (run as root)"; \
  } while (false)
