// Load generator of the MLLP ingest benchmark (issue 6): N senders, each on its own connection and
// thread, send SS-MIX2 ADT^A08 messages (tests/gateway/support/ssmix2_messages) one at a time and
// wait for each ACK, as HL7's original mode has it, for a fixed time. Every message is new (its
// own control id and patient), so the server under test stores and converts every one.
//
//   socialrx_mllp_ingest_load --port P [--senders 8] [--seconds 10] [--warmup 2]
//                             [--charset iso2022jp|cp932|utf8] [--first-sender 1]
// Prints one line of key=value pairs: messages, per_second, p50_ms, p99_ms, max_ms, aa, ae, ar,
// failed (no reply in time or connection lost). Exit 1 when anything but AA came back.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tests/gateway/support/mllp_sender.hpp"
#include "tests/gateway/support/ssmix2_messages.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using socialrx::testing::Hl7Charset;

struct Options {
  int port = 0;
  int senders = 8;
  double seconds = 10;
  double warmup = 2;
  int first_sender = 1;
  Hl7Charset charset = Hl7Charset::iso2022jp;
};

struct SenderResult {
  std::vector<double> latencies_ms;  // measured window only
  long aa = 0, ae = 0, ar = 0, failed = 0;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--port") options.port = std::atoi(value.c_str());
    else if (key == "--senders") options.senders = std::atoi(value.c_str());
    else if (key == "--seconds") options.seconds = std::atof(value.c_str());
    else if (key == "--warmup") options.warmup = std::atof(value.c_str());
    else if (key == "--first-sender") options.first_sender = std::atoi(value.c_str());
    else if (key == "--charset") {
      options.charset = value == "utf8" ? Hl7Charset::utf8 : value == "cp932" ? Hl7Charset::cp932 : Hl7Charset::iso2022jp;
    } else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  if (options.port <= 0 || options.senders <= 0) {
    std::fprintf(stderr, "usage: socialrx_mllp_ingest_load --port P [--senders N] [--seconds S] [--warmup S]\n");
    std::exit(2);
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const auto start = Clock::now();
  const auto measure_from = start + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(options.warmup));
  const auto end = measure_from + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.seconds));
  std::vector<SenderResult> results(static_cast<std::size_t>(options.senders));
  std::vector<std::thread> threads;
  for (int s = 0; s < options.senders; ++s) {
    threads.emplace_back([&, s] {
      SenderResult& result = results[static_cast<std::size_t>(s)];
      socialrx::testing::MllpSender sender("127.0.0.1", static_cast<std::uint16_t>(options.port),
                                           std::chrono::milliseconds(10'000));
      const int sender_number = options.first_sender + s;
      for (int n = 0;; ++n) {
        const std::string message =
            socialrx::testing::adt_message(socialrx::testing::numbered_patient(sender_number, n), options.charset);
        const auto sent = Clock::now();
        if (sent >= end) break;
        const auto reply = sender.exchange(message);
        const auto answered = Clock::now();
        if (sent < measure_from) continue;
        if (!reply) {
          ++result.failed;
          continue;
        }
        result.latencies_ms.push_back(std::chrono::duration<double, std::milli>(answered - sent).count());
        const std::string code = socialrx::testing::ack_code(*reply);
        if (code == "AA" || code == "CA") ++result.aa;
        else if (code == "AE" || code == "CE") ++result.ae;
        else ++result.ar;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::vector<double> latencies;
  long aa = 0, ae = 0, ar = 0, failed = 0;
  for (const SenderResult& result : results) {
    latencies.insert(latencies.end(), result.latencies_ms.begin(), result.latencies_ms.end());
    aa += result.aa;
    ae += result.ae;
    ar += result.ar;
    failed += result.failed;
  }
  std::sort(latencies.begin(), latencies.end());
  const auto percentile = [&](double p) {
    if (latencies.empty()) return 0.0;
    const std::size_t index = std::min(latencies.size() - 1, static_cast<std::size_t>(p * static_cast<double>(latencies.size())));
    return latencies[index];
  };
  std::printf("messages=%zu per_second=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f aa=%ld ae=%ld ar=%ld failed=%ld\n",
              latencies.size(), static_cast<double>(latencies.size()) / options.seconds, percentile(0.50),
              percentile(0.99), latencies.empty() ? 0.0 : latencies.back(), aa, ae, ar, failed);
  return (ae + ar + failed) == 0 && aa > 0 ? 0 : 1;
}
