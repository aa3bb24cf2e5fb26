#include "preprocess.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

namespace guise::midl {

std::optional<std::string> preprocess(const std::string& path, const CompileOptions& options, Diagnostics& diags) {
  SourceLocation where{std::make_shared<const std::string>(path), 1, 1};
  std::vector<std::string> args = {options.preprocessor, "-x", "c", "-E", "-D__midl=501", "-D__GUISE_MIDL__"};
  for (const auto& dir : options.include_dirs) args.push_back("-I" + dir);
  for (const auto& def : options.defines) args.push_back("-D" + def);
  args.push_back(path);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe(fds) != 0) {
    diags.error(where, "cannot run the C preprocessor: pipe failed");
    return std::nullopt;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    diags.error(where, "cannot run the C preprocessor: fork failed");
    return std::nullopt;
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string output;
  char buf[65536];
  while (true) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    diags.error(where, WIFEXITED(status) && WEXITSTATUS(status) == 127
                           ? "cannot run the C preprocessor '" + options.preprocessor + "'"
                           : "the C preprocessor failed on this file (its messages are above)");
    return std::nullopt;
  }
  return output;
}

}  // namespace guise::midl
