// unix_socket.h: the AF_UNIX plumbing the raw and guise peers share — a listening or connected
// stream socket at a filesystem path ("/…") or an abstract name ("@…"), and whole reads/writes.
// Each function aborts the program on failure (see peer.h). Thread-safety: none needed; every
// function works on its own descriptor.
#pragma once

#include <cstddef>
#include <string>

namespace guise::peers {

int listen_unix(const std::string& address, int flags = 0);
int connect_unix(const std::string& address);
// false at end of file or on an error.
bool read_all(int fd, std::byte* data, std::size_t size);
bool write_all(int fd, const std::byte* data, std::size_t size);

}  // namespace guise::peers
