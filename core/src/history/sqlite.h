#pragma once

#include "agentrun/error.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace agentrun::history {

/// Move-only owner of a prepared statement. Binds are 1-based like SQLite's.
class Statement
{
public:
    Statement() = default;
    explicit Statement(sqlite3_stmt* statement) : m_statement(statement) {}
    Statement(Statement&& other) noexcept : m_statement(std::exchange(other.m_statement, nullptr)) {}
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    void bind(int index, std::string_view text);      ///< TEXT
    void bindBlob(int index, std::string_view bytes); ///< BLOB: bytes kept exactly
    void bind(int index, std::int64_t value);
    void bind(int index, double value);
    /// SQLITE_ROW, SQLITE_DONE or an error code.
    int step();

    std::string text(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;

private:
    sqlite3_stmt* m_statement = nullptr;
};

/// Move-only owner of a connection.
class Database
{
public:
    Database() = default;
    Database(Database&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    static Result<Database> open(const std::string& path);

    /// Runs one or more statements without results.
    Result<void> exec(const char* sql);
    Result<Statement> prepare(std::string_view sql);
    std::string lastError() const;
    sqlite3* handle() const { return m_db; }

private:
    explicit Database(sqlite3* db) : m_db(db) {}
    sqlite3* m_db = nullptr;
};

} // namespace agentrun::history
