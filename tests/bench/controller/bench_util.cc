#include "tests/bench/controller/bench_util.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace joinguard::bench {

std::optional<int64_t> ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream ss(line.substr(field.size() + 1));
      int64_t kb = 0;
      ss >> kb;
      return kb;
    }
  }
  return std::nullopt;
}

namespace {

struct StatLine {
  std::string comm;
  double cpu_seconds = 0;
};

// /proc/.../stat: "pid (comm) state ...", utime and stime are fields 14 and 15.
std::optional<StatLine> ReadStat(const std::string& path) {
  std::ifstream in(path);
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto open = stat.find('(');
  const auto close = stat.rfind(')');  // comm may contain spaces and parentheses
  if (open == std::string::npos || close == std::string::npos || close + 2 > stat.size()) return std::nullopt;
  StatLine out;
  out.comm = stat.substr(open + 1, close - open - 1);
  std::istringstream ss(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && ss >> field; ++i) {
    if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
  }
  out.cpu_seconds = ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  return out;
}

}  // namespace

std::optional<double> ProcCpuSeconds(pid_t pid) {
  auto stat = ReadStat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return std::nullopt;
  return stat->cpu_seconds;
}

double NamedThreadsCpuSeconds(const std::string& comm) {
  double sum = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    auto stat = ReadStat(task.path().string() + "/stat");
    if (stat && stat->comm == comm) sum += stat->cpu_seconds;
  }
  return sum;
}

std::string ProcessThreadName() {
  std::ifstream in("/proc/self/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Mib(int64_t kb) { return static_cast<double>(kb) / 1024.0; }

double SumMetric(const std::string& exposition, const std::string& metric) {
  double sum = 0;
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(metric, 0) != 0) continue;
    const char next = line.size() > metric.size() ? line[metric.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    const auto sp = line.rfind(' ');
    sum += std::strtod(line.c_str() + sp + 1, nullptr);
  }
  return sum;
}

Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return UnavailableError("cannot write " + path);
  ::chmod(path.c_str(), 0600);
  return OkStatus();
}

}  // namespace joinguard::bench
