// Expected<T>: a value or a one-line error message. Expected failures (bad file, unknown
// layer, no camera) travel as values; the CLI prints the message, the GUI shows it.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace cnnscope {

struct Error {
    std::string message;
};

// Thrown only inside the core and caught at its public boundary (see guard()).
class CoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

template <class T>
class [[nodiscard]] Expected {
public:
    Expected(T value) : m_value(std::move(value)) {}
    Expected(Error error) : m_error(std::move(error.message)) {}

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const std::string& error() const { return m_error; }

    T& value() & { check(); return *m_value; }
    const T& value() const& { check(); return *m_value; }
    T&& value() && { check(); return std::move(*m_value); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }

private:
    void check() const {
        if (!m_value) throw std::logic_error("Expected: value() on an error: " + m_error);
    }
    std::optional<T> m_value;
    std::string m_error;
};

template <>
class [[nodiscard]] Expected<void> {
public:
    Expected() = default;
    Expected(Error error) : m_failed(true), m_error(std::move(error.message)) {}
    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const std::string& error() const { return m_error; }

private:
    bool m_failed = false;
    std::string m_error;
};

using Status = Expected<void>;

// Runs fn, turning CoreError, cv::Exception and std::exception into an Error value.
template <class Fn>
auto guard(Fn&& fn) -> decltype(fn());

}  // namespace cnnscope

#include <opencv2/core.hpp>

namespace cnnscope {

template <class Fn>
auto guard(Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const CoreError& e) {
        return Error{e.what()};
    } catch (const cv::Exception& e) {
        return Error{"OpenCV: " + (e.err.empty() ? std::string(e.what()) : e.err)};
    } catch (const std::exception& e) {
        return Error{e.what()};
    }
}

}  // namespace cnnscope
