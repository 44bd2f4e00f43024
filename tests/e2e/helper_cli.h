#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QStringList>

namespace testing {

struct CliResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

/// Runs the built `agentrun` with `args`, feeding `input` on stdin; fails the test on a hang.
CliResult runCli(const QStringList& args, const QByteArray& input = {},
                 const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment());

/// A file under resources/ of the source tree.
QString resource(const QString& relative);

} // namespace testing
