#pragma once

// A minimal std::expected / std::unexpected for compilers whose standard library does not provide them
// with the language features they need — in practice clang 14 over libstdc++ 12, which the libFuzzer
// build (preset fuzz) uses. g++ builds never include this file. It covers only what the project uses.

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace std { // NOLINT(cert-dcl58-cpp): stands in for the missing standard names, fuzz builds only

template <class E> class unexpected
{
public:
    template <class Err = E>
    requires(!is_same_v<remove_cvref_t<Err>, unexpected> &&
             is_constructible_v<E, Err>) constexpr explicit unexpected(Err&& error)
        : m_error(std::forward<Err>(error))
    {}
    constexpr const E& error() const& noexcept { return m_error; }
    constexpr E& error() & noexcept { return m_error; }
    constexpr E&& error() && noexcept { return std::move(m_error); }

private:
    E m_error;
};

template <class E> unexpected(E) -> unexpected<E>;

template <class T> struct isUnexpectedShim : false_type
{};
template <class E> struct isUnexpectedShim<unexpected<E>> : true_type
{};

template <class T, class E> class expected
{
public:
    using value_type = T;
    using error_type = E;

    constexpr expected() requires is_default_constructible_v<T> : m_value(in_place_index<0>) {}
    template <class U = T>
    requires(!is_same_v<remove_cvref_t<U>, expected> && !isUnexpectedShim<remove_cvref_t<U>>::value &&
             !is_same_v<remove_cvref_t<U>, in_place_t> &&
             is_constructible_v<T, U>) constexpr expected(U&& value)
        : m_value(in_place_index<0>, std::forward<U>(value))
    {}
    template <class G>
    constexpr expected(const unexpected<G>& error) : m_value(in_place_index<1>, error.error())
    {}
    template <class G>
    constexpr expected(unexpected<G>&& error) : m_value(in_place_index<1>, std::move(error).error())
    {}

    constexpr bool has_value() const noexcept { return m_value.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr T& operator*() & { return std::get<0>(m_value); }
    constexpr const T& operator*() const& { return std::get<0>(m_value); }
    constexpr T&& operator*() && { return std::get<0>(std::move(m_value)); }
    constexpr T* operator->() { return &std::get<0>(m_value); }
    constexpr const T* operator->() const { return &std::get<0>(m_value); }
    constexpr T& value() & { return std::get<0>(m_value); }
    constexpr const T& value() const& { return std::get<0>(m_value); }
    constexpr E& error() & { return std::get<1>(m_value); }
    constexpr const E& error() const& { return std::get<1>(m_value); }
    template <class U> constexpr T value_or(U&& fallback) const&
    {
        return has_value() ? **this : static_cast<T>(std::forward<U>(fallback));
    }

private:
    variant<T, E> m_value;
};

template <class E> class expected<void, E>
{
public:
    using value_type = void;
    using error_type = E;

    constexpr expected() noexcept = default;
    template <class G> constexpr expected(const unexpected<G>& error) : m_error(error.error()) {}
    template <class G> constexpr expected(unexpected<G>&& error) : m_error(std::move(error).error()) {}

    constexpr bool has_value() const noexcept { return !m_error.has_value(); }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr void operator*() const noexcept {}
    constexpr void value() const {}
    constexpr E& error() & { return *m_error; }
    constexpr const E& error() const& { return *m_error; }

private:
    optional<E> m_error;
};

} // namespace std
