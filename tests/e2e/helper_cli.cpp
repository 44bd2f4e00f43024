#include "helper_cli.h"

#include <QProcess>
#include <QTest>

namespace testing {

CliResult runCli(const QStringList& args, const QByteArray& input, const QProcessEnvironment& environment)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(AGENTRUN_CLI), args);
    if (!process.waitForStarted(10000)) {
        qFatal("cannot start %s", AGENTRUN_CLI);
    }
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(120000)) {
        process.kill();
        qFatal("agentrun %s did not finish within 120 s", qPrintable(args.join(' ')));
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}

QString resource(const QString& relative)
{
    return QStringLiteral(AGENTRUN_SOURCE_DIR "/resources/") + relative;
}

} // namespace testing
