// Download (the window's API): background thread, progress snapshots, cancel, checksum, placement,
// against a small HTTP server on 127.0.0.1 run by the test.
#include "fetch/download.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

namespace fs = std::filesystem;
using namespace cnnscope;

namespace {

// NIST's SHA-256 test vector: one million 'a'.
const std::string kMillionA(1000000, 'a');
const char* kMillionASha256 = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

// Serves `body` to every GET in `chunks` pieces, `pause` apart.
class TinyServer {
public:
    TinyServer(std::string body, int chunks, std::chrono::milliseconds pause) : m_body(std::move(body)), m_chunks(chunks), m_pause(pause) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len);
        m_port = ntohs(a.sin_port);
        REQUIRE(::listen(m_fd, 4) == 0);
        m_thread = std::thread([this] { serve(); });
    }
    ~TinyServer() {
        m_stop = true;
        m_thread.join();
        ::close(m_fd);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/file.bin"; }

private:
    void serve() {
        while (!m_stop) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int c = ::accept(m_fd, nullptr, nullptr);
            if (c < 0) continue;
            std::string req;
            char buf[1024];
            while (req.find("\r\n\r\n") == std::string::npos) {
                const ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0) break;
                req.append(buf, size_t(n));
            }
            std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(m_body.size()) + "\r\nConnection: close\r\n\r\n";
            bool ok = ::send(c, head.data(), head.size(), MSG_NOSIGNAL) == ssize_t(head.size());
            const size_t step = (m_body.size() + size_t(m_chunks) - 1) / size_t(m_chunks);
            for (size_t i = 0; ok && i < m_body.size() && !m_stop; i += step) {
                const size_t n = std::min(step, m_body.size() - i);
                ok = ::send(c, m_body.data() + i, n, MSG_NOSIGNAL) == ssize_t(n);
                std::this_thread::sleep_for(m_pause);
            }
            ::close(c);
        }
    }
    std::string m_body;
    int m_chunks;
    std::chrono::milliseconds m_pause;
    int m_fd = -1, m_port = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

fs::path scratch(const char* name) {
    const fs::path d = fs::temp_directory_path() / ("cnnscope-fetch-" + std::string(name) + "-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("download: a background download reports progress, checks sha256 and lands in place") {
    TinyServer server(kMillionA, 50, std::chrono::milliseconds(20));  // about 1 s
    const fs::path dir = scratch("ok");
    Download d({server.url(), (dir / "weights.bin").string(), "sha256", kMillionASha256, 0, /*allowHttp=*/true});
    d.start();
    bool sawPartial = false;
    while (!d.finished()) {
        const DownloadProgress p = d.progress();  // from this thread while the transfer runs
        if (p.state == DownloadState::Running && p.bytes > 0 && p.bytes < int64_t(kMillionA.size())) {
            sawPartial = true;
            CHECK(p.total == int64_t(kMillionA.size()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(d.wait().ok());
    const DownloadProgress p = d.progress();
    CHECK(sawPartial);
    CHECK(p.state == DownloadState::Succeeded);
    CHECK(p.bytes == int64_t(kMillionA.size()));
    CHECK(p.bytesPerSecond > 0);
    CHECK(p.note == "sha256 OK");
    CHECK(slurp(dir / "weights.bin") == kMillionA);
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);  // no temporary left
    auto sum = fileDigest((dir / "weights.bin").string(), "sha256");
    REQUIRE(sum.ok());
    CHECK(*sum == kMillionASha256);
    fs::remove_all(dir);
}

TEST_CASE("download: cancel stops the transfer, removes the temporary and keeps the previous file") {
    TinyServer server(kMillionA, 200, std::chrono::milliseconds(20));  // about 4 s
    const fs::path dir = scratch("cancel");
    { std::ofstream(dir / "weights.bin") << "previous"; }
    Download d({server.url(), (dir / "weights.bin").string(), "sha256", kMillionASha256, 0, /*allowHttp=*/true});
    d.start();
    while (d.progress().bytes == 0 && !d.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto t0 = std::chrono::steady_clock::now();
    d.cancel();
    const Status st = d.wait();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("cancelled") != std::string::npos);
    CHECK(d.progress().state == DownloadState::Cancelled);
    CHECK(slurp(dir / "weights.bin") == "previous");
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    fs::remove_all(dir);
}

TEST_CASE("download: a wrong checksum fails with both digests; destroying a running download joins it") {
    TinyServer server(kMillionA, 10, std::chrono::milliseconds(1));
    const fs::path dir = scratch("bad");
    Download d({server.url(), (dir / "weights.bin").string(), "md5", "00000000000000000000000000000000", 0, true});
    const Status st = d.run();  // inline
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("expected 00000000000000000000000000000000") != std::string::npos);
    CHECK(d.progress().state == DownloadState::Failed);
    CHECK(fs::is_empty(dir));
    {
        TinyServer slow(kMillionA, 500, std::chrono::milliseconds(20));
        Download running({slow.url(), (dir / "weights.bin").string(), "", "", 0, true, /*allowUnverified=*/true});
        running.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }  // ~Download cancels and joins, then the server stops
    CHECK(fs::is_empty(dir));
    fs::remove_all(dir);
}

TEST_CASE("download: refused before connecting: plain http unless allowed, no checksum unless allowed") {
    const fs::path dir = scratch("policy") / "not-yet";
    // Nothing listens at port 9: the refusals come first, and no directory is made.
    Download http({"http://127.0.0.1:9/f.bin", (dir / "f.bin").string(), "sha256", kMillionASha256});
    Status st = http.run();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("only https://") != std::string::npos);
    Download unverified({"https://127.0.0.1:9/f.bin", (dir / "f.bin").string(), "", ""});
    st = unverified.run();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("--no-checksum") != std::string::npos);
    Download offline({"http://127.0.0.1:9/f.bin", (dir / "f.bin").string(), "sha256", kMillionASha256, 0, true});
    CHECK_FALSE(offline.run().ok());
    CHECK_FALSE(fs::exists(dir));
    fs::remove_all(dir.parent_path());
}

TEST_CASE("download: the recorded size caps the body and must match") {
    TinyServer server(kMillionA, 10, std::chrono::milliseconds(1));
    const fs::path dir = scratch("size");
    Download over({server.url(), (dir / "w.bin").string(), "sha256", kMillionASha256, 1000, true});
    Status st = over.run();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("refused before downloading") != std::string::npos);  // Content-Length over the cap
    DownloadSettings small;
    small.maxBytes = 999999;
    Download capped({server.url(), (dir / "w.bin").string(), "sha256", kMillionASha256, 0, true}, small);
    CHECK_FALSE(capped.run().ok());
    CHECK(fs::is_empty(dir));
    fs::remove_all(dir);
}
