// D-Bus's peer: sd-bus (libsystemd) on both sides of a private dbus-daemon the driver starts. The
// server owns org.guise.Peers and exports Echo(ay) → ay; every call goes client → daemon → server
// → daemon → client, as every D-Bus method call does. The idle clients are bus connections: their
// memory is the daemon's, which the driver measures.
#include <systemd/sd-bus.h>

#include <cstring>
#include <future>
#include <memory>
#include <thread>

#include "peer.h"

namespace {

using guise::peers::kPayload;

constexpr const char* kName = "org.guise.Peers";
constexpr const char* kPath = "/org/guise/Peers";
constexpr const char* kInterface = "org.guise.Peers";

void check(int r, const char* what) {
  if (r < 0) guise::peers::fail(std::string("sd-bus: ") + what + ": " + std::strerror(-r));
}

int echo(sd_bus_message* call, void*, sd_bus_error*) {
  const void* data = nullptr;
  std::size_t size = 0;
  int r = sd_bus_message_read_array(call, 'y', &data, &size);
  if (r < 0) return r;
  sd_bus_message* reply = nullptr;
  r = sd_bus_message_new_method_return(call, &reply);
  if (r < 0) return r;
  r = sd_bus_message_append_array(reply, 'y', data, size);
  if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
  sd_bus_message_unref(reply);
  return r < 0 ? r : 1;
}

const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Echo", "ay", "ay", echo, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

sd_bus* open_bus(const std::string& address) {
  sd_bus* bus = nullptr;
  check(sd_bus_new(&bus), "sd_bus_new");
  check(sd_bus_set_address(bus, address.c_str()), "sd_bus_set_address");
  check(sd_bus_set_bus_client(bus, 1), "sd_bus_set_bus_client");
  check(sd_bus_start(bus), "sd_bus_start");
  return bus;
}

class BusConnection final : public guise::peers::Connection {
 public:
  explicit BusConnection(const std::string& address) : bus_(open_bus(address)) {}
  ~BusConnection() override { sd_bus_flush_close_unref(bus_); }
  void call(const std::byte* request, std::byte* reply) override {
    sd_bus_message* m = nullptr;
    sd_bus_message* answer = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    check(sd_bus_message_new_method_call(bus_, &m, kName, kPath, kInterface, "Echo"), "new_method_call");
    check(sd_bus_message_append_array(m, 'y', request, kPayload), "append_array");
    const int r = sd_bus_call(bus_, m, 0, &error, &answer);
    sd_bus_message_unref(m);
    if (r < 0) guise::peers::fail(std::string("sd-bus: Echo: ") + (error.message ? error.message : std::strerror(-r)));
    const void* data = nullptr;
    std::size_t size = 0;
    check(sd_bus_message_read_array(answer, 'y', &data, &size), "read_array");
    if (size != kPayload) guise::peers::fail("sd-bus: a short reply");
    std::memcpy(reply, data, kPayload);
    sd_bus_message_unref(answer);
    sd_bus_error_free(&error);
  }

 private:
  sd_bus* bus_;
};

}  // namespace

int main(int argc, char** argv) {
  guise::peers::Peer peer;
  peer.serve = [](const std::string& address, bool) {
    std::promise<void> ready;
    auto serving = ready.get_future();
    // The bus connection lives on the thread that serves it.
    std::thread([address, &ready] {
      sd_bus* bus = open_bus(address);
      check(sd_bus_add_object_vtable(bus, nullptr, kPath, kInterface, kVtable, nullptr), "add_object_vtable");
      check(sd_bus_request_name(bus, kName, 0), "request_name");
      ready.set_value();
      for (;;) {
        const int r = sd_bus_process(bus, nullptr);
        check(r, "process");
        if (r > 0) continue;
        check(sd_bus_wait(bus, UINT64_MAX), "wait");
      }
    }).detach();
    serving.wait();
    return address;
  };
  peer.connect = [](const std::string& address) -> std::unique_ptr<guise::peers::Connection> {
    return std::make_unique<BusConnection>(address);
  };
  return guise::peers::peer_main(argc, argv, peer);
}
