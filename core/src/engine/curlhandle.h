#pragma once

#include <curl/curl.h>

#include <utility>

namespace agentrun::engine {

/// Move-only owner of a CURL easy handle.
class CurlHandle
{
public:
    CurlHandle() : m_curl(curl_easy_init()) {}
    ~CurlHandle()
    {
        if (m_curl) {
            curl_easy_cleanup(m_curl);
        }
    }
    CurlHandle(CurlHandle&& other) noexcept : m_curl(std::exchange(other.m_curl, nullptr)) {}
    CurlHandle& operator=(CurlHandle&& other) noexcept
    {
        std::swap(m_curl, other.m_curl);
        return *this;
    }
    CurlHandle(const CurlHandle&) = delete;
    CurlHandle& operator=(const CurlHandle&) = delete;

    CURL* get() const { return m_curl; }
    explicit operator bool() const { return m_curl != nullptr; }

private:
    CURL* m_curl;
};

/// Move-only owner of a curl_slist.
class CurlHeaders
{
public:
    CurlHeaders() = default;
    ~CurlHeaders() { curl_slist_free_all(m_list); }
    CurlHeaders(const CurlHeaders&) = delete;
    CurlHeaders& operator=(const CurlHeaders&) = delete;
    void append(const char* header) { m_list = curl_slist_append(m_list, header); }
    curl_slist* get() const { return m_list; }

private:
    curl_slist* m_list = nullptr;
};

} // namespace agentrun::engine
