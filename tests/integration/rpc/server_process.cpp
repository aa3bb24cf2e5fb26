#include "integration/rpc/server_process.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace guise::rpc::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string status_value(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::string value = line.substr(key.size());
      for (auto& c : value) {
        if (c == '\t') c = ' ';
      }
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      return value;
    }
  }
  return "";
}

}  // namespace

ServerProcess::ServerProcess(const std::vector<std::string>& options) {
  static std::atomic<int> counter{0};
  const std::string name = "guise-abuse-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  log_path_ = "/tmp/" + name + ".log";
  std::vector<std::string> argv = {GUISE_RPC_TEST_SERVER};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("ncalrpc:[@" + name + "]");
  argv.push_back("ncacn_ip_tcp:127.0.0.1[0]");
  program_ = std::make_unique<RunningProgram>(argv, std::nullopt, std::nullopt, log_path_);
  std::vector<std::string> lines;
  ready_ = program_->wait_for_line("ready", &lines);
  for (const auto& [key, value] : split_fields(lines)) {
    if (key == "listening" && value.rfind("ncalrpc", 0) == 0) local_ = value;
    if (key == "listening" && value.rfind("ncacn_ip_tcp", 0) == 0) tcp_ = value;
    if (key == "connection_limit") connection_limit_ = static_cast<unsigned>(std::stoul(value));
  }
}

ServerProcess::~ServerProcess() {
  // The server must end as it should when its stdin closes: exit 0, no sanitizer report.
  program_->close_stdin();
  const std::optional<int> code = program_->wait(std::chrono::seconds(30));
  EXPECT_EQ(code, std::optional<int>(0)) << "the server did not exit cleanly\n" << log();
  EXPECT_EQ(log().find("Sanitizer"), std::string::npos) << log();
  program_.reset();
  ::unlink(log_path_.c_str());
}

std::string ServerProcess::log() const { return read_file(log_path_); }

int ServerProcess::log_lines_with(const std::string& text) const {
  std::istringstream in(log());
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.find(text) != std::string::npos) ++count;
  }
  return count;
}

long ServerProcess::rss_bytes() const {
  std::string value = status_value(read_file("/proc/" + std::to_string(pid()) + "/status"), "VmRSS:");
  return value.empty() ? -1 : std::atol(value.c_str()) * 1024;
}

long ServerProcess::cpu_ticks() const {
  // /proc/<pid>/stat: the command is in parentheses and may hold spaces; fields 14 and 15 (utime,
  // stime) follow its closing parenthesis as the 12th and 13th.
  std::string stat = read_file("/proc/" + std::to_string(pid()) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::atol(field.c_str());
    if (i == 15) stime = std::atol(field.c_str());
  }
  return utime + stime;
}

long long ServerProcess::runnable_ns() const {
  long long total = 0;
  const std::string task = "/proc/" + std::to_string(pid()) + "/task";
  DIR* dir = ::opendir(task.c_str());
  if (dir == nullptr) return -1;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    // schedstat: time on the CPU, time waiting on a run queue (ns), timeslices.
    std::istringstream in(read_file(task + "/" + e->d_name + "/schedstat"));
    long long on_cpu = 0, waiting = 0;
    if (in >> on_cpu >> waiting) total += on_cpu + waiting;
  }
  ::closedir(dir);
  return total;
}

std::vector<std::string> ServerProcess::thread_uid_lines() const {
  std::vector<std::string> out;
  const std::string task = "/proc/" + std::to_string(pid()) + "/task";
  DIR* dir = ::opendir(task.c_str());
  if (dir == nullptr) return out;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::string uids = status_value(read_file(task + "/" + e->d_name + "/status"), "Uid:");
    if (!uids.empty()) out.push_back(std::string(e->d_name) + " " + uids);  // a thread may just have left
  }
  ::closedir(dir);
  return out;
}

std::vector<std::string> ServerProcess::threads_not_at_process_identity() const {
  std::vector<std::string> out;
  for (const auto& line : thread_uid_lines()) {
    std::istringstream in(line);
    std::string tid;
    in >> tid;
    long id = 0;
    for (int i = 0; i < 4 && in >> id; ++i) {
      if (id != 0) {
        out.push_back(line);
        break;
      }
    }
  }
  return out;
}

long Attacker::number(const std::string& key) const {
  std::string v = value(key);
  return v.empty() ? -1 : std::atol(v.c_str());
}

void Attacker::finish() {
  if (!program) return;
  program->close_stdin();
  for (int i = 0; i < 100; ++i) {
    auto line = program->read_line(std::chrono::seconds(20));
    if (!line) break;
    lines.push_back(*line);
  }
  (void)program->wait(std::chrono::seconds(20));
}

Attacker attack(const std::string& mode, const std::string& binding, const std::vector<std::string>& arguments,
                uid_t uid) {
  std::vector<std::string> argv = {GUISE_RPC_TEST_ATTACKER, mode, binding};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  Attacker a;
  a.program = std::make_unique<RunningProgram>(argv, uid, uid);
  a.ready = a.program->wait_for_line("ready", &a.lines, std::chrono::seconds(60));
  return a;
}

}  // namespace guise::rpc::testing
