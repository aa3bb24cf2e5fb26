// guisectl: look at guise processes from outside — who serves which class, whether an endpoint
// answers, what a server sees of its caller, and (where a process allows introspection) its exported
// objects and running calls with the serving threads' kernel identities. docs/guisectl.md, guisectl(1).
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>
#include <string_view>

#include "base/log.h"
#include "commands.h"
#include "exit_codes.h"

namespace {

const char* const kExitCodesText =
    "Exit codes: 0 ok, 1 failure, 2 usage error, 3 not found, 4 unreachable, 5 refused,\n"
    "6 introspection not enabled in the process, 7 untrusted class entry (classes).";

}  // namespace

int main(int argc, char** argv) {
  using namespace guisectl;
  CLI::App app{"guisectl: inspect guise COM servers (class directory, reachability, caller identity, objects, calls)",
               "guisectl"};
  app.footer(kExitCodesText);
  app.require_subcommand(1, 1);
  app.fallthrough();  // --json and --timeout-ms also after the command
  CommonOptions common;
  app.add_flag("--json", common.json, "Print JSON (every value a string) instead of a table");
  app.add_option("--timeout-ms", common.timeout_ms, "Bound on each call, in milliseconds")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();

  WhoamiOptions whoami;
  CLI::App* whoami_cmd = app.add_subcommand(
      "whoami", "Call a server and print the blanket and identity it saw (the process needs GUISE_INTROSPECTION=1)");
  whoami_cmd->add_option("target", whoami.target, "CLSID, ncalrpc endpoint (ncalrpc:[@name], @name, /path) or PID")
      ->required();
  whoami_cmd->add_option("--authn-level", whoami.authn_level, "none, connect, call, pkt, integrity or privacy")
      ->capture_default_str();
  whoami_cmd->add_option("--imp-level", whoami.imp_level, "anonymous, identify, impersonate or delegate")
      ->capture_default_str();
  whoami_cmd->footer(kExitCodesText);

  std::string ping_target;
  int ping_count = 3;
  CLI::App* ping_cmd = app.add_subcommand("ping", "Check that a server answers (IObjectExporter::ServerAlive) and time it");
  ping_cmd->add_option("target", ping_target, "CLSID, ncalrpc endpoint or PID")->required();
  ping_cmd->add_option("-c,--count", ping_count, "Calls to make")->check(CLI::Range(1, 1000))->capture_default_str();
  ping_cmd->footer(kExitCodesText);

  CLI::App* classes_cmd = app.add_subcommand(
      "classes", "List the class directory: who serves which CLSID, checked against the kernel (SO_PEERCRED)");
  classes_cmd->footer(kExitCodesText);

  pid_t objects_pid = 0;
  CLI::App* objects_cmd = app.add_subcommand(
      "objects", "List the objects a process exports (it needs GUISE_INTROSPECTION=1; root or its uid only)");
  objects_cmd->add_option("pid", objects_pid, "Process id")->required()->check(CLI::PositiveNumber);
  std::string objects_endpoint;
  objects_cmd->add_option("--endpoint", objects_endpoint,
                          "Ask at this endpoint instead of finding it in /proc/PID (its server must still be PID)");
  objects_cmd->footer(kExitCodesText);

  pid_t calls_pid = 0;
  CLI::App* calls_cmd = app.add_subcommand(
      "calls", "List the calls a process is serving, and whether each serving thread impersonates (from /proc)");
  calls_cmd->add_option("pid", calls_pid, "Process id")->required()->check(CLI::PositiveNumber);
  std::string calls_endpoint;
  calls_cmd->add_option("--endpoint", calls_endpoint,
                        "Ask at this endpoint instead of finding it in /proc/PID (its server must still be PID)");
  calls_cmd->footer(kExitCodesText);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the error with a hint
    return code == 0 ? kExitOk : kExitUsage;
  }
  // The runtime's own log lines would mix with the table; errors reach stderr through guisectl.
  if (std::getenv("GUISE_LOG_LEVEL") == nullptr) (void)guise::log::set_level(std::string_view("warn"));

  if (*whoami_cmd) return run_whoami(common, whoami);
  if (*ping_cmd) return run_ping(common, ping_target, ping_count);
  if (*classes_cmd) return run_classes(common);
  if (*objects_cmd) return run_objects(common, objects_pid, objects_endpoint);
  if (*calls_cmd) return run_calls(common, calls_pid, calls_endpoint);
  return kExitUsage;
}
